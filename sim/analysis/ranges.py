"""The ranges of a sensitivity analysis or a scenario discovery (``--vary KEY=LOW:HIGH``), checked before
anything runs, and the values they give a design's points.

A range is numbers or dates. Whole numbers stay whole where the scenario needs them (a number of days
of a drawdown, a head count): each whole value from LOW to HIGH is then equally likely. Dates are whole
days. Anything else is a real number from LOW to HIGH.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import numpy as np

from ..errors import SimError
from ..scenario import ScenarioError
from ..scenario.limits import MAX_VARIED_KEYS
from ..scenario.paths import PARAMETERS, get_path
from ..text import clip, parse_value, printable, value_text

if TYPE_CHECKING:
    from ..scenario import Scenario

#: Corners of the ranges checked together before anything runs (all of them for up to 10 keys).
MAX_CORNERS = 1024
#: ``scenario.*`` keys that cannot vary: they set what a point is, not an assumption about the mission.
FIXED_KEYS = ("scenario.start", "scenario.end", "scenario.seed", "scenario.replications", "scenario.name",
              "scenario.description")


class DesignError(SimError, ValueError):
    """A ``--vary``, ``--outcome``, ``--when`` or design size that cannot be used (exit 2 in the CLI)."""


@dataclass(frozen=True)
class Range:
    """One varied key: its values run from ``low`` to ``high``; ``kind`` is ``real``, ``whole`` or ``date``."""

    key: str
    low: Any
    high: Any
    kind: str

    def value(self, u: float) -> Any:
        """The key's value at ``u`` in [0, 1]: real numbers linearly (6 significant digits), whole numbers and
        dates each equally likely."""
        u = min(max(float(u), 0.0), 1.0)
        if self.kind == "real":
            return float(f"{self.low + u * (self.high - self.low):.6g}")
        span = int(round(self.number(self.high) - self.number(self.low)))
        step = min(math.floor(u * (span + 1)), span)
        return self.low + (dt.timedelta(days=step) if self.kind == "date" else step)

    def number(self, value: Any) -> float:
        """``value`` as a number on the key's axis (a date as its day number)."""
        return float(value.toordinal()) if self.kind == "date" else float(value)

    def from_number(self, x: float) -> Any:
        """A number on the key's axis back as a value of the key (a day number as its date)."""
        if self.kind == "date":
            return dt.date.fromordinal(int(round(x)))
        return int(round(x)) if self.kind == "whole" else float(x)

    @property
    def text(self) -> str:
        """``LOW:HIGH`` as written on the command line."""
        return f"{value_text(self.low)}:{value_text(self.high)}"


def parse_vary(items: Sequence[str]) -> dict[str, str]:
    """``["KEY=LOW:HIGH", ...]`` (the ``--vary`` options) as ``{key: "LOW:HIGH"}``, in order."""
    out: dict[str, str] = {}
    for item in items or []:
        key, sep, bounds = str(item).partition("=")
        key = key.strip()
        if not sep or not key:
            raise DesignError(f"--vary needs KEY=LOW:HIGH, got {clip(printable(str(item)), 100)!r}")
        if key in out:
            raise DesignError(f"--vary {clip(printable(key), 100)} given twice; give each key once")
        out[key] = bounds.strip()
    return out


def check_ranges(scenario: Scenario, vary: Mapping[str, Any]) -> list[Range]:
    """The ranges of ``vary`` (``{key: "LOW:HIGH"}`` or ``{key: (low, high)}``), each checked before anything runs:
    LOW and HIGH applied to ``scenario`` (an unknown key is named with the nearest one), LOW below HIGH, then
    the corners of all the ranges together. Raises :class:`DesignError`."""
    if not vary:
        raise DesignError("nothing to vary: give at least one --vary KEY=LOW:HIGH (e.g. --vary assumptions.tour_days=180:365)")
    if len(vary) > MAX_VARIED_KEYS:
        raise DesignError(f"{len(vary)} keys to vary; at most {MAX_VARIED_KEYS}")
    ranges = [_range(scenario, str(key), spec) for key, spec in vary.items()]
    _check_corners(scenario, ranges)
    return ranges


