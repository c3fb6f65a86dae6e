"""Linux errno numbers, as the simulated kernel returns them.

The values are those of the generic Linux ABI (``include/uapi/asm-generic/
errno-base.h`` and ``errno.h``), which x86-64 and arm64 use.  They are written
out here rather than taken from Python's :mod:`errno`, whose values follow the
host system (macOS numbers many of them differently).

A kernel entry in simuring reports failure the way the kernel does: as a
negative errno in the result (``-EINVAL``), never as an exception.
:func:`errname` turns such a result into readable text for traces and reprs.

A few kernel-internal codes (``ERESTARTSYS``, ``EIOCBQUEUED``, ...) from
``include/linux/errno.h`` are included as well.  A real process never sees
them, but a simulated kernel path may use them internally, and naming them in
traces helps.
"""

from __future__ import annotations

from typing import Final

# --- asm-generic/errno-base.h -------------------------------------------------
EPERM: Final = 1
ENOENT: Final = 2
ESRCH: Final = 3
EINTR: Final = 4
EIO: Final = 5
ENXIO: Final = 6
E2BIG: Final = 7
ENOEXEC: Final = 8
EBADF: Final = 9
ECHILD: Final = 10
EAGAIN: Final = 11
ENOMEM: Final = 12
EACCES: Final = 13
EFAULT: Final = 14
ENOTBLK: Final = 15
EBUSY: Final = 16
EEXIST: Final = 17
EXDEV: Final = 18
ENODEV: Final = 19
ENOTDIR: Final = 20
EISDIR: Final = 21
EINVAL: Final = 22
ENFILE: Final = 23
EMFILE: Final = 24
ENOTTY: Final = 25
ETXTBSY: Final = 26
EFBIG: Final = 27
ENOSPC: Final = 28
ESPIPE: Final = 29
EROFS: Final = 30
EMLINK: Final = 31
EPIPE: Final = 32
EDOM: Final = 33
ERANGE: Final = 34

# --- asm-generic/errno.h ------------------------------------------------------
EDEADLK: Final = 35
ENAMETOOLONG: Final = 36
ENOLCK: Final = 37
ENOSYS: Final = 38
ENOTEMPTY: Final = 39
ELOOP: Final = 40
# 41 is unused (it is where EWOULDBLOCK would have gone; it aliases EAGAIN).
ENOMSG: Final = 42
EIDRM: Final = 43
ECHRNG: Final = 44
EL2NSYNC: Final = 45
EL3HLT: Final = 46
EL3RST: Final = 47
ELNRNG: Final = 48
EUNATCH: Final = 49
ENOCSI: Final = 50
EL2HLT: Final = 51
EBADE: Final = 52
EBADR: Final = 53
EXFULL: Final = 54
ENOANO: Final = 55
EBADRQC: Final = 56
EBADSLT: Final = 57
# 58 is unused on the generic ABI (EDEADLOCK aliases EDEADLK).
EBFONT: Final = 59
ENOSTR: Final = 60
ENODATA: Final = 61
ETIME: Final = 62
ENOSR: Final = 63
ENONET: Final = 64
ENOPKG: Final = 65
EREMOTE: Final = 66
ENOLINK: Final = 67
EADV: Final = 68
ESRMNT: Final = 69
ECOMM: Final = 70
EPROTO: Final = 71
EMULTIHOP: Final = 72
EDOTDOT: Final = 73
EBADMSG: Final = 74
EOVERFLOW: Final = 75
ENOTUNIQ: Final = 76
EBADFD: Final = 77
EREMCHG: Final = 78
ELIBACC: Final = 79
ELIBBAD: Final = 80
ELIBSCN: Final = 81
ELIBMAX: Final = 82
ELIBEXEC: Final = 83
EILSEQ: Final = 84
ERESTART: Final = 85
ESTRPIPE: Final = 86
EUSERS: Final = 87
ENOTSOCK: Final = 88
EDESTADDRREQ: Final = 89
EMSGSIZE: Final = 90
EPROTOTYPE: Final = 91
ENOPROTOOPT: Final = 92
EPROTONOSUPPORT: Final = 93
ESOCKTNOSUPPORT: Final = 94
EOPNOTSUPP: Final = 95
EPFNOSUPPORT: Final = 96
EAFNOSUPPORT: Final = 97
EADDRINUSE: Final = 98
EADDRNOTAVAIL: Final = 99
ENETDOWN: Final = 100
ENETUNREACH: Final = 101
ENETRESET: Final = 102
ECONNABORTED: Final = 103
ECONNRESET: Final = 104
ENOBUFS: Final = 105
EISCONN: Final = 106
ENOTCONN: Final = 107
ESHUTDOWN: Final = 108
ETOOMANYREFS: Final = 109
ETIMEDOUT: Final = 110
ECONNREFUSED: Final = 111
EHOSTDOWN: Final = 112
EHOSTUNREACH: Final = 113
EALREADY: Final = 114
EINPROGRESS: Final = 115
ESTALE: Final = 116
EUCLEAN: Final = 117
ENOTNAM: Final = 118
ENAVAIL: Final = 119
EISNAM: Final = 120
EREMOTEIO: Final = 121
EDQUOT: Final = 122
ENOMEDIUM: Final = 123
EMEDIUMTYPE: Final = 124
ECANCELED: Final = 125
ENOKEY: Final = 126
EKEYEXPIRED: Final = 127
EKEYREVOKED: Final = 128
EKEYREJECTED: Final = 129
EOWNERDEAD: Final = 130
ENOTRECOVERABLE: Final = 131
ERFKILL: Final = 132
EHWPOISON: Final = 133

