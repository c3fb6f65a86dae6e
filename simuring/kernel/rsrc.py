"""The fixed-file table (io_uring/rsrc.c, io_uring/filetable.c): registration
with tags and sparse slots, updates, the allocation range; and the
registered-buffer table (IORING_REGISTER_BUFFERS, BUFFERS2, BUFFERS_UPDATE,
UNREGISTER_BUFFERS, and CLONE_BUFFERS, which copies another ring's table)
that READ_FIXED / WRITE_FIXED and NOP's IORING_NOP_FIXED_BUFFER look buffers
up in.

``ctx.fixed_files`` holds a :class:`FileNode` or None per slot: the slot's
resource node (``struct io_rsrc_node``), with its file and its tag (0:
none).  A node is referenced by the table and by each request that took its
file from the slot (IOSQE_FIXED_FILE: ``io_file_get_fixed`` ->
``io_req_assign_rsrc_node``, ``req.file_node``) or, as its fixed input
(SPLICE_F_FD_IN_FIXED), by a SPLICE or TEE (``io_splice_get_file``,
``req.op_node``, put first), and holds one reference on
the file.  When a slot is emptied or replaced (an update, a direct install
into a used slot, CLOSE of a fixed slot, the table's unregistration, the
ring's exit) the table drops its reference; the last reference to go
(``io_put_rsrc_node`` -> ``io_free_rsrc_node``) posts the tag's CQE, with
the tag as ``user_data``, res 0 and flags 0 (``io_post_aux_cqe``), then puts
the file.  So a request in flight keeps both the file and the tag's CQE
until it is done: its own CQE comes first.

Registered buffers (``ctx.ext(BufTable)``) follow the same rule
(:class:`RsrcNode`, one rule for both tables): a buffer's node is
referenced by the table and by each request that imported it
(``req.buf_node``), and its tag's CQE is posted when the last reference
goes.  Python has no addresses: a
registered buffer is a byte view of the user's own memory (a fixed read
lands in the user's buffer), and its address is the one the conformance
harness passes for the same object (:func:`user_address`, the first byte of
a writable buffer), so an SQE ``addr`` that is a slice of a registered
buffer lies inside it, at the slice's offset.  Read-only memory
(``bytes``) cannot be registered (-EFAULT: the pages are pinned for
writing).
"""

from __future__ import annotations

import ctypes
from typing import TYPE_CHECKING, Final

from simuring.abi.errno import EBADF, EBUSY, EFAULT, EINVAL, EMFILE, ENFILE, ENXIO, EOVERFLOW
from simuring.abi.io_uring import (
    IORING_FILE_INDEX_ALLOC,
    IORING_REGISTER_DST_REPLACE,
    IORING_REGISTER_FILES_SKIP,
    IORING_REGISTER_SRC_REGISTERED,
    IORING_RSRC_REGISTER_SPARSE,
    RSRC_REGISTER_SIZE,
    RSRC_UPDATE2_SIZE,
    CloneBuffers,
    FileIndexRange,
    Iovec,
    RsrcRegister,
    RsrcUpdate,
    RsrcUpdate2,
)
from simuring.abi.limits import INT_MAX, U32, U64
from simuring.kernel.enter import registered_ring_of, ring_of
from simuring.kernel.ext import RingExt
from simuring.kernel.files import files_of
from simuring.kernel.setup import RingFile
from simuring.kernel.uaccess import user_bytes

if TYPE_CHECKING:
    from simuring.host.task import Task
    from simuring.kernel.ctx import RingCtx
    from simuring.kernel.files import File

IORING_MAX_FIXED_FILES: Final = 1 << 20


def _user_ints(arr: object, i: int) -> int | None:
    """``copy_from_user`` of element ``i`` of a user array: None where C would fault."""
    if not isinstance(arr, (list, tuple)) or i >= len(arr) or not isinstance(arr[i], int):
        return None
    return int(arr[i])


def _user_tag(tags: object, i: int) -> int | None:
    """Entry ``i`` of a user tag array as a u64 (0 without an array); None where it
    cannot be read (-EFAULT)."""
    if tags is None:
        return 0
    got = _user_ints(tags, i)
    return None if got is None else got & U64


