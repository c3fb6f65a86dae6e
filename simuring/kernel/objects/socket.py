"""AF_UNIX SOCK_STREAM socket pairs (net/unix/af_unix.c): ``socketpair(2)``.

* A send splits its data into skbs of at most ``sndbuf / 2 - 64`` bytes;
  each skb costs an allocation (``unix.skb_alloc_ns``) plus the copy from
  user space, and is queued on the peer's receive queue.
* Its true size (data + ``unix.skb_overhead_bytes``) is charged to the
  *sender* (``sk_wmem_alloc``) until the receiver has consumed the whole skb.
  A send may allocate a new skb only while that in-flight total is below the
  send-buffer limit ``unix.wmem_default_bytes`` (212992, the default
  ``net.core.wmem_default``); otherwise a blocking sender sleeps, a
  non-blocking one (O_NONBLOCK, MSG_DONTWAIT) gets -EAGAIN, or the count
  sent so far.  A blocking send returns only when everything is queued.
* The sender is woken (and POLLOUT reported) only once the in-flight bytes
  fall to a quarter of the limit (``unix_writable``), as in the kernel.
* Stream semantics: a receive copies from as many queued skbs as it needs
  (parts of several sends) and returns as soon as it has some data; it
  sleeps on an empty queue, returns 0 (EOF) once the peer is closed, and a
  send to a closed peer is -EPIPE.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

import attrs

from simuring.cost import param
from simuring.errno import EAGAIN, EPIPE
from simuring.host.memory import memcpy_ns
from simuring.kernel.objects.base import ObjFile, WaitQueue, cost_section
from simuring.uapi import POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDHUP, POLLRDNORM, POLLWRNORM

if TYPE_CHECKING:
    from simuring.cost import CostModel
    from simuring.host.task import Task


@attrs.frozen
class UnixCosts:
    """AF_UNIX stream socket costs and limits, besides the copies (``mem``)."""

    create_ns: int = param(3000, "ns", "socketpair(): two sockets, two files, connect them")
    sendmsg_ns: int = param(250, "ns", "fixed part of one unix_stream_sendmsg call (locks, checks, peer lookup)")
    recvmsg_ns: int = param(200, "ns", "fixed part of one unix_stream_recvmsg call (locks, scm, checks)")
    skb_alloc_ns: int = param(150, "ns", "allocate and free one skb (alloc_skb + kfree_skb)")
    skb_overhead_bytes: int = param(768, "bytes", "skb truesize overhead charged to the send buffer per skb")
    wmem_default_bytes: int = param(212992, "bytes", "send-buffer limit of a new socket (net.core.wmem_default)")
    release_ns: int = param(800, "ns", "closing a socket (last reference): shutdown, purge queues")


def unix_costs(costs: CostModel) -> UnixCosts:
    return cost_section(costs, "unix", UnixCosts)  # type: ignore[no-any-return]


class Skb:
    """One queued ``sk_buff``: the unread bytes and what it charges its sender."""

    __slots__ = ("data", "truesize", "sender")

    def __init__(self, data: bytearray, truesize: int, sender: UnixSocket) -> None:
        self.data = data
        self.truesize = truesize
        self.sender = sender


class UnixSocket(ObjFile):
    """One connected AF_UNIX stream socket."""

    kind = "socket"
    pollable = True

    def __init__(self, costs: CostModel, flags: int = 0) -> None:
        super().__init__(flags)
        self.costs = costs
        self.uc = unix_costs(costs)
        self.sndbuf = self.uc.wmem_default_bytes
        self.wmem = 0  # sk_wmem_alloc: true size of our skbs not yet consumed by the peer
        self.rxq: deque[Skb] = deque()
        self.peer: UnixSocket | None = None
        self.closed = False
        self.wq = WaitQueue()  # sk_sleep(sk)

    def __repr__(self) -> str:
        return f"<UnixSocket rx={sum(len(s.data) for s in self.rxq)} wmem={self.wmem}>"

    def peer_gone(self) -> bool:
        return self.peer is None or self.peer.closed

    def write_space(self) -> bool:
        """``unix_writable``: in-flight bytes at most a quarter of the limit."""
        return self.wmem * 4 <= self.sndbuf

    # -- the non-blocking attempts ---------------------------------------------------
    def write_nb(self, task: Task, src: memoryview, off: int = -1) -> int:
        uc = self.uc
        task.charge(uc.sendmsg_ns)
        peer = self.peer
        if peer is None or peer.closed:
            return -EPIPE
        total = len(src)
        if total == 0:
            return 0
        chunk = max(1, self.sndbuf // 2 - 64)
        sent = 0
        while sent < total and self.wmem < self.sndbuf:
            n = min(chunk, total - sent)
            task.charge(uc.skb_alloc_ns + memcpy_ns(self.costs, n))
            skb = Skb(bytearray(src[sent : sent + n]), n + uc.skb_overhead_bytes, self)
            self.wmem += skb.truesize
            peer.rxq.append(skb)
            sent += n
        if sent == 0:
            return -EAGAIN
        peer.wq.wake(task, POLLIN | POLLRDNORM)  # sk_data_ready
        return sent

    def read_nb(self, task: Task, dst: memoryview, off: int = -1) -> int:
        task.charge(self.uc.recvmsg_ns)
        if not self.rxq:
            return 0 if self.peer_gone() else -EAGAIN
        want = len(dst)
        got = 0
        costs = self.costs
        senders: list[UnixSocket] = []
        while got < want and self.rxq:
            skb = self.rxq[0]
            n = min(want - got, len(skb.data))
            dst[got : got + n] = skb.data[:n]
            task.charge(memcpy_ns(costs, n))  # skb_copy_datagram_msg
            got += n
            if n == len(skb.data):
                self.rxq.popleft()
                task.charge(self.uc.skb_alloc_ns // 2)  # consume_skb: the free half
                sender = skb.sender
                sender.wmem -= skb.truesize  # sock_wfree
                if sender not in senders:
                    senders.append(sender)
            else:
                del skb.data[:n]
        for sender in senders:
            if sender.write_space() and not sender.closed:
                sender.wq.wake(task, POLLOUT | POLLWRNORM)  # unix_write_space
        return got

    def poll_mask(self) -> int:
        mask = 0
        if self.rxq:
            mask |= POLLIN | POLLRDNORM
        if self.peer_gone():
            # both directions shut down: readable (EOF) and hung up; a send fails
            mask |= POLLHUP | POLLRDHUP | POLLIN | POLLRDNORM
        elif self.write_space():
            mask |= POLLOUT | POLLWRNORM
        return mask

    def poll_wq(self, events: int) -> WaitQueue:
        return self.wq

    def release(self, task: Task | None) -> None:
        if task is not None:
            task.charge(self.uc.release_ns)
        self.closed = True
        # our unread skbs are freed: their senders get their buffer space back
        while self.rxq:
            skb = self.rxq.popleft()
            skb.sender.wmem -= skb.truesize
        peer = self.peer
        if peer is not None and not peer.closed:
            peer.wq.wake(task, POLLHUP | POLLRDHUP | POLLIN | POLLRDNORM | POLLERR | POLLOUT)


def create_socketpair(costs: CostModel, task: Task, flags: int) -> tuple[UnixSocket, UnixSocket]:
    """``unix_socketpair``: two connected stream sockets."""
    task.charge(unix_costs(costs).create_ns)
    a, b = UnixSocket(costs, flags), UnixSocket(costs, flags)
    a.peer, b.peer = b, a
    return a, b
