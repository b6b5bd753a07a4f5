"""Numbers and words as people read them: money, percentages, clipped text, tables, CSV, "did you mean".

One helper for each recurring need, used by every layer above: a value as written on the
command line (:func:`value_text`), a whole number (:func:`count_text`), a money figure
(:func:`money_text`), a percentage (:func:`percent_text`), a count of things (:func:`plural`), a
swept value (:func:`key_value_text`), a fixed-width table (:func:`table`), CSV (:func:`csv_text`),
the nearest valid name for a typo (:func:`did_you_mean`), a user's value in a message
(:func:`quoted`, :func:`printable`) and the text of an input file, read within bounds
(:func:`read_text_file`). Every figure people read is rounded half up (:func:`half_up`), as the
model rounds: 1,266.5 reads 1,267 and 1,766.5 reads 1,767.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import json
import math
import os
import stat
import tomllib
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Iterable, Mapping, Sequence

from .errors import SimError

#: The largest input file read: a scenario, a fact base, sources.toml, observations (the shipped ones are
#: under 40 KB). Bigger files, and anything but a regular file, are refused before they are read.
MAX_FILE_BYTES = 1_000_000


class InputFileError(SimError):
    """An input file that cannot be read as text; ``kind`` says why (the message does not name the file)."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


def read_text_file(path: Any, limit: int = MAX_FILE_BYTES) -> str:
    """The UTF-8 text of the regular file ``path`` (a byte-order mark dropped), at most ``limit`` bytes.

    Raises :class:`InputFileError` for a missing file, a folder, a device, pipe or socket (never
    opened for reading, so a FIFO cannot hang and ``/dev/zero`` cannot fill memory), a file over
    ``limit`` bytes, and bytes that are not UTF-8 text or hold NUL characters.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise InputFileError("missing", "no such file") from None
    except IsADirectoryError:
        raise InputFileError("folder", "is a folder") from None
    except OSError as error:
        raise InputFileError("unreadable", f"cannot read: {error.strerror}") from None
    mode = os.fstat(descriptor).st_mode
    if not stat.S_ISREG(mode):
        os.close(descriptor)
        if stat.S_ISDIR(mode):
            raise InputFileError("folder", "is a folder")
        raise InputFileError("special", "not a regular file (a device, a pipe or a socket); give a file")
    with os.fdopen(descriptor, "rb") as handle:
        try:
            raw = handle.read(limit + 1)
        except OSError as error:
            raise InputFileError("unreadable", f"cannot read: {error.strerror}") from None
    if len(raw) > limit:
        raise InputFileError("large", f"larger than {limit:,} bytes, the most an input file may hold")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputFileError("binary", "not a text file (not UTF-8)") from None
    if "\x00" in text:
        raise InputFileError("binary", "not a text file (contains NUL bytes)")
    return text


def did_you_mean(word: Any, options: Iterable[Any], n: int = 1) -> str:
    """``" (did you mean 'x'?)"`` for the nearest of ``options`` (up to ``n`` of them), or ``""``."""
    options = [str(o) for o in options]
    word = str(word)
    close = difflib.get_close_matches(word, options, n=n, cutoff=0.6)
    if not close:
        close = [o for o in options if len(word) >= 3 and (o.startswith(word) or word.startswith(o))][:n]
    if not close:
        return ""
    names = [repr(c) for c in close]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
    return f" (did you mean {listed}?)"


def clip(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, the last one an ellipsis when it was cut."""
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def quoted(value: Any, width: int = 80) -> str:
    """``repr(value)`` for a message, cut to ``width`` characters (a value may be a megabyte long)."""
    return clip(repr(value), width)


def printable(text: str) -> str:
    """``text`` with every character that is not printable (newlines, controls, bidi marks) escaped: one clean line."""
    return text if text.isprintable() else "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def shorten(text: str, width: int) -> str:
    """``text`` on one line (runs of white space made one space), clipped to ``width``."""
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def half_up(value: float | Decimal, decimals: int = 0) -> Decimal:
    """``value`` rounded half up (away from zero) to ``decimals``, as it reads: 1266.5 -> 1267, 0.145 -> 0.15.

    The number is taken as Python writes it (its shortest repr), so a value that prints as an exact
    half is rounded up whatever its binary approximation.
    """
    exact = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    return exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def count_text(value: float | None, decimals: int = 0) -> str:
    """A number with thousands separators, rounded half up: ``1,267``; ``-`` for no value; never ``-0``."""
    if value is None:
        return "-"
    rounded = half_up(value, decimals)
    return f"{rounded + 0:,.{decimals}f}" if rounded else f"{0:.{decimals}f}"


def figure_text(number: str, kind: str = "exact", relative_error: float | None = None) -> str:
    """A reported figure (``number`` already written) with what it says: ``400``, ``≈400 ±5%``, ``≥400``, ``≤625``."""
    if kind == "approx":
        return f"≈{number} ±{half_up(100 * Decimal(repr(float(relative_error))), 1).normalize():f}%"
    return {"at_least": "≥", "at_most": "≤"}.get(kind, "") + number


def significant_text(value: float | None, digits: int = 4) -> str:
    """A number with ``digits`` significant digits (at least the whole part), rounded half up: ``0.009275``,
    ``103.5``, ``1,267``; ``-`` for no value."""
    if value is None:
        return "-"
    if value == 0 or not math.isfinite(value):
        return count_text(value) if value == 0 else str(value)
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(value))))
    return count_text(value, decimals)


def money_text(usd: float | None, small: bool = False) -> str:
    """US dollars in millions, sign first: ``$14.9M``, ``-$65.3M``; ``-`` for no value.

    With ``small``, amounts under a million are written in whole dollars (``$1,250``).
    """
    if usd is None:
        return "-"
    usd = float(usd)
    sign = "-" if usd < 0 else ""
    if small and abs(usd) < 1e6:
        return f"{sign}${count_text(abs(usd))}"
    return f"{sign}${count_text(abs(usd) / 1e6, 1)}M"


