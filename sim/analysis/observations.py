"""Reported figures to score projections against: ``date,series,value[,source][,kind][,relative_error]`` CSV files,
read and checked; what each figure says (its kind) and of what (strength or cumulative arrivals, of whom)."""

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


OBSERVATION_COLUMNS = ("date", "series", "value", "source", "kind", "relative_error")
HEADER = "date,series,value[,source][,kind][,relative_error]"
#: What a figure says of the truth: it is the value, within a relative error of it, at least or at most it.
KINDS = ("exact", "approx", "at_least", "at_most")
#: What a series counts: officers on the ground at the end of the day, or every officer who arrived up to then.
QUANTITIES = ("strength", "arrived")
SERIES_FORMS = "COUNTRY, total, arrived:COUNTRY, arrived:total or arrived (strength:COUNTRY for a name with a ':')"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class Observation(tuple):
    """``(date, series, value, source)``; also ``kind``, ``relative_error`` (approx only, else None), ``quantity``
    ("strength" or "arrived"), ``country`` (a country or "total") and ``where`` (``FILE:LINE``, where it was read).

    ``series`` is kept in its plain form: ``COUNTRY`` for strength (``strength:NAME`` if the name holds a ':' or
    is ``arrived``),
    ``arrived:COUNTRY`` or ``arrived:total`` for cumulative arrivals. Raises :class:`ObservationError` for a series
    of no known form.
    """

    def __new__(cls, date: dt.date, series: str, value: float, source: str = "", where: str = "",
                kind: str = "exact", relative_error: float | None = None):
        try:
            quantity, country = split_series(series)
        except ValueError as error:
            raise ObservationError(f"{where or 'observation'}: series: {error}") from None
        plain = country if quantity == "strength" and _reads_as(country, quantity) else f"{quantity}:{country}"
        self = super().__new__(cls, (date, plain, value, source))
        self.where, self.kind, self.relative_error = where, kind, relative_error
        self.quantity, self.country = quantity, country
        return self

    def __getnewargs__(self):
        return (*self, self.where, self.kind, self.relative_error)

    date = property(lambda self: self[0])
    series = property(lambda self: self[1])
    value = property(lambda self: self[2])
    source = property(lambda self: self[3])


def _reads_as(country: str, quantity: str) -> bool:
    """Whether ``country`` written alone reads back as (``quantity``, ``country``): not so for a name holding a ':'
    or named like a quantity (``arrived``)."""
    try:
        return split_series(country) == (quantity, country)
    except ValueError:
        return False


def split_series(text: str) -> tuple[str, str]:
    """``(quantity, country)`` of a series as written; ValueError (saying what is allowed) for no known form."""
    text = str(text).strip()
    if not text:
        raise ValueError(f"empty; give {SERIES_FORMS}")
    if ":" in text:
        prefix, name = (part.strip() for part in text.split(":", 1))
        if prefix.lower() not in QUANTITIES:
            raise ValueError(f"unknown quantity {clip(repr(prefix), 60)} before ':'{did_you_mean(prefix.lower(), QUANTITIES)}; "
                             f"a series is {SERIES_FORMS}")
        if not name:
            raise ValueError(f"no country after {prefix.lower()!r}:; a series is {SERIES_FORMS}")
        return prefix.lower(), name
    if text.lower() == "arrived":
        return "arrived", "total"
    return "strength", text


def read_observations(path) -> list[Observation]:
    """Read ``date,series,value[,source][,kind][,relative_error]`` rows (a header is required; ``#`` lines and blank
    lines are skipped).

    Returns :class:`Observation` tuples ``(date, series, value, source)``. Raises
    :class:`ObservationError` as ``FILE:LINE: column: message`` (a line for each bad row) on a missing
    file, a header without the required columns, a bad date, a value that is not a non-negative number, a
    series of no known form, an unknown kind, or a relative error missing (``approx``), out of (0, 1] or
    given for another kind.
    """
    path = Path(path)
    name = str(path)
    try:
        text = read_text_file(path)
    except InputFileError as error:
        hint = {"folder": ", not a CSV file", "binary": "; observations are a CSV text file"}.get(error.kind, "")
        raise ObservationError(f"{name}: {error}{hint}") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header, out, problems = None, [], []
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
                                           f"the header is {HEADER}")
            if len(set(header)) != len(header):
                raise ObservationError(f"{name}:{line}: a column is named twice in the header")
            missing = [c for c in OBSERVATION_COLUMNS[:3] if c not in header]
            if missing:
                raise ObservationError(f"{name}:{line}: header lacks column(s) {', '.join(missing)}; "
                                       f"the first line must be {HEADER}")
            continue
        if len(out) + len(problems) == MAX_OBSERVATIONS:
            raise ObservationError(f"{name}:{line}: more than {MAX_OBSERVATIONS:,} observations; at most "
                                   f"{MAX_OBSERVATIONS:,} figures can be scored and labelled on one chart")
        try:
            if len(fields) != len(header):
                raise ObservationError(f"{name}:{line}: {len(fields)} fields, but the header has {len(header)}")
            out.append(_observation(dict(zip(header, fields)), f"{name}:{line}"))
        except ObservationError as error:  # every row's problem is said, one line each, as sim validate does
            problems.append(str(error))
    if header is None:
        raise ObservationError(f"{name}:1: empty file; the first line must be the header {HEADER}")
    if problems:
        raise ObservationError("\n".join(problems))
    return out