def files_register(task: Task, ctx: RingCtx, fds: object, nr_args: int, tags: object) -> int:
    """``io_sqe_files_register``: a table of ``nr_args`` slots from ``fds`` (None: all
    empty, as a sparse table) with optional ``tags``.

    Order: -EBUSY with a table registered, -EINVAL for 0 slots, -EMFILE above
    IORING_MAX_FIXED_FILES or RLIMIT_NOFILE; then slot by slot: -EFAULT for an
    unreadable tag or fd, -EINVAL for a tag on an empty slot (fd -1), -EBADF
    for an fd not open or a ring's.  On failure nothing stays registered and
    no tag CQE is posted (``io_clear_table_tags``).  The allocation range
    becomes the whole table."""
    if ctx.fixed_files is not None:
        return -EBUSY
    nr_args &= U32
    if not nr_args:
        return -EINVAL
    if nr_args > IORING_MAX_FIXED_FILES or nr_args > files_of(task.process).limit:
        return -EMFILE
    table: list[FileNode | None] = []
    err = 0
    for i in range(nr_args):
        tag = _user_tag(tags, i)
        if tag is None:
            err = -EFAULT
            break
        fd = -1
        if fds is not None:
            got = _user_ints(fds, i)
            if got is None:
                err = -EFAULT
                break
            fd = got
        if fd == -1:
            if tag:
                err = -EINVAL
                break
            table.append(None)
            continue
        file = files_of(task.process).get(fd)
        if file is None or isinstance(file, RingFile):
            err = -EBADF
            break
        table.append(FileNode(ctx, file.get(), tag))
    if err:
        for node in table:
            if node is not None:
                node.tag = 0  # io_clear_table_tags
                node.put(task)
        return err
    ctx.fixed_files = table
    ctx.file_alloc_range = (0, nr_args)
    ctx.file_alloc_hint = 0
    return 0


def _reset_slot(task: Task, ctx: RingCtx, i: int) -> None:
    """``io_reset_rsrc_node`` + ``io_file_bitmap_clear``: empty slot ``i``: the table
    drops its reference on the slot's node (the last one posts the tag's CQE and
    puts the file); the next slot allocation starts at ``i``."""
    table = ctx.fixed_files
    assert table is not None
    node = table[i]
    if node is None:
        return
    table[i] = None
    ctx.file_alloc_hint = i
    node.put(task)


class RsrcNode:
    """A resource node (``struct io_rsrc_node``) of the file or the buffer table:
    ``tag`` its tag (0: none) and ``refs`` its references: the table's, and one
    per request using it (``req.file_node``, ``req.buf_node``), dropped when
    the request is done (``io_req_put_rsrc_nodes``)."""

    __slots__ = ("ctx", "tag", "refs")

    def __init__(self, ctx: RingCtx, tag: int = 0) -> None:
        self.ctx = ctx
        self.tag = tag
        self.refs = 1

    def put(self, by: Task | None) -> None:
        """``io_put_rsrc_node``: drop one reference; the last one frees the node
        (``io_free_rsrc_node``): a tagged node posts a CQE with the tag as
        ``user_data``, res 0 and flags 0 (``io_post_aux_cqe``; not once the ring
        is gone), then the resource is released (:meth:`release`)."""
        self.refs -= 1
        if not self.refs:
            ctx = self.ctx
            if self.tag and not ctx.dead:
                ctx.post_aux_cqe(by, self.tag, 0, 0)
            self.release(by)

    def release(self, by: Task | None) -> None:
        """What freeing the node releases besides the tag (a file's reference)."""


class FileNode(RsrcNode):
    """A registered file slot's node (``IORING_RSRC_FILE``): ``file`` holds one
    reference, put when the node is freed (``fput`` in ``io_free_rsrc_node``)."""

    __slots__ = ("file",)

    def __init__(self, ctx: RingCtx, file: File, tag: int = 0) -> None:
        super().__init__(ctx, tag)
        self.file = file

    def release(self, by: Task | None) -> None:
        self.file.put(by)


def fixed_file_node(ctx: RingCtx, index: object) -> FileNode | None:
    """``io_rsrc_node_lookup`` on the file table: slot ``index``'s node, or None (no
    table, not an index into it, an empty slot)."""
    table = ctx.fixed_files
    if table is None or not isinstance(index, int) or not 0 <= index < len(table):
        return None
    return table[index]


def fixed_file(ctx: RingCtx, index: object) -> File | None:
    """The file in registered slot ``index`` (:func:`fixed_file_node`), or None."""
    node = fixed_file_node(ctx, index)
    return None if node is None else node.file


def files_unregister(task: Task, ctx: RingCtx) -> int:
    """``io_sqe_files_unregister``: -ENXIO without a table; the table's reference on
    each slot's node is dropped, from the last slot to the first
    (``io_rsrc_data_free``): a tagged slot no request uses posts its CQE now, one a
    request still uses when that request is done."""
    if ctx.fixed_files is None:
        return -ENXIO
    ctx.drop_fixed_files(task)
    ctx.file_alloc_range = (0, 0)
    ctx.file_alloc_hint = 0
    return 0


