"""How far a replication is from what was reported: the observation model of ``sim calibrate``.

Each observation is ``(date, series, value)`` with a ``kind`` (``exact`` by default) and, for ``approx``, a
relative error ``relative_error`` (read with ``getattr``, so that plain tuples are exact observations). A replication's
strength ``x`` of the series at the end of that day is compared with the value ``v`` and scaled by
``s = max(v, 1)``:

* ``exact``: ``|x - v| / s``;
* ``approx``: ``max(|x - v| - relative_error * v, 0) / s``: only the error beyond the stated band counts;
* ``at_least``: ``max(v - x, 0) / s`` and ``at_most``: ``max(x - v, 0) / s``: only the shortfall on the side the
  report rules out counts.

The replication's distance is the root mean square of these errors: 0 when it agrees with every report, 0.1 when
it is off by about 10% of each figure. (docs/design.md section 5, ``sim calibrate``; added for issue #13.)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

import numpy as np

from .observations import ObservationError, check_observations

if TYPE_CHECKING:
    from ..scenario import Scenario

KINDS = ("exact", "approx", "at_least", "at_most")
#: Series of cumulative arrivals (``arrived:COUNTRY``): not yet compared by a fit.
ARRIVED = "arrived:"


def kind_of(observation) -> str:
    """An observation's kind (``exact`` when it does not say)."""
    return str(getattr(observation, "kind", None) or "exact")


def rel_error_of(observation) -> float:
    """An observation's relative error (0 when it does not say)."""
    return float(getattr(observation, "relative_error", None) or 0.0)


def date_of(observation) -> dt.date:
    """An observation's date (a datetime's day)."""
    date = observation[0]
    return date.date() if isinstance(date, dt.datetime) else date


@dataclass(frozen=True)
class Targets:
    """The observations a fit compares with: for each, its series' index and its day's index among ``days``."""

    days: tuple[int, ...]  # the days compared, in order: what each replication keeps
    series: np.ndarray  # per observation: the index of its series in the run's series
    at: np.ndarray  # per observation: the index of its day in ``days``
    values: np.ndarray
    kinds: np.ndarray  # per observation: the index of its kind in KINDS
    bands: np.ndarray  # per observation: relative_error * value (approx only)

    def distances(self, kept: np.ndarray) -> np.ndarray:
        """The distance of each replication, from its strength on ``days`` (replications, series, len(days))."""
        return rms(self.errors(kept[:, self.series, self.at].astype(float)))

    def errors(self, x: np.ndarray) -> np.ndarray:
        """Each replication's scaled error for each observation (``x``: (replications, observations))."""
        v = self.values[None, :]
        gap = np.select([self.kinds == 0, self.kinds == 1, self.kinds == 2, self.kinds == 3],
                        [np.abs(x - v), np.maximum(np.abs(x - v) - self.bands, 0.0),
                         np.maximum(v - x, 0.0), np.maximum(x - v, 0.0)])
        return gap / np.maximum(self.values, 1.0)[None, :]


def rms(errors: np.ndarray) -> np.ndarray:
    """The root mean square of each row."""
    return np.sqrt(np.mean(errors * errors, axis=1))


def check_kinds(observations: Sequence) -> None:
    """ObservationError for a kind a fit does not know."""
    for k, obs in enumerate(observations):
        where = getattr(obs, "where", "") or f"observation {k + 1}"
        kind = kind_of(obs)
        if kind not in KINDS:
            raise ObservationError(f"{where}: kind {kind!r}: sim calibrate compares {', '.join(KINDS)}")
        if kind == "approx" and not rel_error_of(obs) >= 0:
            raise ObservationError(f"{where}: relative_error must be >= 0 for an approx observation")


def to_fit(scenario: Scenario, observations: Sequence) -> tuple[list, list[str]]:
    """``(kept, warnings)``: the observations a fit compares (strength on the ground of a series the scenario has),
    and a warning for each left out (a country it lacks; cumulative arrivals, which only ``sim backtest`` scores)."""
    kept, warnings = check_observations(scenario, observations)
    out = []
    for obs in kept:
        if str(getattr(obs, "quantity", "strength")) == "arrived" or str(obs[1]).startswith(ARRIVED):
            warnings.append(f"{getattr(obs, 'where', '') or obs[1]}: {obs[1]}: cumulative arrivals are scored by sim "
                            f"backtest but not fitted; left out of the fit")
        else:
            out.append(obs)
    return out, warnings


def targets(scenario: Scenario, observations: Sequence) -> Targets:
    """The Targets of ``observations`` (checked: kinds, series, dates within the run) on ``scenario``."""
    check_kinds(observations)
    names = [c.country for c in scenario.contingents] + ["total"]
    days = sorted({scenario.day(date_of(obs)) for obs in observations})
    where = {day: k for k, day in enumerate(days)}
    return Targets(
        days=tuple(days),
        series=np.array([names.index(obs[1]) for obs in observations], dtype=np.int64),
        at=np.array([where[scenario.day(date_of(obs))] for obs in observations], dtype=np.int64),
        values=np.array([float(obs[2]) for obs in observations]),
        kinds=np.array([KINDS.index(kind_of(obs)) for obs in observations], dtype=np.int64),
        bands=np.array([rel_error_of(obs) * float(obs[2]) for obs in observations]),
    )
