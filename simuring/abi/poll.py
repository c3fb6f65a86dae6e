"""poll(2) event bits (``include/uapi/asm-generic/poll.h``), used by IORING_OP_POLL_ADD
and by the simulated objects' poll masks."""

from typing import Final

POLLIN: Final = 0x0001
POLLPRI: Final = 0x0002
POLLOUT: Final = 0x0004
POLLERR: Final = 0x0008
POLLHUP: Final = 0x0010
POLLNVAL: Final = 0x0020
POLLRDNORM: Final = 0x0040
POLLRDBAND: Final = 0x0080
POLLWRNORM: Final = 0x0100
POLLWRBAND: Final = 0x0200
POLLRDHUP: Final = 0x2000

EPOLL_URING_WAKE: Final = 1 << 27
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
