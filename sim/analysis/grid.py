"""Swept values and grids: ``0.2,0.5,0.8``, ``0.1:1.0:0.1``, several keys as a cartesian product."""

from __future__ import annotations

import itertools
import math
import tomllib
from typing import Mapping, Sequence

from ..errors import SimError
from ..scenario.limits import MAX_SWEEP_POINTS
from ..text import parse_value, tidy


#: The most values one ``start:stop:step`` range may give (a typo like ``0:1:0.0001`` is caught).
MAX_RANGE = MAX_SWEEP_POINTS


class SweepError(SimError, ValueError):
    """A sweep specification that cannot be used (bad ``--set``, unknown key, invalid value)."""


def plain_number(text: str):
    """``text`` as an int or a finite float if it is a plain number, else None."""
    text = text.strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def parse_values(text: str) -> list:
    """The values of one swept key: ``"0.2,0.5,0.8"``, ``"0.1:1.0:0.1"`` or a single value.

    A range ``start:stop:step`` includes ``stop`` when it lands on it within float tolerance
    (``0.1:1.0:0.1`` gives 10 values); float values are rounded to 10 decimals so that
    ``0.30000000000000004`` is 0.3. If ``start``, ``stop`` and ``step`` are integers, so are the
    values. A list is read as TOML would read its items (numbers, booleans, dates, inline tables
    such as ``{dist = "beta", mean = 0.5, sd = 0.1}``); bare words are strings.
    Raises :class:`SweepError`.
    """
    text = str(text).strip()
    if not text:
        raise SweepError("no values given")
    if ":" in text and not text.lstrip().startswith(("{", "[", '"', "'")):
        parts = text.split(":")
        numbers = [plain_number(p) for p in parts]
        if all(n is not None for n in numbers):
            if len(parts) != 3:
                raise SweepError(f"a range is start:stop:step, got {text!r}")
            return _range(*numbers, text=text)
    try:
        values = tomllib.loads(f"v = [{text}]")["v"]
    except (ValueError, RecursionError):  # not TOML, nested too deeply, an integer of thousands of digits
        values = [parse_value(part.strip()) for part in text.split(",")]
    if any(v == "" for v in values):
        raise SweepError(f"empty value in {text!r}")
    return values


def _range(start, stop, step, text: str) -> list:
    """The values of ``start:stop:step``, stop included (within float tolerance); SweepError for a bad step."""
    if step == 0:
        raise SweepError(f"range {text!r}: step must not be 0")
    if (stop - start) * step < 0:
        raise SweepError(f"range {text!r}: step {step:g} goes away from stop {stop:g}")
    exact = all(isinstance(x, int) for x in (start, stop, step))
    count = (stop - start) / step
    # include stop when the last step lands on it within float tolerance
    steps = math.floor(count + 1e-9 * max(1.0, abs(count)))
    if steps + 1 > MAX_RANGE:
        raise SweepError(f"range {text!r} gives {steps + 1:,} values; at most {MAX_RANGE:,}")
    if exact:
        return [start + k * step for k in range(steps + 1)]
    return [tidy(start + k * step) for k in range(steps + 1)]


def parse_grid(items: Sequence[str]) -> dict[str, list]:
    """``["KEY=VALUES", ...]`` (the ``--set`` options of ``sim sweep``) as ``{key: values}``, in order."""
    grid: dict[str, list] = {}
    for item in items or []:
        key, sep, values = str(item).partition("=")
        key = key.strip()
        if not sep or not key:
            raise SweepError(f"--set needs KEY=VALUES, got {item!r}")
        if key in grid:
            raise SweepError(f"--set {key} given twice; give all its values at once (e.g. {key}=0.2,0.5,0.8)")
        try:
            grid[key] = parse_values(values)
        except SweepError as error:
            raise SweepError(f"--set {key}: {error}") from None
    return grid


def expand_grid(grid: Mapping[str, Sequence]) -> list[dict]:
    """The cartesian product of ``grid`` as override dicts, the first key varying slowest (SweepError beyond
    MAX_SWEEP_POINTS points)."""
    keys = list(grid)
    points = math.prod(len(grid[k]) for k in keys)
    if points > MAX_SWEEP_POINTS:
        sizes = " x ".join(f"{len(grid[k]):,}" for k in keys)
        raise SweepError(f"the grid has {sizes} = {points:,} points; at most {MAX_SWEEP_POINTS:,}")
    return [dict(zip(keys, combo)) for combo in itertools.product(*(list(grid[k]) for k in keys))]
