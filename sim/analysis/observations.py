"""Reported figures to score projections against: ``date,series,value[,source]`` CSV files, read and checked."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from ..errors import SimError
from ..text import did_you_mean
from .grid import plain_number

if TYPE_CHECKING:
    from ..scenario import Scenario


class ObservationError(SimError, ValueError):
    """A malformed observations file or an observation the run cannot score: ``FILE:LINE: message``."""


OBSERVATION_COLUMNS = ("date", "series", "value", "source")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class Observation(tuple):
    """``(date, series, value, source)``, remembering where it was read (``where``: ``FILE:LINE``)."""

    def __new__(cls, date: dt.date, series: str, value: float, source: str = "", where: str = ""):
        self = super().__new__(cls, (date, series, value, source))
        self.where = where
        return self

    def __getnewargs__(self):
        return (*self, self.where)

    date = property(lambda self: self[0])
    series = property(lambda self: self[1])
    value = property(lambda self: self[2])
    source = property(lambda self: self[3])


def read_observations(path) -> list[Observation]:
    """Read ``date,series,value[,source]`` rows (a header is required; ``#`` lines and blank lines are skipped).

    Returns :class:`Observation` tuples ``(date, series, value, source)``. Raises
    :class:`ObservationError` as ``FILE:LINE: message`` on a missing file, a header without
    the required columns, a bad date or a value that is not a non-negative number.
    """
    path = Path(path)
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ObservationError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise ObservationError(f"{name}: is a folder, not a CSV file") from None
    except UnicodeDecodeError:
        raise ObservationError(f"{name}: not a text file (not UTF-8); observations are a CSV text file") from None
    except OSError as error:
        raise ObservationError(f"{name}: cannot read: {error.strerror}") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header, columns, out = None, {}, []
    for fields in reader:
        line = reader.line_num
        if not fields or all(not f.strip() for f in fields) or fields[0].lstrip().startswith("#"):
            continue
        fields = [f.strip() for f in fields]
        if header is None:
            header = [f.lower() for f in fields]
            for column in header:
                if column not in OBSERVATION_COLUMNS:
                    hint = did_you_mean(column, OBSERVATION_COLUMNS)
                    raise ObservationError(f"{name}:{line}: unknown column {column!r}{hint}; "
                                           f"the header is date,series,value[,source]")
            if len(set(header)) != len(header):
                raise ObservationError(f"{name}:{line}: a column is named twice in the header")
            missing = [c for c in OBSERVATION_COLUMNS[:3] if c not in header]
            if missing:
                raise ObservationError(f"{name}:{line}: header lacks column(s) {', '.join(missing)}; "
                                       f"the first line must be date,series,value[,source]")
            columns = {c: header.index(c) for c in header}
            continue
        if len(fields) != len(header):
            raise ObservationError(f"{name}:{line}: {len(fields)} fields, but the header has {len(header)}")
        where = f"{name}:{line}"
        raw_date = fields[columns["date"]]
        try:
            if not _DATE.match(raw_date):
                raise ValueError
            date = dt.date.fromisoformat(raw_date)
        except ValueError:
            raise ObservationError(f"{where}: date: not a date like 2024-08-27: {raw_date!r}") from None
        series = fields[columns["series"]]
        if not series:
            raise ObservationError(f"{where}: series: empty; give 'total' or a country of the scenario")
        raw_value = fields[columns["value"]].replace(",", "")
        value = plain_number(raw_value)
        if value is None or not math.isfinite(value):
            raise ObservationError(f"{where}: value: not a number: {fields[columns['value']]!r}")
        if value < 0:
            raise ObservationError(f"{where}: value: a strength cannot be negative, got {value:g}")
        source = fields[columns["source"]] if "source" in columns else ""
        out.append(Observation(date, series, value, source, where))
    if header is None:
        raise ObservationError(f"{name}:1: empty file; the first line must be the header date,series,value[,source]")
    return out


def check_observations(scenario: Scenario, observations: Sequence) -> None:
    """Raise :class:`ObservationError` (``FILE:LINE: ...``) for an observation the run cannot score."""
    series = [c.country for c in scenario.contingents] + ["total"]
    for k, obs in enumerate(observations):
        date, name = obs[0], obs[1]
        where = getattr(obs, "where", "") or f"observation {k + 1}"
        if isinstance(date, dt.datetime):
            date = date.date()
        if not isinstance(date, dt.date):
            raise ObservationError(f"{where}: date: not a date: {date!r}")
        if not scenario.start <= date <= scenario.end:
            raise ObservationError(f"{where}: date {date} is outside the run ({scenario.start} to {scenario.end})")
        if name not in series:
            hint = did_you_mean(name, series)
            raise ObservationError(f"{where}: series {name!r} is neither 'total' nor a country of "
                                   f"{scenario.name!r}{hint}; countries: {', '.join(series[:-1])}")
        value = obs[2]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ObservationError(f"{where}: value: not a number: {value!r}")
