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

A ``mixture`` (``{dist = "mixture", weights = [...], of = [...]}``) is drawn from one
uniform ``u`` too: the component whose cumulative-weight interval holds ``u``, at
``u``'s position within that interval (:meth:`Dist.quantile`). A ``beta`` component, or a
correlated beta draw, is inverted with :func:`beta_quantile`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np

from .beta import beta_quantile, beta_root
from .errors import SimError
from .text import did_you_mean, quoted

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

#: The form whose parameters are ``weights`` and ``of``, a list of the other forms.
MIXTURE = "mixture"

#: How far from 1 a mixture's weights may sum.
WEIGHT_TOLERANCE = 1e-9

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
    #: a mixture's components, in order (its ``params`` are their weights); empty for every other form
    parts: tuple["Dist", ...] = ()
    #: a replication's own parameters (``--vary`` of a parameter): drawn by inverse transform of its stream's uniform
    own: bool = field(default=False, compare=False, repr=False)

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
        if kind == MIXTURE:
            return cls._mixture(table)
        if kind not in FORMS:
            raise DistError(f"unknown distribution {quoted(kind)}; allowed: {_forms()}", "dist")
        names = FORMS[kind]
        for key in table:
            if key != "dist" and key not in names:
                raise DistError(f"unknown parameter {quoted(key)} for {kind}{did_you_mean(key, names)}; expected "
                                f"{', '.join(names)}", key)
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

    @classmethod
    def _mixture(cls, table: dict) -> "Dist":
        """Parse a mixture table: ``weights`` (non-negative, summing to 1) and ``of`` (as many non-mixture forms)."""
        for key in table:
            if key not in ("dist", "weights", "of"):
                raise DistError(f"unknown parameter {quoted(key)} for mixture{did_you_mean(key, ('weights', 'of'))}; "
                                "expected weights, of", key)
        weights, parts = table.get("weights"), table.get("of")
        if not isinstance(weights, list) or not weights:
            raise DistError("mixture needs weights = [w1, w2, ...], a non-empty array of numbers", "weights")
        if not isinstance(parts, list) or len(parts) != len(weights):
            raise DistError(f"mixture needs of = [...], one distribution per weight ({len(weights)})", "of")
        for w in weights:
            if isinstance(w, bool) or not isinstance(w, (int, float)) or not math.isfinite(w) or w < 0:
                raise DistError(f"mixture weights must be finite numbers >= 0, got {w!r}", "weights")
        if abs(math.fsum(weights) - 1) > WEIGHT_TOLERANCE:
            raise DistError(f"mixture weights must sum to 1, got {math.fsum(weights):.10g}", "weights")
        components = []
        for k, part in enumerate(parts):
            if isinstance(part, dict) and part.get("dist") == MIXTURE:
                raise DistError("a mixture's components cannot be mixtures", f"of.{k}")
            try:
                if isinstance(part, dict):
                    components.append(cls.from_table(part))
                elif not isinstance(part, bool) and isinstance(part, (int, float)) and math.isfinite(part):
                    components.append(cls.fixed(part))
                else:
                    raise DistError(f"a mixture component must be a distribution table, got {part!r}", None)
            except DistError as error:
                raise DistError(str(error), f"of.{k}" + (f".{error.key}" if error.key else "")) from None
        return cls(MIXTURE, tuple(float(w) for w in weights), tuple(components))

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

    def with_param(self, name: str, value: float) -> "Dist":
        """This form with parameter ``name`` set to ``value``, marked as a replication's own (DistError if impossible)."""
        names = FORMS.get(self.kind, ())
        if name not in names:
            raise DistError(f"{self.kind} has no parameter {name!r}" + (f"; it has {', '.join(names)}" if names else ""), name)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise DistError(f"{name} must be a finite number, got {value!r}", name)
        params = tuple(float(value) if k == name else v for k, v in zip(names, self.params))
        dist = Dist(self.kind, params, own=True)
        dist._check()
        return dist

    @property
    def is_fixed(self) -> bool:
        """True for a fixed value (no random draw)."""
        return self.kind == "fixed"

    def weighted_parts(self) -> list[tuple[float, "Dist"]]:
        """A mixture's (weight, component) pairs that can be drawn (weight above 0)."""
        return [(w, part) for w, part in zip(self.params, self.parts) if w > 0]

    def support(self) -> tuple[float, float]:
        """The smallest and largest value a draw can take (before any clipping by the model)."""
        p = self.params
        if self.kind == MIXTURE:
            ranges = [part.support() for _, part in self.weighted_parts()]
            return min(lo for lo, _ in ranges), max(hi for _, hi in ranges)
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
        if self.kind == MIXTURE:
            return math.fsum(w * part.mean() for w, part in self.weighted_parts())
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
        return self.quantile(gen.random(n))

    def quantile(self, u: np.ndarray) -> np.ndarray:
        """The values at the uniform numbers ``u`` (the inverse transform ``sample`` uses; exact for beta too)."""
        p = self.params
        kind = self.kind
        if kind == "fixed":
            return np.full(len(u), p[0])
        if kind == "uniform":
            return p[0] + u * (p[1] - p[0])
        if kind == "bernoulli":
            return (u < p[0]).astype(float)
        if kind == "triangular":
            low, mode, high = p
            width = high - low
            if width == 0:
                return np.full(len(u), low)
            cut = (mode - low) / width
            left = low + np.sqrt(u * width * (mode - low))
            right = high - np.sqrt((1 - u) * width * (high - mode))
            return np.where(u < cut, left, right)
        if kind == "beta":
            mean, sd = p
            common = mean * (1 - mean) / (sd * sd) - 1
            return beta_quantile(mean * common, (1 - mean) * common, u)
        if kind == MIXTURE:
            return self._mixture_quantile(np.asarray(u, dtype=float))
        z = normal_quantiles(u)
        with np.errstate(over="ignore"):  # huge parameters draw infinities, which the model clips
            if kind == "normal":
                return p[0] + p[1] * z
            return p[0] * np.exp(p[1] * z)  # lognormal

    def value_at(self, u: float) -> float:
        """The value at one uniform number ``u``: :meth:`quantile` of one number, a beta without the cached grid
        (a replication's own parameters are seen once; docs/design.md section 1)."""
        p, kind = self.params, self.kind
        if kind in ("normal", "lognormal"):  # as quantile() computes it, without its arrays
            z = _STANDARD_NORMAL.inv_cdf(min(max(u, _TINY), 1 - _TINY))
            with np.errstate(over="ignore"):
                return p[0] + p[1] * z if kind == "normal" else float(p[0] * np.exp(p[1] * z))
        if kind == "uniform":
            return p[0] + u * (p[1] - p[0])
        if kind != "beta":
            return float(self.quantile(np.array([u]))[0])
        mean, sd = p
        common = mean * (1 - mean) / (sd * sd) - 1
        a, b = mean * common, (1 - mean) * common
        if u <= 0 or u >= 1:
            return 0.0 if u <= 0 else 1.0
        log_norm = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
        return beta_root(a, b, log_norm, float(u), mean, 0.0, 1.0)

    def _mixture_quantile(self, u: np.ndarray) -> np.ndarray:
        """Component k for ``u`` in [W_{k-1}, W_k), at position (u - W_{k-1}) / w_k within it."""
        weights = np.array(self.params) / math.fsum(self.params)
        upper = np.cumsum(weights)
        lower = upper - weights
        drawable = np.flatnonzero(weights > 0)
        k = np.searchsorted(upper, u, side="right")
        k = np.where(k > drawable[-1], drawable[-1], k)  # u at or above the last bound, by rounding
        position = np.clip((u - lower[k]) / weights[k], 0.0, 1.0)
        out = np.empty(len(u))
        for j in drawable:
            chosen = k == j
            if chosen.any():
                out[chosen] = self.parts[j].quantile(position[chosen])
        return out

    def to_toml(self) -> dict | float:
        """The value as it would be written in a scenario file."""
        if self.kind == "fixed":
            return self.params[0]
        if self.kind == MIXTURE:
            parts = [{"dist": "fixed", "value": d.params[0]} if d.is_fixed else d.to_toml() for d in self.parts]
            return {"dist": MIXTURE, "weights": list(self.params), "of": parts}
        return {"dist": self.kind, **dict(zip(FORMS[self.kind], self.params))}

    def __str__(self) -> str:
        if self.kind == MIXTURE:
            return "mixture(" + ", ".join(f"{w:g}*{part}" for w, part in zip(self.params, self.parts)) + ")"
        if self.kind == "fixed":
            return f"{self.params[0]:g}"
        args = ", ".join(f"{k}={v:g}" for k, v in zip(FORMS[self.kind], self.params))
        return f"{self.kind}({args})"


def _forms() -> str:
    """The form names, comma-separated, for error messages."""
    return ", ".join([*FORMS, MIXTURE])


def normal_quantiles(u: np.ndarray) -> np.ndarray:
    """The standard normal quantiles of ``u``, clipped to [1e-12, 1 - 1e-12] first."""
    return np.array([_STANDARD_NORMAL.inv_cdf(x) for x in np.clip(u, _TINY, 1 - _TINY)])


def normal_cdf(z: np.ndarray) -> np.ndarray:
    """The standard normal distribution function at ``z``."""
    return np.array([0.5 * math.erfc(-x / math.sqrt(2)) for x in np.asarray(z, dtype=float)])


def round_half_up(x: float) -> int:
    """Round to the nearest integer, halves upwards (docs/design.md section 2)."""
    return math.floor(x + 0.5)
