"""Running a design: every point of a sensitivity analysis or a discovery, with common random numbers, on
any backend, resumable from its journal; and the design's table (design.csv).

Every point runs replications 0..n-1 with the same seed, so the named streams give common random
numbers across points, and a point's outcomes are a pure function of (scenario, point, seed,
replications): the same for 1 or 2 workers and on Dask. Finished points are appended to a journal
(one JSON line per point, :mod:`sim.analysis.journal`) a batch at a time; with it, an interrupted
design runs only the points that are missing and gives what an uninterrupted one gives.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from ..errors import missing
from ..runner import defaults, run_points
from ..scenario import as_scenario
from ..scenario.limits import MAX_DESIGN_POINTS
from ..text import csv_text, value_text
from ..version import __version__
from .journal import append_entries, read_journal
from .outcomes import Outcomes, outcomes as make_outcomes
from .ranges import DesignError, Range, check_ranges

if TYPE_CHECKING:
    from ..scenario import Scenario

#: Replications per design point unless asked: a design has hundreds or thousands of points.
DESIGN_REPLICATIONS = 200


def point_key(scenario: Scenario, point: dict, seed: int, replications: int) -> str:
    """What a point's outcomes depend on: the scenario, the point's values, seed, replications and version."""
    values = json.dumps({k: value_text(v) for k, v in point.items()}, sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(f"{scenario.hash}\n{values}".encode("utf-8")).hexdigest()[:32]
    return f"{digest}:{seed}:{replications}:{__version__}"


def check_size(points: int) -> None:
    """A design of ``points`` points is refused (DesignError) beyond MAX_DESIGN_POINTS."""
    if points > MAX_DESIGN_POINTS:
        raise DesignError(f"the design has {points:,} points; at most {MAX_DESIGN_POINTS:,} (ask for fewer samples)")


def evaluate_design(scenario: Scenario, points: Sequence[dict], outcomes: Outcomes, seed: int, replications: int,
                    workers: int | None = None, backend: Any = "local", scheduler: str | None = None,
                    progress: bool | Callable[[int], None] | None = None, journal: str | Path | None = None,
                    name: str = "design") -> tuple[list[dict], int]:
    """Each point's outcomes (``{name: value}``, in point order) and how many came from ``journal``.

    Points whose key (:func:`point_key`) is in the journal with every outcome asked are not run again, and a
    point the design holds twice runs once; the others run in batches on ``backend`` and are appended to the
    journal as each batch finishes.
    """
    keys = [point_key(scenario, point, seed, replications) for point in points]
    done = read_journal(journal) if journal is not None else {}
    found: dict[str, dict] = {}
    for key in keys:
        stats = done.get(key, {}).get("stats", {})
        if all(name in stats for name in outcomes.names):
            found[key] = {name: stats[name] for name in outcomes.names}
    reused = sum(key in found for key in keys)

    def finished(pairs: list[tuple[int, dict]]) -> None:
        """Keep a finished batch's outcomes, and journal them."""
        for index, outputs in pairs:
            found[keys[index]] = outputs
        if journal is not None:
            append_entries(journal, [(keys[index], outputs, None) for index, outputs in pairs])

    # a point that appears twice (Saltelli's scheme repeats some for two keys) runs once
    first = {key: index for index, key in reversed(list(enumerate(keys)))}
    todo = [(index, dict(points[index])) for key, index in sorted(first.items(), key=lambda kv: kv[1])
            if key not in found]
    run_points(scenario, todo, seed, replications, outcomes.days, outcomes, finished, backend=backend,
               workers=workers, scheduler=scheduler, progress=progress, name=name)
    return [dict(found[key]) for key in keys], reused


def design_csv(ranges: Sequence[Range], points: Sequence[dict], outputs: Sequence[dict], names: Sequence[str]) -> str:
    """design.csv: ``point`` (from 0), each varied key's value, then each outcome."""
    columns = ["point"] + [r.key for r in ranges] + list(names)
    rows = [[k] + [p[r.key] for r in ranges] + [o[n] for n in names] for k, (p, o) in enumerate(zip(points, outputs))]
    return csv_text(rows, columns)


def frame(text: str, what: str):
    """CSV text as a pandas DataFrame."""
    try:
        import io

        import pandas as pd
    except ImportError:
        raise missing(what, "pandas", "notebook") from None
    return pd.read_csv(io.StringIO(text))


def prepare(scenario, vary: Mapping[str, Any], outputs: Sequence[str] = (), replications: int | None = None,
            seed: int | None = None) -> tuple[Scenario, list[Range], Outcomes, int, int]:
    """What every design checks before anything runs: the scenario, the ranges (``vary``, or ranges already
    checked), the outcomes, replications and seed."""
    scenario = as_scenario(scenario)
    checked = not isinstance(vary, Mapping) and bool(vary) and all(isinstance(r, Range) for r in vary)
    ranges = list(vary) if checked else check_ranges(scenario, vary)
    outcomes = make_outcomes(scenario, outputs)
    replications, seed = defaults(scenario, DESIGN_REPLICATIONS if replications is None else replications, seed)
    return scenario, ranges, outcomes, replications, seed
