"""Small helpers shared by the tests."""

from __future__ import annotations

import struct
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) of a PNG file, read from its IHDR chunk; fails if the file is not a PNG."""
    data = Path(path).read_bytes()[:24]
    assert data[:8] == PNG_SIGNATURE, f"{path} is not a PNG file"
    length, chunk = struct.unpack(">I4s", data[8:16])
    assert chunk == b"IHDR" and length == 13, f"{path} has no IHDR chunk first"
    return struct.unpack(">II", data[16:24])