def _update_range(offset: int, nr_args: int, size: int | None) -> int:
    """The checks of ``__io_register_rsrc_update`` and of the table's update, before
    any entry is read: -EOVERFLOW when ``offset + nr_args`` wraps a u32, -ENXIO
    without a table (``size`` None), -EINVAL past its end; else 0."""
    if offset + nr_args > U32:
        return -EOVERFLOW
    if size is None:
        return -ENXIO
    if offset + nr_args > size:
        return -EINVAL
    return 0


def files_update(task: Task, ctx: RingCtx, offset: int, fds: object, tags: object, nr_args: int) -> int:
    """``__io_register_rsrc_update`` -> ``__io_sqe_files_update``: replace ``nr_args``
    slots from ``offset``.

    -EOVERFLOW when ``offset + nr_args`` wraps a u32; -ENXIO without a table;
    -EINVAL past its end.  Then slot by slot: -EFAULT for an unreadable tag or
    fd, -EINVAL for a tag with fd -1 or IORING_REGISTER_FILES_SKIP; SKIP leaves
    the slot; otherwise the slot is emptied (its tag's CQE posted) and, for an
    fd other than -1, filled (-EBADF: not open, or a ring).  The result is the
    number of entries done (skipped ones count) or, if none, the error."""
    offset &= U32
    table = ctx.fixed_files
    err = _update_range(offset, nr_args, None if table is None else len(table))
    if err:
        return err
    assert table is not None
    done = 0
    err = 0
    while done < nr_args:
        tag = _user_tag(tags, done)
        if tag is None:
            err = -EFAULT
            break
        fd = _user_ints(fds, done) if fds is not None else None
        if fd is None:
            err = -EFAULT
            break
        if fd in (IORING_REGISTER_FILES_SKIP, -1) and tag:
            err = -EINVAL
            break
        if fd == IORING_REGISTER_FILES_SKIP:
            done += 1
            continue
        i = offset + done
        _reset_slot(task, ctx, i)
        if fd != -1:
            file = files_of(task.process).get(fd)
            if file is None or isinstance(file, RingFile):
                err = -EBADF
                break
            table[i] = FileNode(ctx, file.get(), tag)
        done += 1
    return done if done else err


def register_files_update(task: Task, ctx: RingCtx, arg: object, nr_args: int) -> int:
    """IORING_REGISTER_FILES_UPDATE (``io_register_files_update``): ``arg`` is a
    :class:`RsrcUpdate`, ``nr_args`` the fds to apply.  -EINVAL for 0, -EFAULT
    for no struct, -EINVAL for a non-zero ``resv``; then :func:`files_update`
    (no tags)."""
    nr_args &= U32
    if not nr_args:
        return -EINVAL
    if not isinstance(arg, RsrcUpdate) or not _int_fields(arg.offset, arg.resv):
        return -EFAULT
    if arg.resv:
        return -EINVAL
    return files_update(task, ctx, arg.offset, arg.data, None, nr_args)


def register_files2(task: Task, ctx: RingCtx, arg: object, nr_args: int) -> int:
    """IORING_REGISTER_FILES2 (``io_register_rsrc``): ``arg`` is a :class:`RsrcRegister`
    and ``nr_args`` its size (32; else -EINVAL).  -EFAULT for no struct; -EINVAL
    for ``nr`` 0, a non-zero ``resv2``, unknown flags, or IORING_RSRC_REGISTER_SPARSE
    with ``data``; then :func:`files_register` (a NULL ``data`` leaves every slot
    empty, with or without SPARSE)."""
    err = _rsrc_register_args(arg, nr_args)
    if err:
        return err
    assert isinstance(arg, RsrcRegister)
    return files_register(task, ctx, arg.data, arg.nr, arg.tags)


def _rsrc_register_args(arg: object, nr_args: int) -> int:
    """``io_register_rsrc``'s checks of its struct, for files and buffers alike:
    -EINVAL unless ``nr_args`` is its size (32), -EFAULT for no struct, -EINVAL
    for ``nr`` 0, a non-zero ``resv2``, unknown flags, or
    IORING_RSRC_REGISTER_SPARSE with ``data``; else 0."""
    if nr_args & U32 != RSRC_REGISTER_SIZE:
        return -EINVAL
    if not isinstance(arg, RsrcRegister) or not _int_fields(arg.nr, arg.flags, arg.resv2):
        return -EFAULT
    if not arg.nr or arg.resv2:
        return -EINVAL
    if arg.flags & ~IORING_RSRC_REGISTER_SPARSE:
        return -EINVAL
    if arg.flags & IORING_RSRC_REGISTER_SPARSE and arg.data is not None:
        return -EINVAL
    return 0


