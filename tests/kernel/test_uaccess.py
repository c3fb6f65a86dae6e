"""User-memory checks (kernel/uaccess.py): what access_ok / import_ubuf decide for a Python buffer."""

from __future__ import annotations

import array

import pytest

from simuring.abi.errno import EFAULT
from simuring.kernel.uaccess import user_bytes


def test_flat_buffers_are_seen_as_their_bytes() -> None:
    words = array.array("I", [1, 2])
    view = user_bytes(memoryview(words), 8, kernel_writes=True)
    assert isinstance(view, memoryview) and view.nbytes == 8 and view.format == "B"
    assert user_bytes(b"abcd", 2, kernel_writes=False) == memoryview(b"ab")


@pytest.mark.parametrize("kernel_writes", [False, True])
def test_a_strided_view_is_efault_whatever_the_direction(kernel_writes: bool) -> None:
    """A non-contiguous view is no flat range of memory: -EFAULT for any non-zero length (it used
    to pass the checks and make the pipe's copy raise TypeError)."""
    strided = memoryview(bytearray(8192))[::2]
    assert user_bytes(strided, 1, kernel_writes) == -EFAULT
    assert user_bytes(strided, 4096, kernel_writes) == -EFAULT
    assert user_bytes(memoryview(array.array("H", range(8)))[::2], 2, kernel_writes) == -EFAULT
    assert isinstance(user_bytes(strided, 0, kernel_writes), memoryview)  # zero length never faults