# --- include/linux/errno.h: kernel-internal, never returned to user space ------
ERESTARTSYS: Final = 512
ERESTARTNOINTR: Final = 513
ERESTARTNOHAND: Final = 514
ENOIOCTLCMD: Final = 515
ERESTART_RESTARTBLOCK: Final = 516
ENOTSUPP: Final = 524
EIOCBQUEUED: Final = 529

# --- aliases (defined after their primary names, so errorcode keeps those) -----
EWOULDBLOCK: Final = EAGAIN
EDEADLOCK: Final = EDEADLK
ENOTSUP: Final = EOPNOTSUPP  # the C library's name for the same number

_ALIASES = frozenset({"EWOULDBLOCK", "EDEADLOCK", "ENOTSUP"})

errorcode: dict[int, str] = {
    _value: _name
    for _name, _value in list(globals().items())
    if _name.startswith("E") and isinstance(_value, int) and _name not in _ALIASES
}
"""Errno number -> its primary (canonical) name, e.g. ``11 -> "EAGAIN"``."""


def errname(res: int) -> str:
    """Render a kernel-style result: ``-22`` -> ``"-EINVAL"``, ``5`` -> ``"5"``.

    Non-negative results (counts, lengths, descriptors) are returned as plain
    numbers.  An unknown negative result gives ``"-E<number>"``.
    """
    if res >= 0:
        return str(res)
    name = errorcode.get(-res)
    if name is None:
        return f"-E{-res}"
    return "-" + name


# Literal list (not computed) so that static checkers can read it.
__all__ = [
    "EPERM",
    "ENOENT",
    "ESRCH",
    "EINTR",
    "EIO",
    "ENXIO",
    "E2BIG",
    "ENOEXEC",
    "EBADF",
    "ECHILD",
    "EAGAIN",
    "ENOMEM",
    "EACCES",
    "EFAULT",
    "ENOTBLK",
    "EBUSY",
    "EEXIST",
    "EXDEV",
    "ENODEV",
    "ENOTDIR",
    "EISDIR",
    "EINVAL",
    "ENFILE",
    "EMFILE",
    "ENOTTY",
    "ETXTBSY",
    "EFBIG",
    "ENOSPC",
    "ESPIPE",
    "EROFS",
    "EMLINK",
    "EPIPE",
    "EDOM",
    "ERANGE",
    "EDEADLK",
    "ENAMETOOLONG",
    "ENOLCK",
    "ENOSYS",
    "ENOTEMPTY",
    "ELOOP",
    "ENOMSG",
    "EIDRM",
    "ECHRNG",
    "EL2NSYNC",
    "EL3HLT",
    "EL3RST",
    "ELNRNG",
    "EUNATCH",
    "ENOCSI",
    "EL2HLT",
    "EBADE",
    "EBADR",
    "EXFULL",
    "ENOANO",
    "EBADRQC",
    "EBADSLT",
    "EBFONT",
    "ENOSTR",
    "ENODATA",
    "ETIME",
    "ENOSR",
    "ENONET",
    "ENOPKG",
    "EREMOTE",
    "ENOLINK",
    "EADV",
    "ESRMNT",
    "ECOMM",
    "EPROTO",
    "EMULTIHOP",
    "EDOTDOT",
    "EBADMSG",
    "EOVERFLOW",
    "ENOTUNIQ",
    "EBADFD",
    "EREMCHG",
    "ELIBACC",
    "ELIBBAD",
    "ELIBSCN",
    "ELIBMAX",
    "ELIBEXEC",
    "EILSEQ",
    "ERESTART",
    "ESTRPIPE",
    "EUSERS",
    "ENOTSOCK",
    "EDESTADDRREQ",
    "EMSGSIZE",
    "EPROTOTYPE",
    "ENOPROTOOPT",
    "EPROTONOSUPPORT",
    "ESOCKTNOSUPPORT",
    "EOPNOTSUPP",
    "EPFNOSUPPORT",
    "EAFNOSUPPORT",
    "EADDRINUSE",
    "EADDRNOTAVAIL",
    "ENETDOWN",
    "ENETUNREACH",
    "ENETRESET",
    "ECONNABORTED",
    "ECONNRESET",
    "ENOBUFS",
    "EISCONN",
    "ENOTCONN",
    "ESHUTDOWN",
    "ETOOMANYREFS",
    "ETIMEDOUT",
    "ECONNREFUSED",
    "EHOSTDOWN",
    "EHOSTUNREACH",
    "EALREADY",
    "EINPROGRESS",
    "ESTALE",
    "EUCLEAN",
    "ENOTNAM",
    "ENAVAIL",
    "EISNAM",
    "EREMOTEIO",
    "EDQUOT",
    "ENOMEDIUM",
    "EMEDIUMTYPE",
    "ECANCELED",
    "ENOKEY",
    "EKEYEXPIRED",
    "EKEYREVOKED",
    "EKEYREJECTED",
    "EOWNERDEAD",
    "ENOTRECOVERABLE",
    "ERFKILL",
    "EHWPOISON",
    "ERESTARTSYS",
    "ERESTARTNOINTR",
    "ERESTARTNOHAND",
    "ENOIOCTLCMD",
    "ERESTART_RESTARTBLOCK",
    "ENOTSUPP",
    "EIOCBQUEUED",
    "EWOULDBLOCK",
    "EDEADLOCK",
    "ENOTSUP",
    "errorcode",
    "errname",
]
