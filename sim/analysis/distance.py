"""How far a replication is from what was reported: the observation model of ``sim calibrate``.

Each observation is ``(date, series, value)`` with a ``kind`` (``exact`` by default) and, for ``approx``, a
relative error ``relative_error`` (read with ``getattr``, so that plain tuples are exact observations). A replication's
figure ``x`` for it (the series' strength at the end of that day, or for ``arrived:COUNTRY`` the officers who had
ever arrived by then) is compared with the value ``v`` and scaled by ``s = max(v, 1)``:

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

from .observations import ObservationError, as_observation

if TYPE_CHECKING:
    from ..scenario import Scenario

KINDS = ("exact", "approx", "at_least", "at_most")


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
    """The observations a fit compares with: for each, where a replication's figure for it is kept."""

    days: tuple[int, ...]  # the days whose strength each replication keeps (every observed day), in order
    arrivals: tuple[tuple[str, int], ...]  # the (series, day) whose cumulative arrivals each replication records
    series: np.ndarray  # per observation: the index of its series in the run's series
    at: np.ndarray  # per observation: the index of its day in ``days``, or of its probe in ``arrivals`` (arrived)
    arrived: np.ndarray  # per observation: whether it counts cumulative arrivals (else strength on the ground)
    values: np.ndarray
    kinds: np.ndarray  # per observation: the index of its kind in KINDS
    bands: np.ndarray  # per observation: relative_error * value (approx only)

    def distances(self, kept: np.ndarray, arrived: np.ndarray | None = None) -> np.ndarray:
        """The distance of each replication, from its strength on ``days`` (replications, series, len(days)) and
        its cumulative arrivals at ``arrivals`` (replications, len(arrivals); needed when any is observed)."""
        x = np.empty((kept.shape[0], len(self.values)))
        ground = ~self.arrived
        x[:, ground] = kept[:, self.series[ground], self.at[ground]]
        if self.arrived.any():
            x[:, self.arrived] = arrived[:, self.at[self.arrived]]
        return rms(self.errors(x))

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


def series_of(observation) -> tuple[str, str]:
    """``(quantity, country)`` of an observation (a plain tuple's series read as an observations file's is);
    ObservationError for a series of no known form."""
    observation = as_observation(observation)
    return observation.quantity, observation.country


def is_arrived(observation) -> bool:
    """Whether an observation counts cumulative arrivals (``arrived:COUNTRY``) rather than strength."""
    return series_of(observation)[0] == "arrived"


def targets(scenario: Scenario, observations: Sequence) -> Targets:
    """The Targets of ``observations`` (checked: kinds, series, dates within the run) on ``scenario``."""
    check_kinds(observations)
    names = [c.country for c in scenario.contingents] + ["total"]
    series = [series_of(obs) for obs in observations]
    for obs, (_, country) in zip(observations, series):
        if country not in names:
            raise ObservationError(f"{getattr(obs, 'where', '') or obs[1]}: {country!r} is neither 'total' nor a "
                                   f"country of {scenario.name!r}")
    days = sorted({scenario.day(date_of(obs)) for obs in observations})
    where = {day: k for k, day in enumerate(days)}
    arrived = np.array([quantity == "arrived" for quantity, _ in series], dtype=bool)
    probes = sorted({(country, scenario.day(date_of(obs))) for obs, (_, country), a in zip(observations, series, arrived)
                     if a}, key=lambda p: (names.index(p[0]), p[1]))
    at = [probes.index((country, scenario.day(date_of(obs)))) if a else where[scenario.day(date_of(obs))]
          for obs, (_, country), a in zip(observations, series, arrived)]
    return Targets(
        days=tuple(days),
        arrivals=tuple(probes),
        series=np.array([names.index(country) for _, country in series], dtype=np.int64),
        at=np.array(at, dtype=np.int64),
        arrived=arrived,
        values=np.array([float(obs[2]) for obs in observations]),
        kinds=np.array([KINDS.index(kind_of(obs)) for obs in observations], dtype=np.int64),
        bands=np.array([rel_error_of(obs) * float(obs[2]) for obs in observations]),
    )
