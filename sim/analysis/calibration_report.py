"""What a calibration says: calibration.json's content, the terminal's summary and rolling.csv's rows, from the
numbers of the fit (docs/design.md section 5, ``sim calibrate``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import numpy as np

from ..text import count_text, csv_text, percent_text, plural, significant_text, table
from ..version import __version__
from .abc import STOPS
from .distance import date_of
from .priors import weighted_quantile

if TYPE_CHECKING:
    from ..dists import Dist
    from .abc import Generation
    from .fits import CalibrationData as Calibration, Fitted

#: The horizons (days after the cutoff, inclusive) a rolling evaluation is summarised by.
HORIZONS = ((0, 30), (31, 90), (91, 180), (181, 365), (366, None))
#: The columns of rolling.csv.
ROLLING_COLUMNS = ("cutoff", "date", "series", "value", "horizon_days", "percentile", "in_50", "in_90", "median",
                   "p5", "p25", "p75", "p95", "crps")


def key_summary(prior: Dist, values: np.ndarray, weights: np.ndarray) -> dict:
    """A key's posterior (weighted mean, sd, 5%, 50%, 95%) beside its prior's (mean, 5%, 50%, 95%)."""
    mean = float(np.sum(weights * values) / np.sum(weights))
    sd = float(np.sqrt(np.sum(weights * (values - mean) ** 2) / np.sum(weights)))
    prior_q = prior.quantile(np.array([0.05, 0.5, 0.95]))
    return {
        "mean": _round(mean), "sd": _round(sd),
        **{f"p{q}": _round(weighted_quantile(values, weights, q / 100)) for q in (5, 50, 95)},
        "prior_mean": _round(prior.mean()),
        **{f"prior_p{q}": _round(v) for q, v in zip((5, 50, 95), prior_q.tolist())},
    }


def _round(value: float | None, digits: int = 6) -> float | None:
    """A float rounded for JSON (None stays None)."""
    return None if value is None else round(float(value), digits)


def generation_row(generation: Generation) -> dict:
    """One line of the acceptance history."""
    return {"generation": generation.number, "tolerance": _round(generation.tolerance),
            "simulated": generation.simulated, "accepted": generation.accepted,
            "acceptance_rate": round(generation.acceptance, 4), "ess": round(generation.ess, 1),
            "batches": generation.batches}


def fit_summary(cal: Calibration, fitted: Fitted) -> dict:
    """The fit to the observations up to one cutoff: its history, its posterior, its scores."""
    last = fitted.fit.last
    return {
        "until": fitted.until.isoformat() if fitted.until else None,
        "observations": {"used": len(fitted.used), "after": len(fitted.later)},
        "generations": [generation_row(g) for g in fitted.fit.generations],
        "stopped": fitted.fit.stopped,
        "stopped_because": STOPS[fitted.fit.stopped],
        "simulated": fitted.fit.simulated,
        "ess": round(last.ess, 1),
        "posterior": {key: key_summary(prior, last.particles[:, k], last.weights)
                      for k, (key, prior) in enumerate(cal.priors.items())},
        "calibrated_hash": fitted.calibrated.hash,
        "scores": {"in_sample": fitted.in_sample["scores"],
                   "out_of_sample": fitted.out_of_sample["scores"] if fitted.out_of_sample else None},
    }


def calibration_summary(cal: Calibration) -> dict:
    """calibration.json: the question, the keys and priors, the fit (history, posterior, scores, the rows scored in
    and out of sample) and, with --rolling, each cutoff's fit and the scores by horizon."""
    sc = cal.scenario
    main = fit_summary(cal, cal.main)
    out = {
        "command": "calibrate",
        "version": __version__,
        "scenario": sc.name,
        "scenario_file": sc.source,
        "scenario_hash": sc.hash,
        "observed_file": cal.observed_file,
        "seed": cal.seed,
        "replications": cal.replications,
        "options": {"particles": cal.options.particles, "alpha": cal.options.alpha,
                    "min_acceptance": cal.options.min_acceptance, "generations": cal.options.generations,
                    "simulations": cal.options.simulations},
        "distance": "root mean square over the observations used of |x - v| / max(v, 1) (exact), the part of "
                    "|x - v| beyond relative_error * v (approx), max(v - x, 0) (at_least), max(x - v, 0) (at_most), each "
                    "scaled by max(v, 1); x a replication's strength of the series at the end of the day (for "
                    "arrived:COUNTRY, the officers who had ever arrived by then)",
        "keys": cal.keys,
        "priors": {key: prior.to_toml() for key, prior in cal.priors.items()},
        **main,
        "in_sample": cal.main.in_sample["rows"],
        "out_of_sample": cal.main.out_of_sample["rows"] if cal.main.out_of_sample else [],
    }
    if cal.rolling:
        rows = rolling_rows(cal.rolling)
        out["rolling"] = {"cutoffs": [fit_summary(cal, fitted) for fitted in cal.rolling],
                          "by_horizon": by_horizon(rows)}
    return out


