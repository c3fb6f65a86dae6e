"""The fixed-file table (io_uring/rsrc.c, io_uring/filetable.c): registration
with tags and sparse slots, updates, the allocation range.

``ctx.fixed_files`` holds a :class:`~simuring.kernel.files.File` or None per
slot, and ``ctx.fixed_file_tags`` the slot's tag (0: none).  A slot's file
is referenced while it is in the table.  When a tagged slot is emptied or
replaced (an update, or the table's unregistration), a CQE with the tag as
``user_data``, res 0 and flags 0 is posted (``io_free_rsrc_node`` ->
``io_post_aux_cqe``).  The kernel posts it once the slot's resource node is
no longer used by any request; the model posts it at once (a request in
flight keeps its own reference on the file, not on the slot).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from simuring.abi.errno import EBADF, EBUSY, EFAULT, EINVAL, EMFILE, ENFILE, ENXIO, EOVERFLOW
from simuring.abi.io_uring import (
    IORING_REGISTER_FILES_SKIP,
    IORING_RSRC_REGISTER_SPARSE,
    RSRC_REGISTER_SIZE,
    RSRC_UPDATE2_SIZE,
    FileIndexRange,
    RsrcRegister,
    RsrcUpdate,
    RsrcUpdate2,
)
from simuring.kernel.files import files_of
from simuring.kernel.rings import U32
from simuring.kernel.setup import RingFile

if TYPE_CHECKING:
    from simuring.host.task import Task
    from simuring.kernel.ctx import RingCtx
    from simuring.kernel.files import File

IORING_MAX_FIXED_FILES: Final = 1 << 20
U64: Final = 0xFFFF_FFFF_FFFF_FFFF


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
    table: list[File | None] = []
    tag_list: list[int] = []
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
            tag_list.append(0)
            continue
        file = files_of(task.process).get(fd)
        if file is None or isinstance(file, RingFile):
            err = -EBADF
            break
        table.append(file.get())
        tag_list.append(tag)
    if err:
        for file in table:
            if file is not None:
                file.put(task)
        return err
    ctx.fixed_files = table
    ctx.fixed_file_tags = tag_list
    ctx.file_alloc_range = (0, nr_args)
    ctx.file_alloc_hint = 0
    return 0


def _reset_slot(task: Task, ctx: RingCtx, i: int) -> None:
    """``io_reset_rsrc_node`` + ``io_file_bitmap_clear``: empty slot ``i``: put its
    file, post its tag's CQE; the next slot allocation starts at ``i``."""
    table = ctx.fixed_files
    assert table is not None
    file = table[i]
    if file is None:
        return
    table[i] = None
    ctx.file_alloc_hint = i
    tag = ctx.fixed_file_tags[i]
    ctx.fixed_file_tags[i] = 0
    file.put(task)
    if tag:
        ctx.post_cqe(task, tag, 0, 0)


def files_unregister(task: Task, ctx: RingCtx) -> int:
    """``io_sqe_files_unregister``: -ENXIO without a table; each slot's file is put and
    each tagged slot posts its CQE, from the last slot to the first (``io_rsrc_data_free``)."""
    table = ctx.fixed_files
    if table is None:
        return -ENXIO
    for i in range(len(table) - 1, -1, -1):
        _reset_slot(task, ctx, i)
    ctx.fixed_files = None
    ctx.fixed_file_tags = []
    ctx.file_alloc_range = (0, 0)
    ctx.file_alloc_hint = 0
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
    if offset + nr_args > U32:
        return -EOVERFLOW
    table = ctx.fixed_files
    if table is None:
        return -ENXIO
    if offset + nr_args > len(table):
        return -EINVAL
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
            table[i] = file.get()
            ctx.fixed_file_tags[i] = tag
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
    if not isinstance(arg, RsrcUpdate):
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
    if nr_args & U32 != RSRC_REGISTER_SIZE:
        return -EINVAL
    if not isinstance(arg, RsrcRegister):
        return -EFAULT
    if not arg.nr or arg.resv2:
        return -EINVAL
    if arg.flags & ~IORING_RSRC_REGISTER_SPARSE:
        return -EINVAL
    if arg.flags & IORING_RSRC_REGISTER_SPARSE and arg.data is not None:
        return -EINVAL
    return files_register(task, ctx, arg.data, arg.nr, arg.tags)


def register_files_update2(task: Task, ctx: RingCtx, arg: object, nr_args: int) -> int:
    """IORING_REGISTER_FILES_UPDATE2 (``io_register_rsrc_update``): ``arg`` is a
    :class:`RsrcUpdate2` and ``nr_args`` its size (32; else -EINVAL).  -EFAULT for
    no struct; -EINVAL for ``nr`` 0 or a non-zero ``resv`` / ``resv2``; then
    :func:`files_update` with the tags."""
    if nr_args & U32 != RSRC_UPDATE2_SIZE:
        return -EINVAL
    if not isinstance(arg, RsrcUpdate2):
        return -EFAULT
    if not arg.nr or arg.resv or arg.resv2:
        return -EINVAL
    return files_update(task, ctx, arg.offset, arg.data, arg.tags, arg.nr & U32)


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
    ``ctx.file_alloc_hint`` on, then from the range's start; -ENFILE if none."""
    table = ctx.fixed_files
    start, end = ctx.file_alloc_range
    if table is None:
        return -ENFILE
    hint = ctx.file_alloc_hint
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
    table[slot] = file
    ctx.fixed_file_tags[slot] = 0
    return 0


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