def register_files_update2(task: Task, ctx: RingCtx, arg: object, nr_args: int) -> int:
    """IORING_REGISTER_FILES_UPDATE2 (``io_register_rsrc_update``): ``arg`` is a
    :class:`RsrcUpdate2` and ``nr_args`` its size (32; else -EINVAL).  -EFAULT for
    no struct; -EINVAL for ``nr`` 0 or a non-zero ``resv`` / ``resv2``; then
    :func:`files_update` with the tags."""
    err = _rsrc_update2_args(arg, nr_args)
    if err:
        return err
    assert isinstance(arg, RsrcUpdate2)
    return files_update(task, ctx, arg.offset, arg.data, arg.tags, arg.nr & U32)


def _rsrc_update2_args(arg: object, nr_args: int) -> int:
    """``io_register_rsrc_update``'s checks of its struct, for files and buffers
    alike: -EINVAL unless ``nr_args`` is its size (32), -EFAULT for no struct,
    -EINVAL for ``nr`` 0 or a non-zero ``resv`` / ``resv2``; else 0."""
    if nr_args & U32 != RSRC_UPDATE2_SIZE:
        return -EINVAL
    if not isinstance(arg, RsrcUpdate2) or not _int_fields(arg.offset, arg.resv, arg.nr, arg.resv2):
        return -EFAULT
    if not arg.nr or arg.resv or arg.resv2:
        return -EINVAL
    return 0


def _int_fields(*values: object) -> bool:
    """The struct's integer fields are integers (a struct holding anything else is
    not one ``copy_from_user`` could read: -EFAULT)."""
    return all(isinstance(v, int) for v in values)


def register_file_alloc_range(task: Task, ctx: RingCtx, arg: object, nr_args: int) -> int:
    """IORING_REGISTER_FILE_ALLOC_RANGE (``io_register_file_alloc_range``): -EINVAL for
    a NULL ``arg`` or ``nr_args`` (``__io_uring_register``), -EFAULT for no struct,
    -EOVERFLOW when ``off + len`` wraps a u32, -EINVAL for a non-zero ``resv`` or a
    range past the table (none registered: past a table of 0).  The range is kept
    (``ctx.file_alloc_range``); IORING_OP_FILES_UPDATE with IORING_FILE_INDEX_ALLOC
    allocates from it (:func:`file_alloc_slot`)."""
    if arg is None or nr_args:
        return -EINVAL
    if not isinstance(arg, FileIndexRange):
        return -EFAULT
    off, length = arg.off & U32, arg.len & U32
    end = off + length
    if end > U32:
        return -EOVERFLOW
    size = len(ctx.fixed_files) if ctx.fixed_files is not None else 0
    if arg.resv or end > size:
        return -EINVAL
    ctx.file_alloc_range = (off, end)
    ctx.file_alloc_hint = off
    return 0


def file_alloc_slot(ctx: RingCtx) -> int:
    """``io_file_bitmap_get``: the first free slot of the allocation range from
    ``ctx.file_alloc_hint`` on, then from the range's start; -ENFILE if none.
    A hint outside the range (an update, a removal or a direct install at a slot
    outside it moves the hint there) starts the search at the range's start: the
    allocation never leaves the range (Linux 6.18.44, as liburing's
    file-alloc-range-hint test checks)."""
    table = ctx.fixed_files
    start, end = ctx.file_alloc_range
    if table is None:
        return -ENFILE
    hint = ctx.file_alloc_hint
    if not start <= hint < end:
        hint = ctx.file_alloc_hint = start
    stop = end
    while True:
        for i in range(max(hint, 0), min(stop, len(table))):
            if table[i] is None:
                return i
        if hint == start:
            return -ENFILE
        stop, hint = hint, start
        ctx.file_alloc_hint = start


def install_fixed_file(task: Task, ctx: RingCtx, file: File, slot: int) -> int:
    """``io_install_fixed_file``: put ``file`` (a reference the caller gives) in
    ``slot``, replacing what is there (its tag's CQE posted); -EBADF for a ring,
    -ENXIO without a table, -EINVAL past its end.  On failure the caller keeps
    its reference."""
    if isinstance(file, RingFile):
        return -EBADF
    table = ctx.fixed_files
    if table is None:
        return -ENXIO
    if not 0 <= slot < len(table):
        return -EINVAL
    if table[slot] is None:
        ctx.file_alloc_hint = slot + 1  # io_file_bitmap_set
    else:
        hint = ctx.file_alloc_hint
        _reset_slot(task, ctx, slot)  # the slot's bit stays set: the hint is kept
        ctx.file_alloc_hint = hint
    table[slot] = FileNode(ctx, file)
    return 0


