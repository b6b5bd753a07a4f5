"""report.html: one self-contained page per output folder (question, headline sentences, charts as SVG,
tables, assumptions and overrides, every fact used with its quote and source, the files beside it).

:func:`report_page` assembles any command's page from its parts; :func:`run_page` is ``sim run``'s.
The pages are built from the same numbers as the folder's files, and carry no date: the same
results give the same bytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from ..html import bullets, esc, page, section, svg_figure, table
from ..scenario.show import scenario_html
from ..text import count_text, money_text, plural, point_text
from .report import pct, usd

#: What each file of a folder holds, for the page's list of files.
FILES = {
    "summary.json": "the headline numbers, their provenance and the facts used (machine-readable)",
    "strength.csv": "daily strength per series: mean and quantiles (one row per day per series)",
    "strength_wide.csv": "chart-ready: date, then the total's band and median and each contingent's median",
    "funding.csv": "chart-ready: date, then the balance's mean, 5%, median and 95% in US dollars",
    "replications.npz": "every replication's daily curves",
    "compare.csv": "one row per scenario: strength, probabilities and funding at each checkpoint",
    "compare_wide.csv": "chart-ready: date, then each scenario's median and 25-75% band side by side",
    "compare.json": "the comparison (machine-readable)",
    "sweep.csv": "one row per sweep point: the values swept and the headline statistics",
    "sweep_wide.csv": "chart-ready: date, then each sweep point's median and 5-95% band",
    "sweep.json": "the sweep (machine-readable)",
    "backtest.csv": "one row per reported figure: its percentile, bands, error and CRPS",
    "backtest.json": "the backtest and its scores (machine-readable)",
    "sensitivity.csv": "one row per outcome and varied key: the sensitivity indices and their 95% intervals",
    "interactions.csv": "one row per outcome and pair of varied keys: the second-order Sobol' index",
    "design.csv": "one row per design point: the values of the varied keys and the point's outcomes",
    "sensitivity.json": "the sensitivity analysis (machine-readable)",
    "boxes.csv": "one row per key a box restricts: its limits, the box's coverage, density and mass",
    "discover.json": "the scenario discovery (machine-readable)",
    "posterior.csv": "the fitted particles: one column per fitted key and their weight, one row per particle",
    "calibrated.toml": "the scenario calibrated: extends the one fitted and draws each replication's values from "
                       "posterior.csv (sim run calibrated.toml gives strength.csv and funding.csv again)",
    "rolling.csv": "one row per observation after each cutoff of --rolling: its horizon, percentile, bands and CRPS",
    "calibration.json": "the calibration: keys, priors, posterior summaries, acceptance history, scores "
                        "(machine-readable)",
    "sources.csv": "the articles behind the figures: file, short name, title, outlet, date",
    "report.html": "this page",
}


def report_page(title: str, question: str, sentences: Sequence[str], charts: Sequence[tuple[str, bytes, str]],
                tables: Sequence[str], scenarios: Sequence[Any], provenance: Sequence[str],
                files: Sequence[str] = (), extra_sources: Sequence[str] = ()) -> str:
    """A whole report: the ``question``, the headline ``sentences``, the ``charts`` (``(name, SVG bytes,
    caption)``; SVG None: not drawn), the HTML ``tables``, each scenario's assumptions and overrides, the
    facts used, the ``provenance`` lines and the ``files`` of the folder."""
    parts = [f"<h1>{esc(title)}</h1>", f'<p class="question"><b>Question.</b> {esc(question)}</p>']
    parts.append(section("What the runs say", bullets(list(sentences)), "headline"))
    if any(svg is not None for _, svg, _ in charts):
        parts.append(section("Charts", "\n".join(svg_figure(svg, caption, f"chart-{name}")
                                                 for name, svg, caption in charts if svg is not None), "charts"))
    elif charts:  # none drawn: asked for none
        parts.append(section("Charts", "<p>No chart was drawn (<code>--format none</code>); run without it "
                                       "for the charts.</p>", "charts"))
    if tables:
        parts.append(section("Tables", "\n".join(tables), "tables"))
    parts.append(section("Assumptions", assumptions_html(scenarios), "assumptions"))
    parts.append(section("Facts used, with their sources", facts_html(scenarios, extra_sources), "facts"))
    parts.append(section("How this was produced", bullets(list(provenance)), "provenance"))
    if files:
        rows = [[name, FILES.get(name, "a chart" if name.rsplit(".", 1)[-1] in ("png", "svg", "pdf") else "")]
                for name in files]
        parts.append(section("Files in this folder", table(None, ["file", "what it holds"], rows, left=2), "files"))
    return page(title, parts)


def assumptions_html(scenarios: Sequence[Any]) -> str:
    """Each scenario's description, assumptions (contingents, mandates, funding) and the values changed with --set."""
    out = []
    for sc in scenarios:
        if sc.overrides:
            out.append(f'<p><b>Changed from the file with --set:</b> <code>{esc(point_text(sc.overrides))}</code></p>')
        out.append(scenario_html(sc))
    return "\n".join(out)