def _observation(row: dict[str, str], where: str) -> Observation:
    """One row of the file (column -> text) as an Observation; ObservationError ``where: column: ...``."""
    raw_date = row["date"]
    try:
        if not _DATE.match(raw_date):
            raise ValueError
        date = dt.date.fromisoformat(raw_date)
    except ValueError:
        raise ObservationError(f"{where}: date: not a date like 2024-08-27: {clip(repr(raw_date), 60)}") from None
    series = row["series"]
    try:
        quantity, country = split_series(series)
    except ValueError as error:
        raise ObservationError(f"{where}: series: {error}") from None
    value = plain_number(row["value"].replace(",", ""))
    if value is None or not math.isfinite(value):
        raise ObservationError(f"{where}: value: not a number: {clip(repr(row['value']), 60)}")
    source = row.get("source", "")
    for column, text in (("series", country), ("source", source)):
        if len(text) > MAX_NAME_CHARS:
            raise ObservationError(f"{where}: {column}: {len(text):,} characters; at most {MAX_NAME_CHARS}")
    kind = row.get("kind", "").lower() or "exact"
    raw_error = row.get("relative_error", "")
    relative_error = None
    if raw_error:
        percent = raw_error.endswith("%")
        relative_error = plain_number(raw_error[:-1] if percent else raw_error)
        if relative_error is None:
            raise ObservationError(f"{where}: relative_error: not a number: {clip(repr(raw_error), 60)}; "
                                   f"give a fraction such as 0.05, or 5%")
        relative_error = relative_error / 100 if percent else relative_error
    check_figure(quantity, value, kind, relative_error, where)
    return Observation(date, series, value, source, where, kind, relative_error)


def check_figure(quantity: str, value: float, kind: str, relative_error: float | None, where: str) -> None:
    """Raise ObservationError (``where: column: ...``) for a negative value, an unknown kind, or a relative error
    missing for ``approx``, outside (0, 1], or given for another kind."""
    if value < 0:
        what = "a strength" if quantity == "strength" else "a number of arrivals"
        raise ObservationError(f"{where}: value: {what} cannot be negative, got {value:g}")
    if kind not in KINDS:
        raise ObservationError(f"{where}: kind: unknown kind {clip(repr(kind), 60)}{did_you_mean(kind, KINDS)}; "
                               f"allowed: exact (the default, left empty), approx, at_least, at_most")
    if kind == "approx":
        if relative_error is None:
            raise ObservationError(f"{where}: relative_error: empty, but an approx figure needs one: the truth is "
                                   f"taken to lie within value x (1 +- relative_error), e.g. 0.05 or 5%")
        if not 0 < relative_error <= 1:
            raise ObservationError(f"{where}: relative_error: must be above 0 and at most 1 (0.05 or 5%: within 5% "
                                   f"of the value), got {relative_error:g}")
    elif relative_error is not None:
        raise ObservationError(f"{where}: relative_error: only an approx figure takes one; leave it empty for "
                               f"kind {kind}")


def _rows(reader, name: str):
    """The rows of a CSV reader; ObservationError (``FILE:LINE: ...``) for a line the csv module refuses."""
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as error:  # a field over the csv module's limit, a quote left open, ...
            raise ObservationError(f"{name}:{reader.line_num}: not CSV the reader can take: {error}") from None


def as_observation(obs, k: int = 0) -> Observation:
    """``obs`` as an Observation: itself, or a plain ``(date, series, value[, source])`` tuple (an exact figure)."""
    if isinstance(obs, Observation):
        return obs
    return Observation(obs[0], obs[1], obs[2], obs[3] if len(obs) > 3 else "", f"observation {k + 1}")


def check_observations(scenario: Scenario, observations: Sequence) -> tuple[list[Observation], list[str]]:
    """``(kept, warnings)``: the observations the run can score, and one warning for each left out because its
    series names a country ``scenario`` lacks. Raises :class:`ObservationError` (``FILE:LINE: ...``) for any
    other observation the run cannot score (a bad date, value, kind or relative error, a date outside the run)."""
    countries = [c.country for c in scenario.contingents]
    kept, warnings = [], []
    for k, raw in enumerate(observations):
        obs = as_observation(raw, k)
        where, date = obs.where or f"observation {k + 1}", obs.date
        if isinstance(date, dt.datetime):
            date = date.date()
        if not isinstance(date, dt.date):
            raise ObservationError(f"{where}: date: not a date: {date!r}")
        if not scenario.start <= date <= scenario.end:
            raise ObservationError(f"{where}: date {date} is outside the run ({scenario.start} to {scenario.end})")
        value = obs.value
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ObservationError(f"{where}: value: not a number: {value!r}")
        check_figure(obs.quantity, value, obs.kind, obs.relative_error, where)
        if obs.country != "total" and obs.country not in countries:
            hint = did_you_mean(obs.country, countries + ["total"])
            warnings.append(f"{where}: series {clip(repr(obs.series), 60)}: {clip(repr(obs.country), 60)} is neither "
                            f"'total' nor a country of {scenario.name!r}{hint}; left out (countries: "
                            f"{clip(', '.join(countries), 200)})")
            continue
        kept.append(obs)
    return kept, warnings


def arrivals_needed(observations: Sequence) -> list[tuple[str, dt.date]]:
    """The ``(country or "total", date)`` pairs whose cumulative arrivals ``observations`` report, sorted, once each:
    what ``sim.run(..., arrivals=...)`` must record for :func:`sim.backtest` to score them."""
    pairs = set()
    for k, raw in enumerate(observations):
        obs = as_observation(raw, k)
        if obs.quantity == "arrived":
            date = obs.date.date() if isinstance(obs.date, dt.datetime) else obs.date
            pairs.add((obs.country, date))
    return sorted(pairs, key=lambda p: (p[1], p[0]))
