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
from ..scenario.limits import MAX_NAME_CHARS, MAX_OBSERVATIONS
from ..text import InputFileError, clip, did_you_mean, read_text_file
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
        text = read_text_file(path)
    except InputFileError as error:
        hint = {"folder": ", not a CSV file", "binary": "; observations are a CSV text file"}.get(error.kind, "")
        raise ObservationError(f"{name}: {error}{hint}") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header, columns, out = None, {}, []
    for fields in _rows(reader, name):
        line = reader.line_num
        if not fields or all(not f.strip() for f in fields) or fields[0].lstrip().startswith("#"):
            continue
        fields = [f.strip() for f in fields]
        if header is None:
            header = [f.lower() for f in fields]
            for column in header:
                if column not in OBSERVATION_COLUMNS:
                    hint = did_you_mean(column, OBSERVATION_COLUMNS)
                    raise ObservationError(f"{name}:{line}: unknown column {clip(repr(column), 60)}{hint}; "
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
            raise ObservationError(f"{where}: date: not a date like 2024-08-27: {clip(repr(raw_date), 60)}") from None
        series = fields[columns["series"]]
        if not series:
            raise ObservationError(f"{where}: series: empty; give 'total' or a country of the scenario")
        raw_value = fields[columns["value"]].replace(",", "")
        value = plain_number(raw_value)
        if value is None or not math.isfinite(value):
            raise ObservationError(f"{where}: value: not a number: {clip(repr(fields[columns['value']]), 60)}")
        if value < 0:
            raise ObservationError(f"{where}: value: a strength cannot be negative, got {value:g}")
        source = fields[columns["source"]] if "source" in columns else ""
        for column, text in (("series", series), ("source", source)):
            if len(text) > MAX_NAME_CHARS:
                raise ObservationError(f"{where}: {column}: {len(text):,} characters; at most {MAX_NAME_CHARS}")
        if len(out) == MAX_OBSERVATIONS:
            raise ObservationError(f"{where}: more than {MAX_OBSERVATIONS:,} observations; at most {MAX_OBSERVATIONS:,} "
                                   f"figures can be scored and labelled on one chart")
        out.append(Observation(date, series, value, source, where))
    if header is None:
        raise ObservationError(f"{name}:1: empty file; the first line must be the header date,series,value[,source]")
    return out


def _rows(reader, name: str):
    """The rows of a CSV reader; ObservationError (``FILE:LINE: ...``) for a line the csv module refuses."""
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as error:  # a field over the csv module's limit, a quote left open, ...
            raise ObservationError(f"{name}:{reader.line_num}: not CSV the reader can take: {error}") from None


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
            raise ObservationError(f"{where}: series {clip(repr(name), 60)} is neither 'total' nor a country of "
                                   f"{scenario.name!r}{hint}; countries: {', '.join(series[:-1])}")
        value = obs[2]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ObservationError(f"{where}: value: not a number: {value!r}")
