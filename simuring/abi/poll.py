"""poll(2) event bits (``include/uapi/asm-generic/poll.h``), used by IORING_OP_POLL_ADD
and by the simulated objects' poll masks."""

POLLIN = 0x0001
POLLPRI = 0x0002
POLLOUT = 0x0004
POLLERR = 0x0008
POLLHUP = 0x0010
POLLNVAL = 0x0020
POLLRDNORM = 0x0040
POLLRDBAND = 0x0080
POLLWRNORM = 0x0100
POLLWRBAND = 0x0200
POLLRDHUP = 0x2000

EPOLL_URING_WAKE = 1 << 27
"""Internal to the kernel (``eventpoll.h``): the key bit of a wake-up of a ring
fd's poll queue (``io_poll_wq_wake``), never reported to user space."""

__all__ = [
    "POLLIN",
    "POLLPRI",
    "POLLOUT",
    "POLLERR",
    "POLLHUP",
    "POLLNVAL",
    "POLLRDNORM",
    "POLLRDBAND",
    "POLLWRNORM",
    "POLLWRBAND",
    "POLLRDHUP",
    "EPOLL_URING_WAKE",
]
