"""A third-party opcode plug-in used by the tests: IORING_OP 201 "TOY_DOUBLE".

It doubles ``sqe.len`` and refuses ``sqe.off != 0`` with -EINVAL, which lets a
test check that a plug-in's prep error becomes an -EINVAL CQE.
"""

from simuring.abi.errno import EINVAL
from simuring.kernel.opdef import OpDef

TOY_OPCODE = 201


def _prep(req, sqe):
    if sqe.off:
        return -EINVAL
    req.op = sqe.len
    return 0


def _issue(req, issue_flags):
    req.worker.charge(100)
    return req.op * 2


def register(registry):
    registry.add_opcode(OpDef(TOY_OPCODE, issue=_issue, prep=_prep, name="TOY_DOUBLE"))