def percent_text(p: float | None, decimals: int = 1, bounded: bool = False) -> str:
    """A probability as a percentage, rounded half up (``12.3%``; ``-`` for no value).

    With ``bounded``, a probability that is neither 0 nor 1 never reads as either: ``<1%``, ``>99%``.
    """
    if p is None:
        return "-"
    p = float(p)
    if bounded and 0 < p < 0.5 * 10 ** -(decimals + 2):
        return "<" + f"{10 ** -decimals:g}%"
    if bounded and 1 - 0.5 * 10 ** -(decimals + 2) <= p < 1:
        return ">" + f"{100 - 10 ** -decimals:g}%"
    return f"{half_up(100 * Decimal(repr(p)), decimals)}%"


def plural(count: int, word: str, words: str | None = None) -> str:
    """``1 contingent``, ``2 contingents`` (``words``: the plural when it is not ``word + "s"``)."""
    return f"{count:,} {word if count == 1 else (words or word + 's')}"


def key_value_text(key: str, value: Any) -> str:
    """A swept or overridden value for people: money for a key in US dollars (``$100.0M``), else as written."""
    if str(key).endswith("_usd") and isinstance(value, (int, float)) and not isinstance(value, bool):
        return money_text(value, small=True)
    return value_text(value)


def tidy(value: float) -> float:
    """A float rounded to 10 decimals, so that ``0.30000000000000004`` reads 0.3 (and -0.0 reads 0.0)."""
    value = round(float(value), 10)
    return 0.0 if value == 0 else value


def value_text(value: Any) -> str:
    """A value as written on the command line (TOML syntax; strings bare)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(tidy(value))
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml_item(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_item(v) for v in value) + "]"
    return str(value)


def _toml_item(value: Any) -> str:
    """An item of a TOML table or array: a string quoted, anything else as :func:`value_text` writes it."""
    return json.dumps(value) if isinstance(value, str) else value_text(value)


def point_text(values: Mapping[str, Any]) -> str:
    """Dotted keys and their values as written on the command line: ``a.b=0.5, c={dist = "beta", ...}``."""
    return ", ".join(f"{k}={value_text(v)}" for k, v in values.items())


def parse_value(text: str) -> Any:
    """A command-line value as TOML would read it (number, boolean, date, table), else the string itself."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except (ValueError, RecursionError):  # not TOML, nested too deeply, an integer of thousands of digits
        return text


def table(header: Sequence[str], rows: Sequence[Sequence[str]], align: str, indent: str = "",
          min_widths: Sequence[int] | None = None, max_widths: Sequence[int | None] | None = None,
          fixed: Mapping[int, int] | None = None, rule: bool = False) -> list[str]:
    """The lines of a fixed-width text table, columns two spaces apart, no trailing spaces.

    ``align`` has one letter per column, ``l`` or ``r``. A column is as wide as its widest
    cell (header included), at least ``min_widths[k]``, at most ``max_widths[k]`` (longer cells
    are clipped with an ellipsis); a column in ``fixed`` is exactly that wide. ``rule`` draws a
    line of dashes under the header.
    """
    count = len(align)
    fixed = dict(fixed or {})
    widths = []
    for k in range(count):
        if k in fixed:
            widths.append(fixed[k])
            continue
        width = max([len(header[k])] + [len(row[k]) for row in rows])
        if min_widths is not None:
            width = max(width, min_widths[k])
        if max_widths is not None and max_widths[k] is not None:
            width = min(width, max_widths[k])
        widths.append(width)

    def line(cells: Sequence[str]) -> str:
        """One line of the table: each cell clipped and aligned in its column, two spaces apart, no trailing spaces."""
        out = []
        for k, (cell, width) in enumerate(zip(cells, widths)):
            cell = clip(cell, width)
            out.append(cell.ljust(width) if align[k] == "l" else cell.rjust(width))
        return (indent + "  ".join(out)).rstrip()

    lines = [line(header)]
    if rule:
        lines.append(line(["-" * w for w in widths]))
    return lines + [line(row) for row in rows]


def csv_text(rows: Iterable[Sequence[Any]], columns: Sequence[str]) -> str:
    """CSV with one header row: cells as given (None empty, booleans true/false, floats as Python writes them)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([_cell(value) for value in row] for row in rows)
    return out.getvalue()


def _cell(value: Any) -> str:
    """A CSV cell: None empty, booleans true/false, whole floats as integers, other floats as Python writes them."""
    if type(value) is str:  # most cells: looked at first
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value
    return value_text(value)


def number_text(x: float) -> str:
    """A number with at most 3 decimals and no trailing zeros, as the daily CSVs write it (``0`` for -0)."""
    text = f"{float(x):.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def numbers_text(values: Iterable[float]) -> list[str]:
    """:func:`number_text` of each of ``values`` (a sequence or an array), each distinct value formatted once."""
    seen: dict[float, str] = {}
    out = []
    for x in values.tolist() if hasattr(values, "tolist") else values:
        text = seen.get(x)
        if text is None:
            text = seen[x] = number_text(x)
        out.append(text)
    return out


def json_text(data: Any) -> str:
    """Indented JSON as every output file writes it: non-ASCII kept, dates as text, a final newline."""
    return json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"


def rows_csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None) -> str:
    """Dict rows as CSV, columns those given or the first row's keys (numbers as they are, already rounded)."""
    columns = list(columns or (rows[0].keys() if rows else []))
    return csv_text([[row.get(c) for c in columns] for row in rows], columns)
