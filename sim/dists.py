"""Distributions of the scenario language.

A scenario value that varies between replications is a :class:`Dist`. It is
parsed from a TOML table such as ``{dist = "lognormal", median = 60, sigma = 0.6}``
and drawn a block of replications at a time from one named random stream
(see :mod:`sim.streams`).

Every form but ``beta`` is drawn by inverse transform of one uniform number per
replication. So two scenarios compared with the same seed get *monotonically
coupled* draws: raising a median slip makes every replication's slip longer,
raising a probability only turns failures into successes. That is what makes
common random numbers effective for comparisons and sweeps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from .errors import SimError
from .text import quoted

#: The distribution forms and their parameters, in the order they are stored.
FORMS: dict[str, tuple[str, ...]] = {
    "fixed": ("value",),
    "uniform": ("low", "high"),
    "triangular": ("low", "mode", "high"),
    "normal": ("mean", "sd"),
    "lognormal": ("median", "sigma"),
    "beta": ("mean", "sd"),
    "bernoulli": ("p",),
}

_STANDARD_NORMAL = NormalDist()
_TINY = 1e-12


class DistError(SimError, ValueError):
    """A malformed distribution table; ``key`` is the offending sub-key or None."""

    def __init__(self, message: str, key: str | None = None):
        super().__init__(message)
        self.key = key


@dataclass(frozen=True)
class Dist:
    """One distribution: ``kind`` is a key of :data:`FORMS`, ``params`` its parameters."""

    kind: str
    params: tuple[float, ...]

    @classmethod
    def fixed(cls, value: float) -> "Dist":
        """The distribution that always gives ``value`` (as a float)."""
        return cls("fixed", (float(value),))

    @classmethod
    def from_table(cls, table: dict) -> "Dist":
        """Parse and check a distribution table; raise :class:`DistError` if it is wrong."""
        kind = table.get("dist")
        if not isinstance(kind, str):
            raise DistError(f"a distribution table needs dist = one of {_forms()}", "dist")
        if kind not in FORMS:
            raise DistError(f"unknown distribution {quoted(kind)}; allowed: {_forms()}", "dist")
        names = FORMS[kind]
        for key in table:
            if key != "dist" and key not in names:
                raise DistError(f"unknown parameter {quoted(key)} for {kind}; expected {', '.join(names)}", key)
        values = []
        for name in names:
            if name not in table:
                raise DistError(f"{kind} needs {', '.join(names)}; {quoted(name)} is missing", name)
            value = table[name]
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise DistError(f"{name} must be a finite number, got {quoted(value)}", name)
            if not (-1e300 <= value <= 1e300):  # nan, inf, and integers too large for a float
                shown = value if isinstance(value, float) else f"a {int(value.bit_length() * 0.30103) + 1:,}-digit number"
                raise DistError(f"{name} must be a finite number within +-1e300, got {shown}", name)
            values.append(float(value))
        dist = cls(kind, tuple(values))
        dist._check()
        return dist

    def _check(self) -> None:
        """Raise :class:`DistError` if the parameters are impossible for the form (low > high, sd < 0, ...)."""
        p = self.params
        if self.kind == "uniform" and p[0] > p[1]:
            raise DistError(f"uniform needs low <= high, got low={p[0]:g} > high={p[1]:g}", "high")
        if self.kind == "triangular" and not p[0] <= p[1] <= p[2]:
            raise DistError(f"triangular needs low <= mode <= high, got {p[0]:g}, {p[1]:g}, {p[2]:g}", "mode")
        if self.kind in ("normal", "lognormal") and p[1] < 0:
            raise DistError(f"{FORMS[self.kind][1]} must be >= 0, got {p[1]:g}", FORMS[self.kind][1])
        if self.kind == "lognormal" and p[0] <= 0:
            raise DistError(f"lognormal median must be > 0, got {p[0]:g}", "median")
        if self.kind == "bernoulli" and not 0 <= p[0] <= 1:
            raise DistError(f"p must be in [0, 1], got {p[0]:g}", "p")
        if self.kind == "beta":
            mean, sd = p
            if not 0 < mean < 1:
                raise DistError(f"beta mean must be strictly between 0 and 1, got {mean:g}", "mean")
            if not 0 < sd * sd < mean * (1 - mean):
                limit = math.sqrt(mean * (1 - mean))
                raise DistError(
                    f"impossible beta: sd must be > 0 and < sqrt(mean*(1-mean)) = {limit:.4g}, got {sd:g}", "sd"
                )

    @property
    def is_fixed(self) -> bool:
        """True for a fixed value (no random draw)."""
        return self.kind == "fixed"

    def support(self) -> tuple[float, float]:
        """The smallest and largest value a draw can take (before any clipping by the model)."""
        p = self.params
        if self.kind == "fixed":
            return p[0], p[0]
        if self.kind in ("uniform",):
            return p[0], p[1]
        if self.kind == "triangular":
            return p[0], p[2]
        if self.kind == "normal":
            return (-math.inf, math.inf) if p[1] > 0 else (p[0], p[0])
        if self.kind == "lognormal":
            return (0.0, math.inf) if p[1] > 0 else (p[0], p[0])
        return 0.0, 1.0  # beta, bernoulli

    def mean(self) -> float:
        """The distribution's mean (for bernoulli, ``p``)."""
        p = self.params
        return {
            "fixed": lambda: p[0],
            "uniform": lambda: (p[0] + p[1]) / 2,
            "triangular": lambda: (p[0] + p[1] + p[2]) / 3,
            "normal": lambda: p[0],
            "lognormal": lambda: p[0] * math.exp(min(p[1] ** 2 / 2, 700.0)),
            "beta": lambda: p[0],
            "bernoulli": lambda: p[0],
        }[self.kind]()

    def sample(self, gen: np.random.Generator, n: int) -> np.ndarray:
        """``n`` independent draws, using ``gen`` (which a fixed value does not touch)."""
        p = self.params
        if self.kind == "fixed":
            return np.full(n, p[0])
        if self.kind == "beta":
            mean, sd = p
            common = mean * (1 - mean) / (sd * sd) - 1
            return gen.beta(mean * common, (1 - mean) * common, n)
        u = gen.random(n)
        if self.kind == "uniform":
            return p[0] + u * (p[1] - p[0])
        if self.kind == "bernoulli":
            return (u < p[0]).astype(float)
        if self.kind == "triangular":
            low, mode, high = p
            width = high - low
            if width == 0:
                return np.full(n, low)
            cut = (mode - low) / width
            left = low + np.sqrt(u * width * (mode - low))
            right = high - np.sqrt((1 - u) * width * (high - mode))
            return np.where(u < cut, left, right)
        z = np.array([_STANDARD_NORMAL.inv_cdf(x) for x in np.clip(u, _TINY, 1 - _TINY)])
        with np.errstate(over="ignore"):  # huge parameters draw infinities, which the model clips
            if self.kind == "normal":
                return p[0] + p[1] * z
            return p[0] * np.exp(p[1] * z)  # lognormal

    def to_toml(self) -> dict | float:
        """The value as it would be written in a scenario file."""
        if self.kind == "fixed":
            return self.params[0]
        return {"dist": self.kind, **dict(zip(FORMS[self.kind], self.params))}

    def __str__(self) -> str:
        if self.kind == "fixed":
            return f"{self.params[0]:g}"
        args = ", ".join(f"{k}={v:g}" for k, v in zip(FORMS[self.kind], self.params))
        return f"{self.kind}({args})"


def _forms() -> str:
    """The form names, comma-separated, for error messages."""
    return ", ".join(FORMS)


def round_half_up(x: float) -> int:
    """Round to the nearest integer, halves upwards (docs/design.md section 2)."""
    return math.floor(x + 0.5)