def rolling_rows(fits: Sequence[Fitted]) -> list[dict]:
    """rolling.csv's rows: each observation after each cutoff, scored by that cutoff's predictive, with its
    horizon (days after the cutoff)."""
    rows = []
    for fitted in fits:
        for obs, row in zip(fitted.later, fitted.out_of_sample["rows"]):
            horizon = (date_of(obs) - fitted.until).days
            rows.append({"cutoff": fitted.until.isoformat(), "horizon_days": horizon,
                         **{k: row.get(k) for k in ROLLING_COLUMNS if k in row}})
    return rows


def rolling_csv(fits: Sequence[Fitted]) -> str:
    """rolling.csv: ``cutoff,date,series,value,horizon_days,percentile,in_50,in_90,median,p5,p25,p75,p95,crps``."""
    return csv_text([[row.get(k) for k in ROLLING_COLUMNS] for row in rolling_rows(fits)], ROLLING_COLUMNS)


def by_horizon(rows: Sequence[dict]) -> list[dict]:
    """Coverage of the 50% and 90% bands and the mean CRPS of the rows whose horizon lies in each of HORIZONS."""
    out = []
    for low, high in HORIZONS:
        inside = [r for r in rows if r["horizon_days"] >= low and (high is None or r["horizon_days"] <= high)]
        if inside:
            out.append({"horizon_days": f"{low}-{high}" if high is not None else f"{low}+",
                        "observations": len(inside),
                        "coverage_50": round(float(np.mean([r["in_50"] for r in inside])), 4),
                        "coverage_90": round(float(np.mean([r["in_90"] for r in inside])), 4),
                        "crps_mean": round(float(np.mean([r["crps"] for r in inside])), 4)})
    return out


def calibration_text(cal: Calibration) -> str:
    """A one-screen summary: the acceptance history, each key's prior and posterior, the scores."""
    sc, main = cal.scenario, cal.main
    until = f" up to {main.until}" if main.until else ""
    lines = [f"{sc.name}: calibrated to {plural(len(main.used), 'observation')}{until}"
             f"{' (' + cal.observed_file + ')' if cal.observed_file else ''}, seed {cal.seed}, "
             f"{cal.options.particles:,} particles"]
    cells = [[str(g.number), "-" if g.tolerance is None else significant_text(g.tolerance), count_text(g.simulated),
              count_text(g.accepted), percent_text(g.acceptance, 0), count_text(g.ess)]
             for g in main.fit.generations]
    lines += table(["generation", "tolerance", "simulated", "accepted", "acceptance", "ESS"], cells, "rrrrrr", "  ")
    lines.append(f"  stopped: {STOPS[main.fit.stopped]} ({count_text(main.fit.simulated)} replications simulated)")
    last = main.fit.last
    cells = []
    for k, (key, prior) in enumerate(cal.priors.items()):
        s = key_summary(prior, last.particles[:, k], last.weights)
        cells.append([key, f"{significant_text(s['prior_p50'])} [{significant_text(s['prior_p5'])}-{significant_text(s['prior_p95'])}]",
                      f"{significant_text(s['p50'])} [{significant_text(s['p5'])}-{significant_text(s['p95'])}]"])
    lines += table(["key", "prior median [5%-95%]", "posterior median [5%-95%]"], cells, "lrr", "  ")
    for name, report in (("in sample", main.in_sample), ("out of sample", main.out_of_sample)):
        if report and report["observations"]:
            s = report["scores"]
            lines.append(f"  {name} ({plural(report['observations'], 'observation')}): 50% band "
                         f"{percent_text(s['coverage_50'], 0)}, 90% band {percent_text(s['coverage_90'], 0)}, "
                         f"mean CRPS {count_text(s['crps_mean'], 2)}")
    if cal.rolling:
        for row in by_horizon(rolling_rows(cal.rolling)):
            lines.append(f"  rolling, {row['horizon_days']} days ahead ({row['observations']:,} observations): "
                         f"50% band {percent_text(row['coverage_50'], 0)}, 90% band "
                         f"{percent_text(row['coverage_90'], 0)}, mean CRPS {count_text(row['crps_mean'], 2)}")
    return "\n".join(lines)