def fixed_fd_install(task: Task, ctx: RingCtx, file: File, file_slot: int) -> int:
    """``io_fixed_fd_install``: a new ``file`` (no reference held yet) into registered
    slot ``file_slot - 1`` (result 0), or with IORING_FILE_INDEX_ALLOC into a free
    slot (its index is the result, -ENFILE when none is free); the table takes a
    reference.  On failure the file is released (``fput``)."""
    if file_slot == IORING_FILE_INDEX_ALLOC:
        slot = file_alloc_slot(ctx)
        ret = slot if slot < 0 else install_fixed_file(task, ctx, file, slot)
        if ret == 0:
            ret = slot
    else:
        ret = install_fixed_file(task, ctx, file, file_slot - 1)
    file.get()
    if ret < 0:
        file.put(task)
    return ret


def fixed_fd_remove(task: Task, ctx: RingCtx, offset: int) -> int:
    """``io_fixed_fd_remove``: empty slot ``offset``; -ENXIO without a table,
    -EINVAL past its end, -EBADF for an empty slot."""
    table = ctx.fixed_files
    if not table:
        return -ENXIO
    if not 0 <= offset < len(table):
        return -EINVAL
    if table[offset] is None:
        return -EBADF
    _reset_slot(task, ctx, offset)
    return 0


# -- registered buffers ---------------------------------------------------------------
IORING_MAX_REG_BUFFERS: Final = 1 << 14
SZ_1G: Final = 1 << 30
PAGE_SIZE: Final = 4096
MAX_RW_COUNT: Final = 0x7FFF_F000  # INT_MAX & PAGE_MASK
SSIZE_MAX: Final = (1 << 63) - 1


def user_address(buf: object) -> int | None:
    """The C address standing for ``buf``: None is NULL (0), an int an address as it
    stands, a writable flat buffer the address of its first byte (the one the
    conformance harness passes, as it uses such buffers in place).  None where
    there is no address to compare (read-only memory, which the harness copies;
    a strided view)."""
    if buf is None:
        return 0
    if isinstance(buf, bool):
        return None
    if isinstance(buf, int):
        return buf & U64
    if not isinstance(buf, (bytearray, memoryview)):
        return None
    try:
        mv = memoryview(buf)
        if mv.readonly or not mv.c_contiguous:
            return None
        if mv.ndim != 1 or mv.itemsize != 1:
            mv = mv.cast("B")
        return ctypes.addressof((ctypes.c_char * mv.nbytes).from_buffer(mv))
    except (TypeError, ValueError, BufferError):
        return None


class RegBuf(RsrcNode):
    """A registered buffer's resource node (``IORING_RSRC_BUFFER``, with its
    ``io_mapped_ubuf``): ``view`` is the pinned user memory itself (a byte view of
    the registered buffer: what a fixed read writes lands in the user's buffer),
    ``ubuf`` its address, ``len`` its length; a request that imported it
    (``io_find_buf_node`` -> ``io_req_assign_buf_node``) holds a reference
    (``req.buf_node``)."""

    __slots__ = ("view", "ubuf", "len")

    def __init__(self, ctx: RingCtx, view: memoryview, ubuf: int) -> None:
        super().__init__(ctx)
        self.view = view
        self.ubuf = ubuf
        self.len = len(view)


class BufTable(RingExt):
    """The ring's registered-buffer table (``ctx->buf_table``): a :class:`RegBuf` or
    None (an empty slot) per slot; None without a table."""

    def __init__(self, ctx: RingCtx) -> None:
        self.nodes: list[RegBuf | None] | None = None


def _user_iovec(iovs: object, i: int) -> tuple[object, int] | int:
    """``iovec_from_user`` of entry ``i`` of a user iovec array: -EFAULT past the
    array, else :func:`user_iovec_entry`."""
    if not isinstance(iovs, (list, tuple)) or i >= len(iovs):
        return -EFAULT
    return user_iovec_entry(iovs[i])


def user_iovec_entry(item: object) -> tuple[object, int] | int:
    """One ``struct iovec`` copied from user memory (``copy_iovec_from_user``):
    (base, length), -EFAULT where there is no iovec and -EINVAL for a length that
    is negative as a ``ssize_t``.  A buffer stands for ``{buf, len(buf)}``, None
    for ``{NULL, 0}``, an :class:`~simuring.abi.io_uring.Iovec` for its two
    fields."""
    if item is None:
        return (None, 0)
    if isinstance(item, Iovec):
        length = item.len
        if not isinstance(length, int) or isinstance(length, bool):
            return -EFAULT
        length &= U64
        return -EINVAL if length > SSIZE_MAX else (item.base, length)
    if isinstance(item, (bytearray, bytes, memoryview)):
        try:
            return (item, memoryview(item).nbytes)
        except ValueError:  # a released view
            return -EFAULT
    return -EFAULT