def _range(scenario: Scenario, key: str, spec: Any) -> Range:
    """One key's range, checked against ``scenario``."""
    shown = clip(printable(key), 100)
    if key in FIXED_KEYS:
        raise DesignError(f"--vary {shown}: cannot be varied (a design varies the scenario's assumptions; "
                          "give the seed and replications with --seed and -n)")
    if isinstance(spec, str):
        parts = spec.split(":")
        if len(parts) != 2:
            raise DesignError(f"--vary {shown}: give LOW:HIGH (two numbers or two dates), got {clip(printable(spec), 60)!r}")
        low, high = (parse_value(p.strip()) for p in parts)
    else:
        try:
            low, high = spec
        except (TypeError, ValueError):
            raise DesignError(f"--vary {shown}: give (low, high), got {clip(repr(spec), 60)}") from None
    kinds = {_kind(low), _kind(high)}
    if None in kinds or ("date" in kinds and kinds != {"date"}):
        raise DesignError(f"--vary {shown}: LOW and HIGH must be two numbers or two dates, got "
                          f"{clip(value_text(low), 40)!r} and {clip(value_text(high), 40)!r}")
    if not low < high:
        raise DesignError(f"--vary {shown}: LOW must be below HIGH, got {value_text(low)}:{value_text(high)}")
    _check_parameter(scenario, key, shown)
    for value in (low, high):
        _apply(scenario, {key: value}, f"--vary {shown}={value_text(value)}", key)
    kind = "date" if "date" in kinds else "real" if "real" in kinds else "whole"
    if kind == "whole" and not _takes_fractions(scenario, key, low):
        return Range(key, low, high, "whole")
    return Range(key, float(low) if kind == "whole" else low, float(high) if kind == "whole" else high,
                 "real" if kind == "whole" else kind)


def _kind(value: Any) -> str | None:
    """``whole``, ``real`` or ``date`` for a usable bound, None for anything else (text, a table, a boolean)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return "whole"
    if isinstance(value, float):
        return "real" if math.isfinite(value) else None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return "date"
    return None


def _takes_fractions(scenario: Scenario, key: str, low: int) -> bool:
    """Whether ``key`` takes a real number (a slip's median does; a number of drawdown days does not)."""
    try:
        scenario.with_overrides({key: low + 0.5})
    except ScenarioError:
        return False
    return True


def _check_parameter(scenario: Scenario, key: str, shown: str) -> None:
    """A key naming a distribution's parameter needs a distribution table there (DesignError otherwise)."""
    parent, _, last = key.rpartition(".")
    if not parent or last not in PARAMETERS or get_path(scenario.document, key) is not None:
        return
    value = get_path(scenario.document, parent)
    if value is None:
        raise DesignError(f"--vary {shown}: the scenario has no value at {clip(printable(parent), 100)} (a default "
                          "applies there); vary the value it takes, or write a distribution there in the file")
    if not isinstance(value, dict):
        raise DesignError(f"--vary {shown}: {clip(printable(parent), 100)} is {clip(value_text(value), 60)} in the "
                          f"scenario, not a distribution table with a {last}; vary {clip(printable(parent), 100)} itself")


def _apply(scenario: Scenario, overrides: dict, what: str, key: str | None = None) -> None:
    """``scenario`` with ``overrides``, or a :class:`DesignError` saying ``what`` and its problems (only ``key``
    for a key that names no place in the scenario, whatever its value)."""
    try:
        scenario.with_overrides(overrides)
    except ScenarioError as error:
        for p in error.problems:
            if key is not None and p.path == key and (p.message.startswith(("unknown key", "no item"))
                                                      or "not a table" in p.message):
                raise DesignError(f"--vary {clip(printable(key), 100)}: {p.message}") from None
        texts = list(dict.fromkeys(f"{p.path}: {p.message}" for p in error.problems))
        raise DesignError(f"{what}: {'; '.join(texts)}") from None


def _check_corners(scenario: Scenario, ranges: Sequence[Range]) -> None:
    """Every corner of the ranges together (at most MAX_CORNERS) makes a valid scenario (values that are only
    valid apart, such as a triangle's low and mode, are refused before anything runs)."""
    if len(ranges) < 2:
        return
    corners = itertools.product(*[(r.low, r.high) for r in ranges])
    for corner in itertools.islice(corners, MAX_CORNERS):
        point = {r.key: value for r, value in zip(ranges, corner)}
        shown = ", ".join(f"{clip(printable(k), 60)}={value_text(v)}" for k, v in point.items())
        _apply(scenario, point, f"the ranges together give invalid scenarios (narrow them): at {clip(shown, 300)}")


def design_points(ranges: Sequence[Range], unit: np.ndarray) -> list[dict]:
    """The overrides of each row of ``unit`` (points in [0, 1] per key, one column per range)."""
    return [{r.key: r.value(u) for r, u in zip(ranges, row)} for row in np.asarray(unit, dtype=float)]


def numbers(ranges: Sequence[Range], points: Sequence[dict]) -> np.ndarray:
    """The points' values as numbers (points x keys; dates as day numbers), for PRIM and charts."""
    return np.array([[r.number(p[r.key]) for r in ranges] for p in points], dtype=float).reshape(len(points), len(ranges))
