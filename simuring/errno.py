"""Linux errno numbers (not the host's): the public import for workloads.

The definitions live in :mod:`simuring.abi.errno`; this module re-exports them.
"""
from __future__ import annotations

from simuring.abi import errno as _errno
from simuring.abi.errno import *  # noqa: F403 - re-exported

__all__: list[str] = []
__all__ += _errno.__all__