def _buffer_validate(base: object, length: int) -> int:
    """``io_buffer_validate``: a NULL base is an empty slot (0) with length 0, else
    -EFAULT; length 0 or above 1 GiB is -EFAULT; -EOVERFLOW when the base plus the
    length rounded up to a page wraps the address space."""
    addr = user_address(base)
    if addr == 0:
        return -EFAULT if length else 0
    if not length or length > SZ_1G:
        return -EFAULT
    if addr is not None and addr + length + PAGE_SIZE - 1 > U64:
        return -EOVERFLOW
    return 0


def _buffer_pin(ctx: RingCtx, base: object, length: int) -> RegBuf | None | int:
    """``io_sqe_buffer_register``: pin the ``length`` bytes at ``base`` (None for an
    empty slot); -EFAULT where they are not all there and writable (the pages are
    pinned for writing; an address that is no buffer is unmapped)."""
    if user_address(base) == 0:
        return None
    view = user_bytes(base, length, kernel_writes=True)
    if isinstance(view, int):
        return view
    ubuf = user_address(view)
    if ubuf is None:
        return -EFAULT
    return RegBuf(ctx, view, ubuf)


def _buffer_entry(ctx: RingCtx, iovs: object, tags: object, i: int) -> RegBuf | None | int:
    """One entry of a registration or an update, in the kernel's order: the iovec
    (read, then validated), the tag (-EFAULT), the pinning, and a tag on an empty
    slot (-EINVAL).  The node with its tag (None: an empty slot), or -errno."""
    base: object = None
    length = 0
    if iovs is not None:
        got = _user_iovec(iovs, i)
        if isinstance(got, int):
            return got
        base, length = got
        err = _buffer_validate(base, length)
        if err:
            return err
    tag = _user_tag(tags, i)
    if tag is None:
        return -EFAULT
    node = _buffer_pin(ctx, base, length)
    if isinstance(node, int):
        return node
    if node is None:
        return -EINVAL if tag else None
    node.tag = tag
    return node


def buffers_register(task: Task, ctx: RingCtx, iovs: object, nr_args: int, tags: object) -> int:
    """``io_sqe_buffers_register``: a table of ``nr_args`` buffers from the iovec
    array ``iovs`` (None: every slot empty, as a sparse table) with optional
    ``tags``.

    -EBUSY with a table registered; -EINVAL for 0 slots or more than
    IORING_MAX_REG_BUFFERS (16384); then entry by entry (:func:`_buffer_entry`).
    On failure nothing stays registered and no tag CQE is posted
    (``io_clear_table_tags``)."""
    bt = ctx.ext(BufTable)
    if bt.nodes is not None:
        return -EBUSY
    nr_args &= U32
    if not nr_args or nr_args > IORING_MAX_REG_BUFFERS:
        return -EINVAL
    nodes: list[RegBuf | None] = []
    for i in range(nr_args):
        node = _buffer_entry(ctx, iovs, tags, i)
        if isinstance(node, int):
            return node  # the nodes taken so far go without their tags
        nodes.append(node)
    bt.nodes = nodes
    return 0


def buffers_unregister(task: Task, ctx: RingCtx) -> int:
    """``io_sqe_buffers_unregister``: -ENXIO without a table; the table's reference
    on each buffer is dropped, from the last slot to the first
    (``io_rsrc_data_free``): a tagged buffer no request uses posts its CQE now,
    one a request still uses when that request is done."""
    bt = ctx.ext(BufTable)
    nodes = bt.nodes
    if nodes is None:
        return -ENXIO
    bt.nodes = None
    for node in reversed(nodes):
        if node is not None:
            node.put(task)
    return 0


def buffers_update(task: Task, ctx: RingCtx, offset: int, iovs: object, tags: object, nr_args: int) -> int:
    """``__io_register_rsrc_update`` -> ``__io_sqe_buffers_update``: replace
    ``nr_args`` slots from ``offset`` with the buffers of ``iovs``.

    The range checks of :func:`_update_range`; then entry by entry
    (:func:`_buffer_entry`): the slot's old buffer goes (its tag's CQE posted)
    and the new one (None: the slot is emptied) takes its place with its tag.
    The result is the number of entries done or, if none, the error."""
    offset &= U32
    bt = ctx.ext(BufTable)
    nodes = bt.nodes
    err = _update_range(offset, nr_args, None if nodes is None else len(nodes))
    if err:
        return err
    assert nodes is not None
    done = 0
    while done < nr_args:
        node = _buffer_entry(ctx, iovs, tags, done)
        if isinstance(node, int):
            err = node
            break
        i = offset + done
        old = nodes[i]
        nodes[i] = node
        if old is not None:  # io_reset_rsrc_node: the table's reference on the old buffer
            old.put(task)
        done += 1
    return done if done else err


