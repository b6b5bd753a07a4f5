"""Renames in one step: two folders exchanged, or a folder renamed only if the name is free.

Linux has ``renameat2`` (RENAME_EXCHANGE, RENAME_NOREPLACE) and macOS ``renamex_np`` (RENAME_SWAP,
RENAME_EXCL); Python has neither, so they are called through ctypes. Where the system or the file
system has no such rename, :func:`rename` returns False and the caller falls back on plain renames.
"""

from __future__ import annotations

import ctypes
import errno
import os
import sys
from pathlib import Path
from typing import Callable

EXCHANGE, NOREPLACE = "exchange", "noreplace"
_AT_FDCWD = -100
_FLAGS = {"linux": {EXCHANGE: 2, NOREPLACE: 1}, "darwin": {EXCHANGE: 2, NOREPLACE: 4}}
#: What "not here" looks like: no such call, or a file system that does not take the flag.
_UNSUPPORTED = {errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP}


def _native() -> Callable[[bytes, bytes, int], int] | None:
    """The C library's one-step rename as ``f(source, target, flags) -> 0 or -1`` (errno set), else None."""
    system = "linux" if sys.platform.startswith("linux") else sys.platform
    if system not in _FLAGS:
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if system == "linux":
            call = libc.renameat2
            return lambda source, target, flags: call(_AT_FDCWD, source, _AT_FDCWD, target, ctypes.c_uint(flags))
        call = libc.renamex_np
        return lambda source, target, flags: call(source, target, ctypes.c_uint(flags))
    except (AttributeError, OSError):  # a C library without it (glibc before 2.28, musl, ...)
        return None


#: The one-step rename of this system, or None (the tests set it to None to take the fallback).
NATIVE = _native()


def rename(source: Path, target: Path, how: str) -> bool:
    """Rename ``source`` to ``target`` in one step: ``EXCHANGE`` swaps two existing names, ``NOREPLACE``
    fails (FileExistsError) if ``target`` exists. False if this system or file system cannot."""
    if NATIVE is None:
        return False
    flags = _FLAGS["linux" if sys.platform.startswith("linux") else sys.platform][how]
    if NATIVE(os.fsencode(source), os.fsencode(target), flags) == 0:
        return True
    code = ctypes.get_errno()
    if code in _UNSUPPORTED:
        return False
    raise OSError(code, os.strerror(code), str(source), None, str(target))
