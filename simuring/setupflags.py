"""Parsing IORING_SETUP_* flag names given as text (workload parameters, CLI).

``"SINGLE_ISSUER|DEFER_TASKRUN"``, ``"single_issuer,defer_taskrun"``,
``"IORING_SETUP_SQPOLL"``, ``"0"`` or ``""`` (no flags) are accepted; an
unknown name raises ``ValueError`` listing the known ones.
"""

from __future__ import annotations

import re

from simuring import uapi

PREFIX = "IORING_SETUP_"
NAMES = {name[len(PREFIX):]: value for name, value in vars(uapi).items() if name.startswith(PREFIX) and isinstance(value, int) and name != "IORING_SETUP_FLAGS_ALL"}


def parse_setup_flags(text: str | int) -> int:
    if isinstance(text, int):
        return text
    flags = 0
    for part in re.split(r"[|,+\s]+", text.strip()):
        if not part or part == "0":
            continue
        name = part.upper()
        if name.startswith(PREFIX):
            name = name[len(PREFIX):]
        if name not in NAMES:
            raise ValueError(f"unknown io_uring setup flag {part!r} (known: {', '.join(sorted(NAMES))})")
        flags |= NAMES[name]
    return flags


def format_setup_flags(flags: int) -> str:
    names = [name for name, value in sorted(NAMES.items(), key=lambda kv: kv[1]) if value and flags & value == value]
    return "|".join(names) or "0"