def register_buffers(task: Task, ctx: RingCtx, arg: object, nr_args: int) -> int:
    """IORING_REGISTER_BUFFERS: ``arg`` is the iovec array (a list of buffers, or
    :class:`~simuring.abi.io_uring.Iovec`); -EFAULT for NULL (``__io_uring_register``),
    then :func:`buffers_register` without tags."""
    if arg is None:
        return -EFAULT
    return buffers_register(task, ctx, arg, nr_args, None)


def unregister_buffers(task: Task, ctx: RingCtx, arg: object, nr_args: int) -> int:
    """IORING_UNREGISTER_BUFFERS: -EINVAL with an argument, then :func:`buffers_unregister`."""
    if arg is not None or nr_args:
        return -EINVAL
    return buffers_unregister(task, ctx)


def register_buffers2(task: Task, ctx: RingCtx, arg: object, nr_args: int) -> int:
    """IORING_REGISTER_BUFFERS2 (``io_register_rsrc``): the checks of its
    :class:`RsrcRegister` (:func:`_rsrc_register_args`), then :func:`buffers_register`
    (a NULL ``data`` leaves every slot empty, with or without SPARSE)."""
    err = _rsrc_register_args(arg, nr_args)
    if err:
        return err
    assert isinstance(arg, RsrcRegister)
    return buffers_register(task, ctx, arg.data, arg.nr, arg.tags)


def register_buffers_update(task: Task, ctx: RingCtx, arg: object, nr_args: int) -> int:
    """IORING_REGISTER_BUFFERS_UPDATE (``io_register_rsrc_update``): the checks of
    its :class:`RsrcUpdate2` (:func:`_rsrc_update2_args`), then :func:`buffers_update`."""
    err = _rsrc_update2_args(arg, nr_args)
    if err:
        return err
    assert isinstance(arg, RsrcUpdate2)
    return buffers_update(task, ctx, arg.offset, arg.data, arg.tags, arg.nr & U32)


def find_buf(ctx: RingCtx, index: int) -> RegBuf | None:
    """``io_rsrc_node_lookup`` on the buffer table (``io_find_buf_node``): slot
    ``index``'s buffer, or None (no table, past its end, an empty slot)."""
    bt = ctx.peek_ext(BufTable)
    if bt is None or bt.nodes is None or not 0 <= index < len(bt.nodes):
        return None
    return bt.nodes[index]


def import_fixed(buf: RegBuf, addr: object, length: int) -> memoryview | int:
    """``validate_fixed_range`` + ``io_import_fixed``: the ``length`` bytes at user
    address ``addr`` inside registered buffer ``buf``, as a view of its memory;
    -EFAULT when ``addr + length`` wraps, when the range is not all inside the
    buffer (an ``addr`` that is not the buffer's memory never is), or above
    MAX_RW_COUNT."""
    start = user_address(addr)
    if start is None or start + length > U64:
        return -EFAULT
    if start < buf.ubuf or start + length > buf.ubuf + buf.len or length > MAX_RW_COUNT:
        return -EFAULT
    off = start - buf.ubuf
    return buf.view[off : off + length]


def import_fixed_vec(buf: RegBuf, segs: list[tuple[object, int]]) -> list[memoryview] | int:
    """``io_import_reg_vec`` -> ``io_vec_fill_bvec``: each ``(addr, len)`` entry as a view of
    registered buffer ``buf`` (:func:`import_fixed`'s range check), -EFAULT for an entry outside it
    or an empty one."""
    views: list[memoryview] = []
    for addr, n in segs:
        view = import_fixed(buf, addr, n)
        if isinstance(view, int):
            return view
        if not n:
            return -EFAULT  # an empty entry
        views.append(view)
    return views


CLONE_FLAGS: Final = IORING_REGISTER_SRC_REGISTERED | IORING_REGISTER_DST_REPLACE


