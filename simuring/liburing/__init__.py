"""liburing's API under its C names, for simulated workloads.

The package mirrors liburing's sources, each module importing only the ones
below it: :mod:`~simuring.liburing.syscall` (the raw system calls),
:mod:`~simuring.liburing.ring` (``struct io_uring``),
:mod:`~simuring.liburing.setup`, :mod:`~simuring.liburing.prep` (SQE helpers),
:mod:`~simuring.liburing.queue` (submit and wait), :mod:`~simuring.liburing.cq`
(the inline CQ helpers), :mod:`~simuring.liburing.register` and
:mod:`~simuring.liburing.ipc` (the IPC channel proposal).  As in C:

* functions that enter the kernel (setup, exit, submit, wait, enter,
  register) are generators: call them with ``yield from``;
* functions that only touch the shared rings (get_sqe, prep_*, set_data,
  peek, cqe_seen, cq_ready) are plain calls;
* results are C's: 0, a count, or a negative errno.  Exceptions are only for
  misuse of the Python API (a wrong type where C would not compile).

``from simuring.liburing import *`` gives every name below, and the structs
(``Params``, ``Sqe``, ``Cqe``, ``Timespec``, the IPC structs) and mmap
constants that the calls take.
"""

from simuring.abi.io_uring import Cqe, Params, Sqe, Timespec
from simuring.abi.ipc import IpcChannelAttach, IpcChannelCreate
from simuring.abi.posix import MAP_PRIVATE, MAP_SHARED, PROT_NONE, PROT_READ, PROT_WRITE
from simuring.liburing.cq import (
    io_uring_cq_advance,
    io_uring_cq_has_overflow,
    io_uring_cq_ready,
    io_uring_cqe_get_data64,
    io_uring_cqe_seen,
    io_uring_peek_cqe,
    io_uring_wait_cqe,
    io_uring_wait_cqe_nr,
)
from simuring.liburing.ipc import (
    io_uring_prep_ipc_recv,
    io_uring_prep_ipc_send,
    io_uring_register_ipc_channel_attach,
    io_uring_register_ipc_channel_create,
    io_uring_register_ipc_channel_destroy,
    io_uring_register_ipc_channel_detach,
    ipc_mmap,
)
from simuring.liburing.prep import (
    io_uring_prep_cancel,
    io_uring_prep_cancel64,
    io_uring_prep_cancel_fd,
    io_uring_prep_link_timeout,
    io_uring_prep_msg_ring,
    io_uring_prep_msg_ring_cqe_flags,
    io_uring_prep_nop,
    io_uring_prep_poll_add,
    io_uring_prep_poll_multishot,
    io_uring_prep_poll_remove,
    io_uring_prep_poll_update,
    io_uring_prep_read,
    io_uring_prep_readv,
    io_uring_prep_rw,
    io_uring_prep_timeout,
    io_uring_prep_timeout_remove,
    io_uring_prep_timeout_update,
    io_uring_prep_write,
    io_uring_prep_writev,
    io_uring_sqe_set_data64,
    io_uring_sqe_set_flags,
)
from simuring.liburing.queue import (
    io_uring_get_events,
    io_uring_get_sqe,
    io_uring_peek_batch_cqe,
    io_uring_sq_ready,
    io_uring_sq_space_left,
    io_uring_sqring_wait,
    io_uring_submit,
    io_uring_submit_and_get_events,
    io_uring_submit_and_wait,
    io_uring_submit_and_wait_timeout,
    io_uring_wait_cqe_timeout,
    io_uring_wait_cqes,
)
from simuring.liburing.register import (
    io_uring_enable_rings,
    io_uring_register_files,
    io_uring_unregister_files,
)
from simuring.liburing.ring import Ring
from simuring.liburing.setup import (
    io_uring_queue_exit,
    io_uring_queue_init,
    io_uring_queue_init_params,
)
from simuring.liburing.syscall import (
    io_uring_enter,
    io_uring_enter2,
    io_uring_register,
    io_uring_setup,
)

__all__ = [
    "Cqe",
    "IpcChannelAttach",
    "IpcChannelCreate",
    "MAP_PRIVATE",
    "MAP_SHARED",
    "PROT_NONE",
    "PROT_READ",
    "PROT_WRITE",
    "Params",
    "Ring",
    "Sqe",
    "Timespec",
    "io_uring_cq_advance",
    "io_uring_cq_has_overflow",
    "io_uring_cq_ready",
    "io_uring_cqe_get_data64",
    "io_uring_cqe_seen",
    "io_uring_enable_rings",
    "io_uring_enter",
    "io_uring_enter2",
    "io_uring_get_events",
    "io_uring_get_sqe",
    "io_uring_peek_batch_cqe",
    "io_uring_peek_cqe",
    "io_uring_prep_cancel",
    "io_uring_prep_cancel64",
    "io_uring_prep_cancel_fd",
    "io_uring_prep_ipc_recv",
    "io_uring_prep_ipc_send",
    "io_uring_prep_link_timeout",
    "io_uring_prep_msg_ring",
    "io_uring_prep_msg_ring_cqe_flags",
    "io_uring_prep_nop",
    "io_uring_prep_poll_add",
    "io_uring_prep_poll_multishot",
    "io_uring_prep_poll_remove",
    "io_uring_prep_poll_update",
    "io_uring_prep_read",
    "io_uring_prep_readv",
    "io_uring_prep_rw",
    "io_uring_prep_timeout",
    "io_uring_prep_timeout_remove",
    "io_uring_prep_timeout_update",
    "io_uring_prep_write",
    "io_uring_prep_writev",
    "io_uring_queue_exit",
    "io_uring_queue_init",
    "io_uring_queue_init_params",
    "io_uring_register",
    "io_uring_register_files",
    "io_uring_register_ipc_channel_attach",
    "io_uring_register_ipc_channel_create",
    "io_uring_register_ipc_channel_destroy",
    "io_uring_register_ipc_channel_detach",
    "io_uring_setup",
    "io_uring_sq_ready",
    "io_uring_sq_space_left",
    "io_uring_sqring_wait",
    "io_uring_sqe_set_data64",
    "io_uring_sqe_set_flags",
    "io_uring_submit",
    "io_uring_submit_and_get_events",
    "io_uring_submit_and_wait",
    "io_uring_submit_and_wait_timeout",
    "io_uring_unregister_files",
    "io_uring_wait_cqe",
    "io_uring_wait_cqe_nr",
    "io_uring_wait_cqe_timeout",
    "io_uring_wait_cqes",
    "ipc_mmap",
]
