"""report.html of ``compare``, ``sweep``, ``backtest``, ``sensitivity`` and ``discover``: each command's question, sentences and tables,
put together by :func:`sim.results.page.report_page` (the numbers are those of the folder's files)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from ..html import table
from ..scenario.paths import key_label, key_words
from ..text import count_text, figure_text, key_value_text, percent_text, plural, significant_text
from ..version import __version__
from ..results.page import report_page


def _runs(seed: int, replications: int, what: str) -> str:
    """The provenance line of runs sharing a seed and a replication count."""
    return (f"Every {what} ran {plural(replications, 'replication')} with seed {seed}: common random numbers, so the "
            "differences come from the assumptions, not from sampling; the same inputs give the same numbers, byte for byte.")


def compare_page(results: Sequence[Any], summary: dict, cells: Sequence[Sequence[str]], svg: bytes,
                 files: Sequence[str]) -> str:
    """``sim compare``'s report.html: ``summary`` is compare.json's content, ``cells`` the table the terminal shows."""
    names = [r.scenario.name for r in results]
    question = (f"How do the scenarios {_listed(names)} differ in the personnel they project, run with the same "
                "random numbers?")
    sentences = []
    for row in summary["scenarios"]:
        text = (f"{row['scenario']}: median {count_text(row['total_p50_end'])} personnel at the end of its run "
                f"[5–95%: {count_text(row['total_p5_end'])}–{count_text(row['total_p95_end'])}]; the authorized "
                f"strength is reached by the end in {percent_text(row['p_reach_authorized_end'], 0)} of runs, the "
                f"target in {percent_text(row['p_reach_target'], 0)}; a mandate lapses in {percent_text(row['p_lapse'], 0)}")
        if row.get("p_deficit") is not None:
            text += f"; deficit at some point in {percent_text(row['p_deficit'], 0)}"
        sentences.append(text + ".")
    tables = [table("Scenarios compared (strength: median [5%–95%] of total personnel)", [""] + names,
                    [list(line) for line in cells], left=1)]
    provenance = [_runs(summary["seed"], summary["replications"], "scenario"),
                  "Checkpoints: the mandate deadlines of the first scenario, and each run's own end.",
                  "Scenario files: " + "; ".join(f"{Path(r.scenario.source).name} (hash {r.scenario.hash[:12]})"
                                                 for r in results) + f"; mss-sim {__version__}."]
    chart = ("compare", svg, "Each scenario's median strength (thick line) and the 25–75% of its runs (thin lines), "
                             "with the authorized ceiling, the target and the first scenario's mandate deadlines.")
    return report_page("Scenarios compared: projected personnel", question, sentences, [chart], tables,
                       [r.scenario for r in results], provenance, files)


def sweep_page(scenario: Any, grid: dict, rows: Sequence[dict], summary: dict, svg: bytes, headline_label: str,
               files: Sequence[str]) -> str:
    """``sim sweep``'s report.html: ``rows`` are the sweep's points, ``summary`` sweep.json's content."""
    keys = list(grid)
    swept = "; ".join(f"{key_label(k)} ({k}) takes the values {', '.join(key_value_text(k, v) for v in grid[k])}"
                      for k in keys)
    question = f"How does the projection of “{scenario.name}” change when {swept}?"
    sentences = [f"{plural(len(rows), 'point')}, each run with {plural(summary['replications'], 'replication')}."]
    for column, words, fmt in (("total_p50_end", "the median strength at the end", count_text),
                               ("p_reach_authorized_end", "P(reach authorized by end)", lambda p: percent_text(p, 0))):
        done = [r for r in rows if r.get(column) is not None]
        if done:
            low = min(done, key=lambda r: r[column])
            high = max(done, key=lambda r: r[column])
            if fmt(low[column]) == fmt(high[column]):
                sentences.append(f"At every point, {words} is {fmt(low[column])}.")
            else:
                sentences.append(f"Across the points, {words} runs from {fmt(low[column])} (at {_point(keys, low)}) "
                                 f"to {fmt(high[column])} (at {_point(keys, high)}).")
    header = [key_label(k) for k in keys] + ["P(auth. by end)", "median at end", "first day at auth.", "P(target)"]
    funded = bool(rows) and "p_deficit" in rows[0]
    header += ["P(deficit)"] if funded else []
    body = []
    for r in rows:
        line = [key_value_text(k, r[k]) for k in keys]
        line += [percent_text(r["p_reach_authorized_end"], 0), count_text(r["total_p50_end"]),
                 r["median_first_day_authorized"] or "not reached", percent_text(r["p_reach_target"], 0)]
        body.append(line + ([percent_text(r["p_deficit"], 0)] if funded else []))
    tables = [table("Sweep points", header, body, left=0)]
    provenance = [_runs(summary["seed"], summary["replications"], "point"),
                  f"Scenario file {Path(scenario.source).name}, hash {scenario.hash[:12]}; mss-sim {__version__}."]
    chart = ("sweep", svg, f"{headline_label} at each point of the sweep, with its band.")
    return report_page(f"{scenario.name}: sweep", question, sentences, [chart], tables, [scenario], provenance, files)