def register_clone_buffers(task: Task, ctx: RingCtx, arg: object, nr_args: int) -> int:
    """IORING_REGISTER_CLONE_BUFFERS (``__io_uring_register``'s case, then
    ``io_register_clone_buffers``): give this ring the registered buffers of another.

    ``arg`` is a :class:`~simuring.abi.io_uring.CloneBuffers`; in the kernel's
    order: a NULL ``arg`` or ``nr_args`` other than 1 -EINVAL; a struct that
    cannot be read -EFAULT; unknown flags -EINVAL; a table already registered
    here without IORING_REGISTER_DST_REPLACE -EBUSY; a non-zero ``pad``
    -EINVAL; then the source ring (``io_uring_register_get_file``): with
    IORING_REGISTER_SRC_REGISTERED ``src_fd`` is an index into the task's
    registered rings (-EINVAL past them, -EBADF for an empty slot), else an fd
    (-EBADF not open, -EOPNOTSUPP not a ring).  The source may be this ring
    itself.  The rest is :func:`clone_buffers`.  The two rings' locks
    (``io_lock_two_rings``) are not observable in the model, whose register
    calls run one at a time.
    """
    if arg is None or not isinstance(nr_args, int) or nr_args & U32 != 1:
        return -EINVAL
    if not isinstance(arg, CloneBuffers):
        return -EFAULT
    pad = arg.pad
    if not _int_fields(arg.src_fd, arg.flags, arg.src_off, arg.dst_off, arg.nr) or not isinstance(pad, (list, tuple)):
        return -EFAULT
    if len(pad) < 3 or not _int_fields(*pad[:3]):
        return -EFAULT
    flags = arg.flags & U32
    if flags & ~CLONE_FLAGS:
        return -EINVAL
    bt = ctx.ext(BufTable)
    if not flags & IORING_REGISTER_DST_REPLACE and bt.nodes is not None:
        return -EBUSY
    if any(v & U32 for v in pad[:3]):
        return -EINVAL
    src_fd = arg.src_fd & U32
    src = registered_ring_of(task, src_fd) if flags & IORING_REGISTER_SRC_REGISTERED else ring_of(task, src_fd)
    if isinstance(src, int):
        return src
    return clone_buffers(task, ctx, src, flags, arg.src_off & U32, arg.dst_off & U32, arg.nr & U32)


def clone_buffers(task: Task, ctx: RingCtx, src: RingCtx, flags: int, src_off: int, dst_off: int, nr: int) -> int:
    """``io_clone_buffers``: copy ``nr`` slots of ``src``'s buffer table from
    ``src_off`` into this ring's table at ``dst_off``.

    Checks, in order: offsets without ``nr`` -EINVAL; -EBUSY (as above); a
    source without a table -ENXIO; ``nr`` 0 means the whole source table,
    ``nr`` beyond it is -EINVAL; ``src_off + nr`` past the source table (or
    above INT_MAX) -EOVERFLOW; ``dst_off + nr`` wrapping a u32 -EOVERFLOW, above
    IORING_MAX_REG_BUFFERS -EINVAL.  Nothing changes on failure.

    The new table has max(dst_off + nr, old size) slots: the copied range
    holds a new node per source buffer (``io_rsrc_node_alloc``: no tag) over
    the same user memory (an empty source slot stays empty); with
    IORING_REGISTER_DST_REPLACE the old table's slots outside that range are
    kept (the same nodes, referenced once more), and the slots neither copied
    nor kept are empty.  Then the old table is put as an unregistration puts
    it (last slot first): only the nodes the copy displaced lose their last
    reference and post their tags.  The source keeps its
    table and its tags: a cloned buffer's tag CQE comes when the source drops
    its node, and the copy posts none.
    """
    bt = ctx.ext(BufTable)
    old = bt.nodes
    if not nr and (dst_off or src_off):
        return -EINVAL
    if old is not None and not flags & IORING_REGISTER_DST_REPLACE:
        return -EBUSY
    src_nodes = src.ext(BufTable).nodes
    if not src_nodes:
        return -ENXIO
    nbufs = len(src_nodes)
    if not nr:
        nr = nbufs
    elif nr > nbufs:
        return -EINVAL
    if nr + src_off > INT_MAX or nr + src_off > nbufs:
        return -EOVERFLOW
    size = nr + dst_off
    if size > U32:
        return -EOVERFLOW
    if size > IORING_MAX_REG_BUFFERS:
        return -EINVAL
    nodes: list[RegBuf | None] = [None] * max(size, len(old or ()))
    for i, node in enumerate(old or ()):
        if node is not None and not dst_off <= i < size:  # the old slots outside the copied range
            node.refs += 1
            nodes[i] = node
    for i in range(nr):
        s = src_nodes[src_off + i]
        nodes[dst_off + i] = None if s is None else RegBuf(ctx, s.view, s.ubuf)
    if old is not None:  # DST_REPLACE: io_rsrc_data_free of the old table
        bt.nodes = None
        for node in reversed(old):
            if node is not None:
                node.put(task)
    bt.nodes = nodes
    return 0
