"""PRIM, the patient rule induction method (Friedman and Fisher, 1999, "Bump hunting in high-dimensional
data"), as scenario discovery uses it: boxes over the varied keys in which the design points that show an
outcome are dense.

* **Peeling.** From the box that holds every point, remove the points at the low or the high end of one
  key, at most PEEL (5%) of the box's points at a time (all points of a tied value go together), choosing
  the key and end that leave the highest density (the share of the box's points that show the outcome);
  ties go to the larger box, then to the first key. Stop before the box holds less than MIN_MASS (5%)
  of the points. Every box on the way is a step of the peeling trajectory.
* **Choosing.** The box of the trajectory with the highest coverage (the share of all points showing the
  outcome that it holds) among those whose density is at least the threshold.
* **Trimming.** Each end that peeling moved is then drawn in past the points at it that do not show the
  outcome, one value at a time, while no point that shows it is lost: a peel takes up to 5% of the box at
  once, and may stop short of where the points that show the outcome begin.
* **Pasting.** Then widen one end of one key at a time to take in the nearest points outside it (up to
  PASTE of the box's points, else the nearest value alone) while the density does not fall and the
  coverage grows: a limit that peeling cut too deep is put back where the data say it is.
* **Pruning.** A restriction whose quasi p-value (below) is above SIGNIFICANT is lifted, the weakest
  first, as long as the box stays at least as dense as the threshold: a key that peeling trimmed by chance
  is not reported as mattering.
* **Covering.** Set the points of the box aside and look for the next box among the others, up to
  MAX_BOXES, while a box reaches the threshold. Coverage is always a share of all the points showing the
  outcome.

A key is *restricted* by a box when its limits leave out some design point; its quasi p-value is the
one-sided binomial probability of the box's density or more, were the key not restricted (the test of
the EMA Workbench's ``prim``): a large one says the restriction may be noise.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

PEEL = 0.05
PASTE = 0.05
MIN_MASS = 0.05
MAX_BOXES = 5
SIGNIFICANT = 0.05


@dataclass(frozen=True)
class Box:
    """A box over the keys: ``limits`` (keys x 2, low and high, inclusive), what it holds and how dense it is."""

    limits: np.ndarray
    restricted: tuple[int, ...]  # the keys whose limits leave out a design point
    coverage: float  # share of all points showing the outcome that the box holds
    density: float  # share of the box's points that show the outcome
    mass: float  # share of all points the box holds
    points: int
    p_values: dict = field(default_factory=dict)  # restricted key -> quasi p-value


@dataclass(frozen=True)
class Peeling:
    """One box's peeling trajectory (the first box holds every point still in play) and the box chosen on it."""

    steps: list
    chosen: int | None


def prim(x: np.ndarray, y: np.ndarray, bounds: np.ndarray, threshold: float,
         max_boxes: int = MAX_BOXES) -> tuple[list[Box], list[Peeling]]:
    """Boxes (after pasting) and each box's peeling trajectory, for points ``x`` (points x keys), outcomes ``y``
    (booleans) and the keys' ranges ``bounds`` (keys x 2). The last trajectory may have no box chosen (none
    reached ``threshold``)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=bool)
    bounds = np.asarray(bounds, dtype=float)
    total = int(y.sum())
    active = np.ones(len(y), dtype=bool)
    boxes, trajectories = [], []
    while len(boxes) < max_boxes and total and y[active].any():
        steps = _peel(x, y, active, bounds, total)
        chosen = _choose(steps, threshold)
        trajectories.append(Peeling(steps, chosen))
        if chosen is None:
            break
        box = _paste(x, y, active, bounds, total, _trim(x, y, active, bounds, steps[chosen].limits))
        box = _prune(x, y, active, bounds, total, box, threshold)
        boxes.append(box)
        active &= ~_inside(x, box.limits)
    return boxes, trajectories


def _inside(x: np.ndarray, limits: np.ndarray) -> np.ndarray:
    """Which points lie in the box ``limits`` (inclusive)."""
    return np.all((x >= limits[:, 0]) & (x <= limits[:, 1]), axis=1)


def _box(x, y, active, bounds, total, limits, tested: bool = False) -> Box:
    """The box ``limits`` among the ``active`` points: its statistics, restricted keys (and, if ``tested``, their
    p-values)."""
    limits = _normalised(x, bounds, limits)
    inside = active & _inside(x, limits)
    count, hits = int(inside.sum()), int(y[inside].sum())
    restricted = tuple(j for j in range(len(limits)) if (limits[j] != bounds[j]).any())
    density = hits / count if count else 0.0
    p_values = {}
    for j in restricted if tested else ():
        wider = limits.copy()
        wider[j] = bounds[j]
        others = active & _inside(x, wider)
        p_values[j] = _binomial_tail(hits, count, float(y[others].mean()) if others.any() else 0.0)
    return Box(limits, restricted, hits / total, density, count / len(y), count, p_values)


def _normalised(x, bounds, limits) -> np.ndarray:
    """``limits`` with an end that leaves out no design point set back to the key's range."""
    limits = np.array(limits, dtype=float)
    lows, highs = x.min(axis=0), x.max(axis=0)
    limits[:, 0] = np.where(limits[:, 0] <= lows, bounds[:, 0], limits[:, 0])
    limits[:, 1] = np.where(limits[:, 1] >= highs, bounds[:, 1], limits[:, 1])
    return limits


