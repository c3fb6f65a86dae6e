"""Restrictions and personalities of a ring: ``io_uring_register(2)``'s
IORING_REGISTER_RESTRICTIONS, IORING_REGISTER_PERSONALITY and
IORING_UNREGISTER_PERSONALITY (io_uring/register.c: ``io_register_restrictions``,
``io_parse_restrictions``, ``io_register_personality``,
``io_unregister_personality``), and the checks they add to submission
(io_uring/io_uring.c: ``io_check_restriction``, ``io_init_req``) and to
``io_uring_register`` itself.

**Restrictions.**  A ring set up with IORING_SETUP_R_DISABLED may take one set
of restrictions before it is enabled: an array of
:class:`~simuring.abi.io_uring.Restriction` naming the register commands
(IORING_RESTRICTION_REGISTER_OP) and opcodes (IORING_RESTRICTION_SQE_OP)
allowed, and the SQE flags allowed and required
(IORING_RESTRICTION_SQE_FLAGS_ALLOWED / _REQUIRED; the last entry of a kind
wins).  In the kernel's order: a ring not disabled -EBADFD; a second set
-EBUSY; a NULL array, or more than ``IORING_MAX_RESTRICTIONS`` entries,
-EINVAL; an array that cannot be read -EFAULT; an unknown kind, or a command
or opcode past the last, -EINVAL, and the ring keeps no restriction.  0
otherwise; an empty set (0 entries) is a set too, which allows nothing.  When
IORING_REGISTER_ENABLE_RINGS enables the ring, the set applies, to opcodes
and register commands alike (Linux 6.18 has one ``ctx->restricted``): a
request whose opcode is not allowed, that lacks a required SQE flag or has
one neither allowed nor required, fails at submission with -EACCES (after the
flag and drain checks, before the ``ioprio`` one), and a register command not
allowed is -EACCES before its own checks.

**Personalities.**  IORING_REGISTER_PERSONALITY (no argument, ``nr_args`` 0:
else -EINVAL) keeps the caller's credentials (its process's uid and gid)
under a new id, the result: ids from 1 to 65535, handed out cyclically after
the last one given (``xa_alloc_cyclic``; -EBUSY when all are taken).
IORING_UNREGISTER_PERSONALITY takes the id in ``nr_args`` (an argument is
-EINVAL): 0, or -EINVAL for an id not registered.  A request naming a
personality (``sqe.personality``, a u16) that is not registered fails at
submission with -EINVAL.  The model checks no permission, so a request
under a personality runs as any other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from simuring.abi.errno import EBADFD, EBUSY, EFAULT, EINVAL
from simuring.abi.io_uring import (
    IORING_OP_LAST,
    IORING_REGISTER_LAST,
    IORING_RESTRICTION_LAST,
    IORING_RESTRICTION_REGISTER_OP,
    IORING_RESTRICTION_SQE_FLAGS_ALLOWED,
    IORING_RESTRICTION_SQE_FLAGS_REQUIRED,
    IORING_RESTRICTION_SQE_OP,
    IORING_SETUP_R_DISABLED,
    Restriction,
)

if TYPE_CHECKING:
    from simuring.host.task import Task
    from simuring.kernel.ctx import RingCtx

IORING_MAX_RESTRICTIONS: Final = IORING_RESTRICTION_LAST + IORING_REGISTER_LAST + IORING_OP_LAST
"""The most entries one IORING_REGISTER_RESTRICTIONS may pass."""
PERSONALITY_MAX: Final = 0xFFFF
"""The last personality id (``USHRT_MAX``; ids start at 1)."""


class Restrictions:
    """``struct io_restriction``: what a restricted ring allows."""

    __slots__ = ("register_ops", "sqe_ops", "flags_allowed", "flags_required")

    def __init__(self) -> None:
        self.register_ops: set[int] = set()
        self.sqe_ops: set[int] = set()
        self.flags_allowed = 0
        self.flags_required = 0

    def allows_sqe(self, opcode: int, sqe_flags: int) -> bool:
        """``io_check_restriction``: the opcode is allowed, every required flag is set,
        and no flag is set that is neither allowed nor required."""
        required = self.flags_required
        return (
            opcode in self.sqe_ops
            and sqe_flags & required == required
            and not sqe_flags & ~(self.flags_allowed | required)
        )


def _parse(entries: list[Restriction]) -> Restrictions | int:
    """``io_parse_restrictions``: the set, or -EINVAL for a bad entry."""
    res = Restrictions()
    for entry in entries:
        kind = entry.opcode & 0xFFFF
        value = entry.arg & 0xFF
        if kind == IORING_RESTRICTION_REGISTER_OP:
            if value >= IORING_REGISTER_LAST:
                return -EINVAL
            res.register_ops.add(value)
        elif kind == IORING_RESTRICTION_SQE_OP:
            if value >= IORING_OP_LAST:
                return -EINVAL
            res.sqe_ops.add(value)
        elif kind == IORING_RESTRICTION_SQE_FLAGS_ALLOWED:
            res.flags_allowed = value
        elif kind == IORING_RESTRICTION_SQE_FLAGS_REQUIRED:
            res.flags_required = value
        else:
            return -EINVAL
    return res


def register_restrictions(task: Task, ctx: RingCtx, arg: object, nr_args: int) -> int:
    """IORING_REGISTER_RESTRICTIONS (``io_register_restrictions``): ``arg`` a list of
    :class:`~simuring.abi.io_uring.Restriction`, ``nr_args`` how many to read."""
    if not (ctx.flags & IORING_SETUP_R_DISABLED and ctx.disabled):
        return -EBADFD
    if ctx.restrictions is not None:
        return -EBUSY
    nr = nr_args & 0xFFFF_FFFF
    if arg is None or nr > IORING_MAX_RESTRICTIONS:
        return -EINVAL
    if not isinstance(arg, list) or len(arg) < nr:
        return -EFAULT  # memdup_user: the array cannot be read
    entries = arg[:nr]
    for entry in entries:
        if not (
            isinstance(entry, Restriction) and isinstance(entry.opcode, int) and isinstance(entry.arg, int)
        ):
            return -EFAULT
    res = _parse(entries)
    if isinstance(res, int):
        return res
    ctx.restrictions = res
    return 0


def register_personality(task: Task, ctx: RingCtx, arg: object, nr_args: int) -> int:
    """IORING_REGISTER_PERSONALITY (``io_register_personality``): the new id, or -errno."""
    if arg is not None or nr_args:
        return -EINVAL
    ids = ctx.personalities
    pid = ctx.pers_next
    for _ in range(PERSONALITY_MAX):
        if pid > PERSONALITY_MAX or pid < 1:
            pid = 1
        if pid not in ids:
            ids[pid] = (task.process.uid, task.process.gid)
            ctx.pers_next = pid + 1
            return pid
        pid += 1
    return -EBUSY


def unregister_personality(task: Task, ctx: RingCtx, arg: object, nr_args: int) -> int:
    """IORING_UNREGISTER_PERSONALITY (``io_unregister_personality``): the id is ``nr_args``."""
    if arg is not None:
        return -EINVAL
    if ctx.personalities.pop(nr_args & 0xFFFF_FFFF, None) is None:
        return -EINVAL
    return 0