def _point(keys: Sequence[str], row: dict) -> str:
    """A sweep point as ``key=value, ...`` (money in dollars)."""
    return ", ".join(f"{k}={key_value_text(k, row[k])}" for k in keys)


def backtest_page(result: Any, report: dict, svg: bytes, files: Sequence[str]) -> str:
    """``sim backtest``'s report.html: ``report`` is backtest.json's content."""
    sc = result.scenario
    name = sc.facts.source_name
    question = f"How well did the scenario “{sc.name}” project the figures the articles reported?"
    s = report["scores"]
    sentences = []
    if report["observations"]:
        sentences.append(f"Of {plural(report['observations'], 'reported figure')}, "
                         f"{percent_text(s['coverage_50'], 0)} lie in the projected 50% band and "
                         f"{percent_text(s['coverage_90'], 0)} in the 90% band (a well-calibrated projection: about "
                         f"50% and 90%); the mean absolute error of the median is {count_text(s['mae_median'])}, the "
                         f"mean CRPS {count_text(s['crps_mean'], 2)}.")
    for warning in report.get("warnings", []):
        sentences.append(f"Left out: {warning}.")
    for r in report["rows"]:
        source = name(r["source"]) if r["source"] else "no source given"
        reported = figure_text(count_text(r["value"]), r.get("kind", "exact"), r.get("relative_error"))
        sentences.append(f"{r['date']}, {r['series']}: {source} reported {reported}; the projection's "
                         f"median was {count_text(r['median'])} [5–95%: {count_text(r['p5'])}–{count_text(r['p95'])}], "
                         f"the figure at its {count_text(r['percentile'])}th percentile.")
    header = ["date", "series", "reported", "median", "5%–95%", "percentile", "bands", "error", "CRPS", "source"]
    body = [[r["date"], r["series"], figure_text(count_text(r["value"]), r.get("kind", "exact"), r.get("relative_error")),
             count_text(r["median"]),
             f"{count_text(r['p5'])}–{count_text(r['p95'])}", count_text(r["percentile"], 1),
             "50%, 90%" if r["in_50"] else ("90%" if r["in_90"] else "outside"), count_text(r["error"]),
             count_text(r["crps"], 2), name(r["source"]) if r["source"] else ""] for r in report["rows"]]
    tables = [table("Reported figures against the projection", header, body, left=2, left_cols=(9,))]
    provenance = [f"{plural(result.replications, 'replication')} with seed {result.seed}; scenario file "
                  f"{Path(sc.source).name}, hash {sc.hash[:12]}; mss-sim {result.version}.",
                  "Percentile: mid-rank, 100 × (P(X < v) + P(X = v) / 2) in that day's projected distribution; "
                  "CRPS: the continuous ranked probability score (lower is better)."]
    if any("kind" in r for r in report["rows"]):
        provenance.append("A figure that is not exact allows a set of values: ≈v ±e the interval v(1 − e) to v(1 + e), "
                          "≥v those from v up, ≤v those up to v; arrived:COUNTRY counts every officer who had arrived "
                          "by that day, reliefs included. Its percentile is the mid-rank of that set, 100 × (P(X below "
                          "it) + P(X in it) / 2); it lies in a band if the set meets the band; its error runs from the "
                          "median to the nearest value of the set. Its CRPS: for ≈, the mean CRPS over values uniform "
                          "on the interval; for ≥v, ∫ F(x)² dx below v; for ≤v, ∫ (1 − F(x))² dx above v (the CRPS of "
                          "the projection cut at v, so the two add up to the exact CRPS at v).")
    chart = ("backtest", svg, "The projected fan of total strength with the reported figures (diamonds), each "
                              "labelled with its article, and the scores.")
    sources = [r["source"] for r in report["rows"] if r["source"]]
    return report_page(f"{sc.name}: backtest against reported figures", question, sentences, [chart], tables, [sc],
                       provenance, files, extra_sources=sources)