def _binomial_tail(hits: int, count: int, p: float) -> float:
    """P(X >= hits) for X ~ Binomial(count, p), rounded to 4 decimals."""
    from scipy.stats import binom  # with SALib (the analysis extra)

    return round(float(binom.sf(hits - 1, count, p)), 4)


def _peel(x, y, active, bounds, total) -> list[Box]:
    """The peeling trajectory from the box of every active point."""
    limits = bounds.copy()
    steps = [_box(x, y, active, bounds, total, limits)]
    floor = MIN_MASS * len(y)
    while True:
        inside = active & _inside(x, limits)
        best = None
        for j in range(x.shape[1]):
            for side in (0, 1):
                cut = _peel_cut(x[inside, j], side)
                if cut is None:
                    continue
                kept = inside & ((x[:, j] >= cut) if side == 0 else (x[:, j] <= cut))
                count = int(kept.sum())
                if count < floor or count == 0:
                    continue
                score = (float(y[kept].mean()), count)
                if best is None or score > best[0]:
                    best = (score, j, side, cut)
        if best is None:
            return steps
        _, j, side, cut = best
        limits = limits.copy()
        limits[j, side] = cut
        steps.append(_box(x, y, active, bounds, total, limits))


def _peel_cut(values: np.ndarray, side: int) -> float | None:
    """The new limit after peeling at most PEEL of ``values`` from the low (0) or high (1) end (a tied value
    whole; at least one value), or None when nothing can be peeled."""
    values = np.sort(values) if side == 0 else -np.sort(values)[::-1]
    if len(values) < 2 or values[0] == values[-1]:
        return None
    cut = values[max(1, int(PEEL * len(values)))]
    if cut == values[0]:  # the slice is one tied value: peel it whole
        cut = values[np.searchsorted(values, values[0], side="right")]
    return float(cut if side == 0 else -cut)


def _choose(steps: list[Box], threshold: float) -> int | None:
    """The step with the highest coverage among those at least ``threshold`` dense (then the densest), or None."""
    dense = [k for k, box in enumerate(steps) if box.density >= threshold and box.points]
    if not dense:
        return None
    return max(dense, key=lambda k: (steps[k].coverage, steps[k].density, -k))


def _trim(x, y, active, bounds, limits) -> np.ndarray:
    """``limits`` with each end peeling moved drawn in while the points at it all miss the outcome."""
    limits = np.array(limits, dtype=float)
    moved = True
    while moved:
        moved = False
        inside = active & _inside(x, limits)
        for j in range(x.shape[1]):
            for side in (0, 1):
                if limits[j, side] == bounds[j, side]:
                    continue
                values = x[inside, j]
                edge = values.min() if side == 0 else values.max()
                at_edge = inside & (x[:, j] == edge)
                rest = values[values > edge] if side == 0 else values[values < edge]
                if y[at_edge].any() or not len(rest):
                    continue
                limits[j, side] = rest.min() if side == 0 else rest.max()
                inside &= ~at_edge
                moved = True
    return limits


def _prune(x, y, active, bounds, total, box: Box, threshold: float) -> Box:
    """``box`` with its restrictions that are not significant lifted, the weakest first, while it stays dense."""
    while box.p_values:
        j = max(box.p_values, key=lambda k: (box.p_values[k], -k))
        if box.p_values[j] <= SIGNIFICANT:
            return box
        wider = box.limits.copy()
        wider[j] = bounds[j]
        candidate = _box(x, y, active, bounds, total, wider, tested=True)
        if candidate.density < threshold:
            return box
        box = candidate
    return box


def _paste(x, y, active, bounds, total, limits) -> Box:
    """The box ``limits`` widened end by end while its density does not fall and its coverage grows."""
    box = _box(x, y, active, bounds, total, limits)
    while True:
        inside = active & _inside(x, box.limits)
        size = max(1, int(PASTE * int(inside.sum())))
        best = None
        for amount in (size, 1):
            for j in range(x.shape[1]):
                for side in (0, 1):
                    wider = _paste_limits(x, active, box.limits, j, side, amount)
                    if wider is None:
                        continue
                    candidate = _box(x, y, active, bounds, total, wider)
                    if candidate.density >= box.density and candidate.coverage > box.coverage:
                        score = (candidate.density, candidate.coverage)
                        if best is None or score > best[0]:
                            best = (score, candidate)
            if best is not None:
                break
        if best is None:
            return _box(x, y, active, bounds, total, box.limits, tested=True)
        box = best[1]


def _paste_limits(x, active, limits, j, side, amount) -> np.ndarray | None:
    """``limits`` with key ``j``'s low (0) or high (1) end moved out to take in the ``amount`` nearest active
    points outside it (and every point tied with the last), or None when there is none."""
    others = np.delete(np.arange(x.shape[1]), j)
    near = active & np.all((x[:, others] >= limits[others, 0]) & (x[:, others] <= limits[others, 1]), axis=1)
    outside = x[near, j][x[near, j] < limits[j, 0]] if side == 0 else x[near, j][x[near, j] > limits[j, 1]]
    if not len(outside):
        return None
    ordered = np.sort(outside)[::-1] if side == 0 else np.sort(outside)
    wider = limits.copy()
    wider[j, side] = ordered[min(amount, len(ordered)) - 1]
    return wider
