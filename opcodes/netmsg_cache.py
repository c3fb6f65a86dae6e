"""The ring's cache of network message headers (``ctx->netmsg_cache``, io_uring/net.c's
``io_msg_alloc_async`` and ``io_netmsg_recycle``), as far as a bundle can see it.

SEND, RECV, SENDMSG and RECVMSG take a ``struct io_async_msghdr`` from the cache at prep (a new one
when it is empty) and give it back when they complete (``io_req_msg_cleanup``); the cache holds at
most IO_ALLOC_CACHE_MAX of them, last in first out.  A header keeps the iovec array it grew
(``kmsg->vec``: a SENDMSG / RECVMSG importing more than one iovec, a bundle mapping more than one
buffer), unless it holds more than IO_VEC_CACHE_SOFT_CAP entries; and a bundle maps as many buffers
as that array holds even when it knows no length to receive (``io_recv_buf_select``), so a bundle
RECV's first receive depends on the header it got.  Only that array's size is kept here.

Not modelled: the headers of SEND_ZC / SENDMSG_ZC and CONNECT (which use the same cache), and a
header freed rather than cached when a request failed at prep or was cancelled, or (but for a
bundle's) completed in io-wq."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from simuring.kernel.ext import RingExt

if TYPE_CHECKING:
    from simuring.kernel.ctx import RingCtx

IO_ALLOC_CACHE_MAX: Final = 128
"""The most headers the cache keeps."""
IO_VEC_CACHE_SOFT_CAP: Final = 256
"""An iovec array longer than this is freed when its header is cached."""


class NetmsgCache(RingExt):
    """``ctx->netmsg_cache``: the iovec array size (0: none) of each cached header, oldest first."""

    def __init__(self, ctx: RingCtx) -> None:
        self.vecs: list[int] = []

    def take(self) -> int:
        """``io_msg_alloc_async``: the newest cached header's iovec array size (0 for a new header)."""
        vecs = self.vecs
        return vecs.pop() if vecs else 0

    def give(self, vec_nr: int) -> None:
        """``io_netmsg_recycle``: a header with an iovec array of ``vec_nr`` entries goes back."""
        if len(self.vecs) < IO_ALLOC_CACHE_MAX:
            self.vecs.append(vec_nr if vec_nr <= IO_VEC_CACHE_SOFT_CAP else 0)