def sensitivity_page(result: Any, svg: bytes, files: Sequence[str]) -> str:
    """``sim sensitivity``'s report.html (``result`` a :class:`~sim.analysis.sensitivity.Sensitivity`)."""
    sc = result.scenario
    question = f"Which assumptions drive the projection of “{sc.name}” when {_varied(result.ranges)}?"
    index = "total-order Sobol' index ST" if result.method == "sobol" else "Morris μ* (mean absolute elementary effect)"
    method = "Sobol'" if result.method == "sobol" else "Morris"
    sentences = [f"A {method} design of {plural(len(result.points), 'point')}; the table gives each key's "
                 f"{index} ± its 95% bootstrap interval."] + result.headline()
    header, body = result._cells()  # noqa: SLF001 - the same table the terminal and Jupyter show
    tables = [f'<div style="overflow-x:auto">{table(f"{index} per outcome", header, body, left=1)}</div>']
    provenance = [_runs(result.seed, result.replications, "design point"),
                  ("Sobol' indices: Saltelli's scheme on a scrambled Sobol' sequence (SALib), first-order S1 and total "
                   "ST, second-order in interactions.csv; ST near 0 means the key can be fixed anywhere in its range."
                   if result.method == "sobol" else
                   "Morris: elementary effects on a grid of 4 levels (SALib); μ* is in the outcome's units per "
                   "whole range of the key, σ large against μ* means interactions or a non-linear effect."),
                  f"Scenario file {Path(sc.source).name}, hash {sc.hash[:12]}; mss-sim {__version__}."]
    chart = ("sensitivity", svg, "Left: each key's index for the median strength and P(authorized) at the end of "
                                 "the run; right: the same at each mandate deadline.")
    return report_page(f"{sc.name}: which assumption matters", question, sentences, [chart], tables, [sc],
                       provenance, files)


def discovery_page(result: Any, peeling_svg: bytes, boxes_svg: bytes, files: Sequence[str]) -> str:
    """``sim discover``'s report.html (``result`` a :class:`~sim.analysis.discovery.Discovery`)."""
    sc = result.scenario
    question = (f"Which combinations of assumptions lead “{sc.name}” to {result.condition.text}, when "
                f"{_varied(result.ranges)}?")
    header, body = result._cells()  # noqa: SLF001 - the same table the terminal and Jupyter show
    tables = [table("Boxes (PRIM)", header, body, left=2)] if body else []
    provenance = [_runs(result.seed, result.replications, "design point"),
                  f"Points: {result.design}. Boxes: PRIM (peeling 5% at a time, then pasting; the box with the "
                  f"highest coverage at a density of at least {percent_text(result.threshold, 0)}), then the next "
                  "box among the points outside it. p-value: how likely the box's density would be if the key "
                  "were not restricted (large: the restriction may be noise).",
                  f"Scenario file {Path(sc.source).name}, hash {sc.hash[:12]}; mss-sim {__version__}."]
    charts = [("peeling", peeling_svg, "The peeling trajectory: each box's coverage against its density, the boxes "
                                       "chosen marked."),
              ("boxes", boxes_svg, "The design's points over the keys the boxes restrict, those meeting the "
                                   "condition dark, and the boxes' limits.")]
    return report_page(f"{sc.name}: scenario discovery", question, result.sentences(), charts, tables, [sc],
                       provenance, files)


def _varied(ranges: Sequence[Any]) -> str:
    """The varied keys in words, each with its key (when the words differ) and its range."""
    return "; ".join(f"{key_words(r.key)}{'' if key_words(r.key) == r.key else f' ({r.key})'} from "
                     f"{r.text.replace(':', ' to ')}" for r in ranges)


def _listed(names: Sequence[str]) -> str:
    """``A``, ``A and B``, ``A, B and C`` (each in quotes)."""
    quoted = [f"“{n}”" for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]



