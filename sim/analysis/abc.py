"""Approximate Bayesian computation by sequential Monte Carlo: population Monte Carlo (Beaumont, Cornuet, Marin and
Robert 2009) with adaptive tolerances (the alpha-quantile of the previous generation's distances, as in Del Moral,
Doucet and Jasra 2012 and Drovandi and Pettitt 2011). Every random number comes from a named stream, so a fit is a
pure function of (priors, simulator, seed, options) (docs/design.md section 5, ``sim calibrate``; issue #13).

Generation 0 draws ``N`` particles from the priors and keeps them all. Generation ``t`` sets its tolerance to the
weighted alpha-quantile of generation ``t - 1``'s distances (lower if ties would leave every particle in), proposes
particles by picking one of generation ``t - 1`` by weight and moving it by a Gaussian kernel of twice their weighted
covariance (again, ancestor and move, until inside the priors' box), simulates them in batches and keeps the first
``N`` within the tolerance, weighted ``prior(theta) / sum_j W_j K(theta - theta_j)``. It stops after ``generations``
generations, when every particle matches exactly or all lie at one distance, or when a generation cannot be
completed within ``N / min_acceptance`` simulations (its acceptance rate is too low; the generation before it is the
result) or within the budget of ``simulations``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Mapping

import numpy as np

from ..dists import Dist
from ..errors import InputError
from ..scenario.limits import MAX_REPLICATIONS
from ..streams import BLOCK, name_key
from .priors import box, draw, joint_density, weighted_quantile

#: How much more than the expected number of simulations a batch proposes, so that one batch usually suffices.
MARGIN = 1.15
#: Rows of particles whose kernel densities are summed at once (memory: rows x particles x keys floats).
ROWS = 256

#: Why a fit stopped, in words.
STOPS = {
    "generations": "the most generations asked for were run",
    "exact": "every particle matches the observations exactly (distance 0)",
    "tolerance": "every particle lies at the same distance: the tolerance cannot shrink further",
    "acceptance": "the next generation's acceptance rate fell below the minimum",
    "budget": "the budget of simulations was spent before the next generation was complete",
}


@dataclass(frozen=True)
class Options:
    """A fit's settings: particles per generation, the tolerance quantile, the lowest acceptance rate, the most
    generations (the prior's included) and the most simulations in all."""

    particles: int = 1000
    alpha: float = 0.5
    min_acceptance: float = 0.02
    generations: int = 8
    simulations: int = 100_000

    def checked(self) -> "Options":
        """These options, or InputError naming the first that is out of range."""
        if not 10 <= self.particles <= MAX_REPLICATIONS:
            raise InputError(f"particles must be from 10 to {MAX_REPLICATIONS:,}, got {self.particles:,}")
        if not 0 < self.alpha < 1:
            raise InputError(f"alpha (the tolerance quantile) must be strictly between 0 and 1, got {self.alpha:g}")
        if not 0 < self.min_acceptance <= 1:
            raise InputError(f"the minimum acceptance rate must be in (0, 1], got {self.min_acceptance:g}")
        if not 1 <= self.generations <= 100:
            raise InputError(f"generations must be from 1 to 100, got {self.generations}")
        if not self.particles <= self.simulations <= 100 * MAX_REPLICATIONS:
            raise InputError(f"the budget of simulations must be from the number of particles ({self.particles:,}) to "
                             f"{100 * MAX_REPLICATIONS:,}, got {self.simulations:,}")
        return self


@dataclass
class Generation:
    """One population: its particles (one column per key), their normalised weights and distances, the tolerance
    they met (None for the prior's generation), and how many were simulated and met it."""

    number: int
    tolerance: float | None
    particles: np.ndarray
    weights: np.ndarray
    distances: np.ndarray
    simulated: int
    accepted: int
    batches: int = 1

    @property
    def acceptance(self) -> float:
        """Accepted over simulated."""
        return self.accepted / self.simulated

    @property
    def ess(self) -> float:
        """The effective sample size of the weights, 1 / sum(w^2)."""
        return float(1.0 / np.sum(self.weights**2))

    def to_json(self) -> dict:
        """The generation as JSON (floats exact as Python writes them), for the journal."""
        return {"number": self.number, "tolerance": self.tolerance, "particles": self.particles.tolist(),
                "weights": self.weights.tolist(), "distances": self.distances.tolist(), "simulated": self.simulated,
                "accepted": self.accepted, "batches": self.batches}

    @classmethod
    def from_json(cls, data: dict) -> "Generation":
        """The generation :meth:`to_json` wrote."""
        return cls(int(data["number"]), data["tolerance"], np.array(data["particles"], dtype=float),
                   np.array(data["weights"], dtype=float), np.array(data["distances"], dtype=float),
                   int(data["simulated"]), int(data["accepted"]), int(data["batches"]))


@dataclass
class Fit:
    """The generations of a fit, why it stopped and how many replications it simulated in all."""

    keys: list[str]
    generations: list[Generation]
    stopped: str
    simulated: int
    history: list = field(default_factory=list)

    @property
    def last(self) -> Generation:
        """The final population: the posterior."""
        return self.generations[-1]


#: ``simulate(table, seed)``: the distance of each row of ``table`` ({key: column}), simulated with ``seed``.
Simulate = Callable[[dict, int], np.ndarray]


def stream(seed: int, generation: int, batch: int, *what) -> np.random.Generator:
    """The generator of the stream ``("abc", *what)`` for a generation's batch."""
    sequence = np.random.SeedSequence(seed, spawn_key=(generation, batch, *name_key(("abc", *what))))
    return np.random.Generator(np.random.PCG64(sequence))


def simulation_seed(seed: int, generation: int, batch: int) -> int:
    """The seed of a batch's simulations: from the stream ``("abc", "simulate")``, below 2**63."""
    sequence = np.random.SeedSequence(seed, spawn_key=(generation, batch, *name_key(("abc", "simulate"))))
    return int(sequence.generate_state(1, np.uint64)[0] >> np.uint64(1))


def smc(priors: Mapping[str, Dist], simulate: Simulate, seed: int, options: Options,
        done: list[Generation] = (), stopped: dict | None = None,
        report: Callable[[Generation | dict], None] | None = None) -> Fit:
    """Fit ``priors`` by ABC-SMC; ``done`` are generations already run (from a journal) and ``stopped`` a stop
    already decided, so that a resumed fit ends as an uninterrupted one. ``report`` gets each new generation, then
    the stop (``{"reason", "simulated"}``)."""
    options = options.checked()
    keys = list(priors)
    generations = list(done)
    simulated = sum(g.simulated for g in generations)
    if stopped is not None:
        return Fit(keys, generations, stopped["reason"], int(stopped["simulated"]))
    while True:
        reason, tolerance = _stop_before(generations, options)
        if reason:
            break
        if not generations:
            generation = _first(priors, simulate, seed, options)
        else:
            generation, spent, reason = _next(priors, simulate, seed, options, generations[-1], tolerance,
                                              options.simulations - simulated)
            if generation is None:
                simulated += spent
                break
        generations.append(generation)
        simulated += generation.simulated
        if report is not None:
            report(generation)
    if report is not None:
        report({"reason": reason, "simulated": simulated})
    return Fit(keys, generations, reason, simulated)


def _stop_before(generations: list[Generation], options: Options) -> tuple[str | None, float | None]:
    """(why the fit stops before the next generation, or None; that generation's tolerance)."""
    if not generations:
        return None, None
    if len(generations) >= options.generations:
        return "generations", None
    last = generations[-1]
    if float(last.distances.max()) == 0.0:
        return "exact", None
    tolerance = weighted_quantile(last.distances, last.weights, options.alpha)
    top = float(last.distances.max())
    if tolerance >= top:  # ties at the top would leave every particle in: the next lower distance
        below = last.distances[last.distances < top]
        if below.size == 0:
            return "tolerance", None
        tolerance = float(below.max())
    return None, tolerance


def _first(priors: Mapping[str, Dist], simulate: Simulate, seed: int, options: Options) -> Generation:
    """Generation 0: ``N`` particles from the priors (each key its own stream), every one kept, equal weights."""
    n = options.particles
    particles = np.column_stack([draw(prior, stream(seed, 0, 0, "prior", key), n) for key, prior in priors.items()])
    distances = simulate(_table(priors, particles), simulation_seed(seed, 0, 0))
    return Generation(0, None, particles, np.full(n, 1.0 / n), np.asarray(distances, dtype=float), n, n)


def _next(priors: Mapping[str, Dist], simulate: Simulate, seed: int, options: Options, previous: Generation,
          tolerance: float, budget: int) -> tuple[Generation | None, int, str | None]:
    """Generation ``previous.number + 1`` at ``tolerance``, or (None, simulations spent, why) if it cannot be
    completed within ``N / min_acceptance`` simulations or the ``budget`` left."""
    t, n = previous.number + 1, options.particles
    by_rate = math.ceil(n / options.min_acceptance)
    cap = min(by_rate, budget)
    chol = _kernel(priors, previous)
    low, high = box(priors)
    kept, distances = [], []
    spent = accepted = batch = 0
    while len(kept) < n:
        rate = accepted / spent if spent else previous.acceptance * options.alpha
        size = math.ceil(MARGIN * (n - len(kept)) / max(rate, options.min_acceptance))
        size = min(max(BLOCK, -(-size // BLOCK) * BLOCK), cap - spent, MAX_REPLICATIONS)
        if size <= 0:
            return None, spent, "acceptance" if cap == by_rate else "budget"
        proposed = _propose(priors, previous, chol, low, high, stream(seed, t, batch, "propose"), size)
        found = np.asarray(simulate(_table(priors, proposed), simulation_seed(seed, t, batch)), dtype=float)
        spent, batch = spent + size, batch + 1
        inside = np.flatnonzero(found <= tolerance)
        accepted += inside.size
        take = inside[: n - len(kept)]
        kept.extend(proposed[take])
        distances.extend(found[take])
    particles = np.array(kept)
    weights = _weights(priors, particles, previous, chol)
    return Generation(t, tolerance, particles, weights, np.array(distances), spent, accepted, batch), spent, None


def _table(priors: Mapping[str, Dist], particles: np.ndarray) -> dict[str, np.ndarray]:
    """Particles as a parameter table: one column per key."""
    return {key: particles[:, k].copy() for k, key in enumerate(priors)}


def _kernel(priors: Mapping[str, Dist], previous: Generation) -> np.ndarray:
    """The lower Cholesky factor of twice the previous population's weighted covariance (each variance at least
    (1e-6 of the key's range)^2, so that a collapsed key still moves)."""
    w = previous.weights
    centred = previous.particles - np.einsum("n,nk->k", w, previous.particles)
    covariance = 2.0 * np.einsum("n,ni,nj->ij", w, centred, centred)
    low, high = box(priors)
    floor = (1e-6 * np.maximum(high - low, 1e-12)) ** 2
    covariance[np.diag_indices_from(covariance)] = np.maximum(np.diag(covariance), floor)
    for jitter in (0.0, 1e-9, 1e-6, 1e-3):
        try:
            return np.linalg.cholesky(covariance + jitter * np.diag(np.diag(covariance)))
        except np.linalg.LinAlgError:
            continue
    return np.diag(np.sqrt(np.diag(covariance)))


def _propose(priors: Mapping[str, Dist], previous: Generation, chol: np.ndarray, low: np.ndarray, high: np.ndarray,
             generator: np.random.Generator, size: int) -> np.ndarray:
    """``size`` particles: an ancestor by weight, moved by the kernel; drawn again (both) until inside the box."""
    cumulative = np.cumsum(previous.weights)
    n, keys = previous.particles.shape
    out, count, rounds = [], 0, 0
    while count < size:
        m = 2 * (size - count)
        ancestors = np.minimum(np.searchsorted(cumulative, generator.random(m) * cumulative[-1], side="right"), n - 1)
        moved = previous.particles[ancestors] + np.einsum("mk,jk->mj", generator.standard_normal((m, keys)), chol)
        inside = np.all((moved >= low) & (moved <= high), axis=1)
        inside &= joint_density(priors, moved) > 0
        out.append(moved[inside])
        count += int(inside.sum())
        rounds += 1
        if rounds > 10_000:
            raise InputError("the priors leave almost no room to propose in: check that every prior's support "
                             "holds the values the fit reaches")
    return np.concatenate(out)[:size]


def _weights(priors: Mapping[str, Dist], particles: np.ndarray, previous: Generation, chol: np.ndarray) -> np.ndarray:
    """Importance weights prior(theta) / sum_j W_j K(theta - theta_j), normalised (sums without BLAS, so the same
    numbers whatever the number of threads)."""
    inverse = np.linalg.inv(chol)
    new = np.einsum("nk,jk->nj", particles, inverse)
    old = np.einsum("nk,jk->nj", previous.particles, inverse)
    log_w = np.log(previous.weights)
    log_mixture = np.empty(len(particles))
    for start in range(0, len(particles), ROWS):
        gap = new[start : start + ROWS, None, :] - old[None, :, :]
        exponent = log_w[None, :] - 0.5 * np.sum(gap * gap, axis=2)
        top = exponent.max(axis=1)
        log_mixture[start : start + ROWS] = top + np.log(np.sum(np.exp(exponent - top[:, None]), axis=1))
    with np.errstate(divide="ignore"):
        log_weights = np.log(joint_density(priors, particles)) - log_mixture
    weights = np.exp(log_weights - log_weights.max())
    return weights / weights.sum()
