"""The largest values of the C integer types the kernel's interfaces use
(``include/vdso/limits.h``: ``U16_MAX``, ``U32_MAX``, ``U64_MAX``, ``INT_MAX``),
as masks and bounds: one definition for every module that truncates a field
to its C width or checks a count against ``INT_MAX``."""

from __future__ import annotations

from typing import Final

U16: Final = 0xFFFF
"""``U16_MAX``: a ``__u16`` field's mask."""
U32: Final = 0xFFFF_FFFF
"""``U32_MAX``: a ``__u32`` field's mask."""
U64: Final = 0xFFFF_FFFF_FFFF_FFFF
"""``U64_MAX``: a ``__u64`` field's mask."""
INT_MAX: Final = 0x7FFF_FFFF
"""``INT_MAX``: the largest ``int``."""