def facts_html(scenarios: Sequence[Any], extra_sources: Sequence[str] = ()) -> str:
    """Every fact the scenarios use, with its value, its quote and its article; then the articles of ``extra_sources``."""
    rows, seen = [], set()
    for sc in scenarios:
        for fact in sc.facts_used:
            if (fact.id, fact.path) in seen:
                continue
            seen.add((fact.id, fact.path))
            name = fact.source_name or sc.facts.source_name(fact.source)
            rows.append([fact.id, fact_value(fact.value), f"“{fact.quote}”", f"{name} ({fact.source})", fact.path])
    parts = []
    if rows:
        parts.append(table(None, ["fact", "value", "quote", "source (article file)", "used at"], rows, left=5))
    else:
        parts.append('<p class="muted">The scenario uses no sourced facts.</p>')
    if extra_sources and scenarios:
        names = scenarios[0].facts.source_name
        parts.append("<p>Reported figures from: " + esc("; ".join(f"{names(f)} ({f})" for f in sorted(set(extra_sources))))
                     + ".</p>")
    return "\n".join(parts)


def fact_value(value: Any) -> str:
    """A fact's value as people read it: numbers with separators (money for dollars is the fact base's unit's job)."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return count_text(value) if float(value).is_integer() else str(value)
    return str(value)


def run_sentences(summary: dict) -> list[str]:
    """The headline numbers of a run (its summary.json) in plain sentences."""
    st = summary["strength"]
    end = st["at_end"]
    out = [f"At the end of the run ({summary['end']}), the median projected strength is {count_text(end['p50'])} "
           f"personnel; in 90% of runs it lies between {count_text(end['p5'])} and {count_text(end['p95'])} "
           f"(mean {count_text(end['mean'])})."]
    for d in st["at_deadlines"]:
        x = d["strength"]
        out.append(f"At the mandate deadline {d['mandate']} ({d['date']}): median {count_text(x['p50'])} "
                   f"[5–95%: {count_text(x['p5'])}–{count_text(x['p95'])}]; the authorized strength has been "
                   f"reached by then in {pct(d['p_reach_authorized'])} of runs.")
    first = st["median_first_day_authorized"]
    out.append(f"The authorized strength of {count_text(summary['authorized'])} is reached by the end in "
               f"{pct(st['p_reach_authorized'])} of runs"
               + (f"; in half of them by {first}." if first else "; not in half of them."))
    out.append(f"The target of {count_text(summary['target'])} is reached by the end in {pct(st['p_reach_target'])} of runs.")
    out.append(f"A mandate lapses in {pct(st['p_lapse'])} of runs.")
    if "funding" in summary:
        f = summary["funding"]
        out.append(f"The mission is in deficit at some point in {pct(f['p_deficit'])} of runs; the median lowest "
                   f"balance is {money_text(f['median_minimum_balance_usd'])} and the median balance at the end "
                   f"{money_text(f['balance_at_end_usd']['p50'])}.")
    return out


def run_tables(summary: dict) -> list[str]:
    """The run's tables: total strength at each checkpoint, and funding."""
    st = summary["strength"]
    rows = [[d["date"], d["mandate"], count_text(d["strength"]["p50"]),
             f"{count_text(d['strength']['p5'])}–{count_text(d['strength']['p95'])}", count_text(d["strength"]["mean"]),
             pct(d["p_reach_authorized"]), pct(d["p_reach_target"])] for d in st["at_deadlines"]]
    end = st["at_end"]
    rows.append([summary["end"], "end of run", count_text(end["p50"]), f"{count_text(end['p5'])}–{count_text(end['p95'])}",
                 count_text(end["mean"]), pct(st["p_reach_authorized"]), pct(st["p_reach_target"])])
    out = [table("Total strength", ["date", "", "median", "5%–95%", "mean",
                                    f"P(reached {count_text(summary['authorized'])})",
                                    f"P(reached {count_text(summary['target'])})"], rows, left=2)]
    if "funding" in summary:
        f = summary["funding"]
        out.append(table("Funding", ["P(deficit)", "mean days in deficit", "median lowest balance",
                                     "median balance at end", "balance at end 5%–95%"],
                         [[pct(f["p_deficit"]), count_text(f["mean_days_in_deficit"]),
                           usd(f["median_minimum_balance_usd"]), usd(f["balance_at_end_usd"]["p50"]),
                           f"{usd(f['balance_at_end_usd']['p5'])} – {usd(f['balance_at_end_usd']['p95'])}"]]))
    return out


def run_page(result: Any, charts: Sequence[tuple[str, bytes | None, str]], files: Sequence[str]) -> str:
    """``sim run``'s report.html."""
    sc = result.scenario
    summary = result.summary()
    question = (f"How many personnel would the mission “{sc.name}” have, day by day from {sc.start} to {sc.end}, "
                f"if its assumptions hold" + (" with the values changed below" if sc.overrides else "") + "?")
    if sc.description:
        question += f" {sc.description}"
    provenance = [f"{plural(result.replications, 'replication')} with seed {result.seed} (the same scenario, seed and "
                  "replication count give the same numbers, byte for byte).",
                  f"Scenario file {Path(sc.source).name}, hash {sc.hash[:12]}; mss-sim {result.version}.",
                  "Quantiles are per day across replications; P(reached X) by a date counts the runs whose total "
                  "strength was at least X on some day up to then."]
    return report_page(f"{sc.name}: projected personnel", question, run_sentences(summary), charts,
                       run_tables(summary), [sc], provenance, files)