def calibration_page(cal: Any, summary: dict, svg: bytes, files: Sequence[str]) -> str:
    """``sim calibrate``'s report.html: ``summary`` is calibration.json's content."""
    sc = cal.scenario
    name = sc.facts.source_name
    until = f" up to {summary['until']}" if summary["until"] else ""
    question = (f"Given what was reported{until}, what values of {_listed(cal.keys)} does “{sc.name}” fit, and what "
                f"does it then project?")
    last = summary["generations"][-1]
    within = "any distance" if last["tolerance"] is None else f"a distance of {significant_text(last['tolerance'])}"
    sentences = [f"Fitted by approximate Bayesian computation (sequential Monte Carlo) to "
                 f"{plural(summary['observations']['used'], 'reported figure')}{until}: "
                 f"{plural(len(summary['generations']), 'generation')} of "
                 f"{count_text(summary['options']['particles'])} particles, {count_text(summary['simulated'])} "
                 f"replications simulated; the last generation kept the particles within {within} (acceptance "
                 f"{percent_text(last['acceptance_rate'], 0)}). It stopped because {summary['stopped_because']}."]
    for key, post in summary["posterior"].items():
        sentences.append(f"{key_label(key)} ({key}): prior median {_band(post, 'prior_')}, posterior median "
                         f"{_band(post)}.")
    scores = summary["scores"]
    for label, score in (("In sample", scores["in_sample"]), ("Out of sample", scores["out_of_sample"])):
        if score and score["coverage_50"] is not None:
            sentences.append(f"{label}: {percent_text(score['coverage_50'], 0)} of the figures lie in the "
                             f"predictive's 50% band and {percent_text(score['coverage_90'], 0)} in its 90% band; "
                             f"mean CRPS {count_text(score['crps_mean'], 2)}.")
    for row in (summary.get("rolling") or {}).get("by_horizon", []):
        sentences.append(f"Forecasts {row['horizon_days']} days ahead (rolling fits, "
                         f"{plural(row['observations'], 'figure')}): {percent_text(row['coverage_50'], 0)} in the "
                         f"50% band, {percent_text(row['coverage_90'], 0)} in the 90% band, mean CRPS "
                         f"{count_text(row['crps_mean'], 2)}.")
    history = [[str(g["generation"]), "–" if g["tolerance"] is None else significant_text(g["tolerance"]),
                count_text(g["simulated"]), count_text(g["accepted"]), percent_text(g["acceptance_rate"], 0),
                count_text(g["ess"])] for g in summary["generations"]]
    tables = [table("Acceptance history", ["generation", "tolerance", "simulated", "accepted", "acceptance", "ESS"],
                    history, left=0),
              table("Prior and posterior of each key", ["key", "prior", "prior median [5%–95%]",
                                                        "posterior median [5%–95%]"],
                    [[key, str(cal.priors[key]), _band(p, "prior_"), _band(p)]
                     for key, p in summary["posterior"].items()], left=2)]
    rows = summary["in_sample"] + summary["out_of_sample"]
    if rows:
        fitted = len(summary["in_sample"])
        tables.append(table("Reported figures against the posterior predictive",
                            ["date", "series", "reported", "median", "5%–95%", "percentile", "fitted", "source"],
                            [[r["date"], r["series"], count_text(r["value"]), count_text(r["median"]),
                              f"{count_text(r['p5'])}–{count_text(r['p95'])}", count_text(r["percentile"], 1),
                              "yes" if k < fitted else "no (after the cutoff)", name(r["source"]) if r["source"] else ""]
                             for k, r in enumerate(rows)], left=2, left_cols=(7,)))
    observed = Path(cal.observed_file).name if cal.observed_file else "(given in Python)"
    provenance = [f"Scenario file {Path(sc.source).name}, hash {sc.hash[:12]}; observations {observed}; seed "
                  f"{cal.seed}; mss-sim {__version__}. The same inputs give the same numbers, byte for byte, "
                  f"whatever the workers.",
                  f"Distance: {summary['distance']}.",
                  f"The posterior predictive: {plural(cal.replications, 'replication')} of calibrated.toml, each "
                  f"drawing one particle of posterior.csv by weight (sim run calibrated.toml gives strength.csv "
                  f"again)."]
    chart = ("calibration", svg, "The posterior predictive fan with the reported figures (filled: fitted; open: "
                                 "after the cutoff), and each key's prior (grey) and posterior (blue).")
    sources = [r["source"] for r in rows if r["source"]]
    return report_page(f"{sc.name}: calibrated to what was reported", question, sentences, [chart], tables, [sc],
                       provenance, files, extra_sources=sources)


def _band(summary: dict, prefix: str = "") -> str:
    """``median [p5–p95]`` of a key's posterior (or, with ``prefix="prior_"``, its prior), four significant digits."""
    return (f"{significant_text(summary[prefix + 'p50'])} [{significant_text(summary[prefix + 'p5'])}–"
            f"{significant_text(summary[prefix + 'p95'])}]")
