"""Parameter tables (``--params FILE.csv``): one column per key, one row per parameter set."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..text import InputFileError, clip, read_text_file
from .limits import MAX_PARAMS_BYTES, MAX_REPLICATIONS


class ParamsError(InputError):
    """A malformed parameter table: ``FILE:LINE: message``."""


def read_params(path: str | Path) -> dict[str, np.ndarray]:
    """The columns of a CSV parameter table (a header of keys, then rows of finite numbers; ``#`` lines and blank
    lines skipped; a ``replication`` column, as draws.csv has, is left out). ParamsError if malformed."""
    name = str(path)
    try:
        text = read_text_file(path, MAX_PARAMS_BYTES)
    except InputFileError as error:
        raise ParamsError(f"{name}: {error}") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    rows: list[list[float]] = []
    try:
        for fields in reader:
            if not fields or all(not f.strip() for f in fields) or fields[0].lstrip().startswith("#"):
                continue
            fields = [f.strip() for f in fields]
            line = reader.line_num
            if header is None:
                header = fields
                empty = [k + 1 for k, key in enumerate(header) if not key]
                if empty:
                    raise ParamsError(f"{name}:{line}: column {empty[0]} of the header has no key")
                if len(set(header)) != len(header):
                    twice = next(key for key in header if header.count(key) > 1)
                    raise ParamsError(f"{name}:{line}: column {clip(repr(twice), 60)} is named twice")
                continue
            if len(fields) != len(header):
                raise ParamsError(f"{name}:{line}: {len(fields)} fields, but the header has {len(header)}")
            if len(rows) == MAX_REPLICATIONS:
                raise ParamsError(f"{name}:{line}: more than {MAX_REPLICATIONS:,} rows; at most one per replication")
            rows.append([_number(name, line, key, value) for key, value in zip(header, fields)])
    except csv.Error as error:
        raise ParamsError(f"{name}:{reader.line_num}: not CSV the reader can take: {error}") from None
    if header is None or not rows:
        raise ParamsError(f"{name}: no {'header' if header is None else 'rows'}; the first line names the keys "
                          f"(e.g. contingent.Kenya.fulfilment), each further line gives their values")
    values = np.array(rows, dtype=float)
    return {key: values[:, k].copy() for k, key in enumerate(header) if key != "replication"}


def _number(name: str, line: int, key: str, text: str) -> float:
    """A field as a finite float, else ParamsError naming the file, line and column."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ParamsError(f"{name}:{line}: {clip(key, 60)}: not a finite number: {clip(repr(text), 60)}")
    return value
