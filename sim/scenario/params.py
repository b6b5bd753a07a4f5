"""Parameter tables (``--params FILE.csv``, a ``[posterior]`` file): one column per key, one row per parameter set."""

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
    """A malformed parameter table: ``FILE:LINE: message``; ``file``, ``line`` (None: the whole file), ``key`` (the
    column, if one) and ``detail`` (the message alone) say where and what."""

    def __init__(self, file: str, line: int | None, detail: str, key: str | None = None):
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {clip(key, 60) + ': ' if key else ''}{detail}")
        self.file, self.line, self.key, self.detail = file, line, key, detail


def read_params(path: str | Path) -> dict[str, np.ndarray]:
    """The columns of a CSV parameter table (a header of keys, then rows of finite numbers; ``#`` lines and blank
    lines skipped; a ``replication`` column, as draws.csv has, is left out). ParamsError if malformed."""
    columns, _, _ = read_table(path)
    return {key: values for key, values in columns.items() if key != "replication"}


def read_table(path: str | Path) -> tuple[dict[str, np.ndarray], np.ndarray, str]:
    """(columns, the line of each row, the file's text) of a CSV table of finite numbers; ParamsError if malformed."""
    name = str(path)
    try:
        text = read_text_file(path, MAX_PARAMS_BYTES)
    except InputFileError as error:
        raise ParamsError(name, None, str(error)) from None
    columns, lines, _ = table_of_text(text, name)
    return columns, lines, text


def table_of_text(text: str, name: str) -> tuple[dict[str, np.ndarray], np.ndarray, int]:
    """(columns, the line of each row, the header's line) of the CSV ``text`` of the file ``name``; ParamsError if
    malformed."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    rows: list[list[float]] = []
    lines: list[int] = []
    try:
        for fields in reader:
            if not fields or all(not f.strip() for f in fields) or fields[0].lstrip().startswith("#"):
                continue
            fields = [f.strip() for f in fields]
            line = reader.line_num
            if header is None:
                header, header_line = fields, line
                empty = [k + 1 for k, key in enumerate(header) if not key]
                if empty:
                    raise ParamsError(name, line, f"column {empty[0]} of the header has no key")
                if len(set(header)) != len(header):
                    twice = next(key for key in header if header.count(key) > 1)
                    raise ParamsError(name, line, f"column {clip(repr(twice), 60)} is named twice")
                continue
            if len(fields) != len(header):
                raise ParamsError(name, line, f"{len(fields)} fields, but the header has {len(header)}")
            if len(rows) == MAX_REPLICATIONS:
                raise ParamsError(name, line, f"more than {MAX_REPLICATIONS:,} rows; at most one per replication")
            rows.append([_number(name, line, key, value) for key, value in zip(header, fields)])
            lines.append(line)
    except csv.Error as error:
        raise ParamsError(name, reader.line_num, f"not CSV the reader can take: {error}") from None
    if header is None or not rows:
        raise ParamsError(name, None, f"no {'header' if header is None else 'rows'}; the first line names the keys "
                                      f"(e.g. contingent.Kenya.fulfilment), each further line gives their values")
    values = np.array(rows, dtype=float)
    return {key: values[:, k].copy() for k, key in enumerate(header)}, np.array(lines, dtype=np.int64), header_line


def _number(name: str, line: int, key: str, text: str) -> float:
    """A field as a finite float, else ParamsError naming the file, line and column."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ParamsError(name, line, f"not a finite number: {clip(repr(text), 60)}", key)
    return value
