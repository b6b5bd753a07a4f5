"""The folder of ``sim calibrate``: posterior.csv, calibrated.toml, the predictive's strength.csv and funding.csv,
rolling.csv, sources.csv, the chart, report.html and calibration.json (docs/design.md section 5)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np

from ..files import text_writer, write_folder
from ..results.exports import article_files, sources_csv
from ..text import json_text
from ..version import __version__
from .fits import POSTERIOR_FILE, calibrated_name
from .calibration_report import rolling_csv
from .distance import date_of, is_arrived
from .pages import calibration_page
from .priors import box, density

if TYPE_CHECKING:
    from .fits import CalibrationData as Calibration


def calibrated_toml(cal: Calibration, directory: str | Path) -> str:
    """calibrated.toml: extends the scenario calibrated (by its path relative to ``directory``) and draws each
    replication's fitted values from posterior.csv, with the predictive's seed and replications as its own."""
    sc = cal.scenario
    try:
        parent = os.path.relpath(Path(sc.source).resolve(), Path(directory).resolve())
    except ValueError:  # another drive (Windows): no relative path
        parent = str(Path(sc.source).resolve())
    until = f" up to {cal.main.until}" if cal.main.until else ""
    observed = f" of {Path(cal.observed_file).name}" if cal.observed_file else ""
    lines = [
        f"# Written by sim calibrate (mss-sim {__version__}): {sc.name!r} fitted to the observations{observed}{until}.",
        f"# Fitted keys: {', '.join(cal.keys)} (priors and posterior summaries in calibration.json).",
        f"# Each replication draws one particle of {POSTERIOR_FILE}, jointly and by weight (the stream \"posterior\"):",
        f"# `sim run calibrated.toml` reproduces this folder's strength.csv and funding.csv (seed {cal.seed},",
        f"# {cal.replications:,} replications), and `sim compare` can set it beside the scenario it extends.",
        f"extends = {json.dumps(parent, ensure_ascii=False)}",
        "",
        "[scenario]",
        f"name = {json.dumps(calibrated_name(sc.name), ensure_ascii=False)}",
        f"seed = {cal.seed}",
        f"replications = {cal.replications}",
        "",
        "[posterior]",
        f'file = "{POSTERIOR_FILE}"',
    ]
    return "\n".join(lines) + "\n"


def prior_and_posterior(cal: Calibration) -> list[dict]:
    """For each key, what the chart draws: its prior's density on a grid, and the posterior's particles and weights."""
    low, high = box(cal.priors)
    last = cal.main.fit.last
    out = []
    for k, (key, prior) in enumerate(cal.priors.items()):
        values = last.particles[:, k]
        lo = min(float(low[k]), float(values.min()))
        hi = max(float(high[k]), float(values.max()))
        if not np.isfinite(lo) or not np.isfinite(hi) or hi - lo > 50 * (values.max() - values.min() + 1e-12):
            lo, hi = [float(v) for v in prior.quantile(np.array([0.001, 0.999]))]
            lo, hi = min(lo, float(values.min())), max(hi, float(values.max()))
        grid = np.linspace(lo, hi, 201)
        out.append({"key": key, "prior": str(prior), "grid": grid, "density": density(prior, grid),
                    "values": values, "weights": last.weights})
    return out


def calibration_figure(cal: Calibration):
    """The chart of the calibration (a matplotlib Figure): its predictive fan with the observations fitted and
    those after the cutoff, and each key's prior and posterior."""
    from ..plots import calibration_chart  # matplotlib only when a chart is drawn

    main = cal.main

    def row(o) -> tuple:
        """An observation as the chart takes it: (date, series, value, source)."""
        return date_of(o), o[1], float(o[2]), o[3] if len(o) > 3 else ""

    # the fan shows strength; figures of cumulative arrivals are counted and credited in the footnote
    used = [row(o) for o in main.used if not is_arrived(o)]
    later = [row(o) for o in main.later if not is_arrived(o)]
    arrived = [row(o) for o in main.used + main.later if is_arrived(o)]
    return calibration_chart(main.predictive, used, later, main.until, prior_and_posterior(cal), main.fit.simulated,
                             cal.options.particles, arrived)


def save_calibration(cal: Calibration, directory, formats: Sequence[str] = ("png",), force: bool = False,
                     question: str | None = None) -> Path:
    """Write the folder atomically (``question`` in its marker); return its path."""
    from ..plots import Chart  # matplotlib only when a chart is drawn

    main = cal.main
    summary = cal.summary()
    chart = Chart(lambda: calibration_figure(cal))
    sources = [str(o[3]) for o in cal.observations if len(o) > 3 and o[3]]
    writers = {
        POSTERIOR_FILE: text_writer(main.posterior_csv),
        "calibrated.toml": text_writer(calibrated_toml(cal, directory)),
        "strength.csv": text_writer(main.predictive.strength_csv()),
    }
    funding = main.predictive.funding_csv()
    if funding is not None:
        writers["funding.csv"] = text_writer(funding)
    if cal.rolling:
        writers["rolling.csv"] = text_writer(rolling_csv(cal.rolling))
    writers["sources.csv"] = text_writer(sources_csv(cal.scenario.facts, article_files([cal.scenario], sources)))
    for fmt in formats:
        writers[f"calibration.{fmt}"] = chart.writer(fmt)
    files = list(writers) + ["report.html", "calibration.json"]
    writers["report.html"] = lambda path: path.write_text(calibration_page(cal, summary, chart.svg(), files),
                                                          encoding="utf-8")
    writers["calibration.json"] = text_writer(json_text(summary))
    write_folder(directory, writers, force=force, question=question)
    return Path(directory)
