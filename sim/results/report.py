"""A result for people: the one-screen text summary, HTML for Jupyter, and a tidy pandas frame.

Text and HTML are built from ``Result.summary()``: what a reader sees is what summary.json says.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..errors import InputError, missing
from ..html import DIV, MUTED, esc, table
from ..text import count_text, money_text, percent_text, point_text
from ..text import table as text_table

FRAME_COLUMNS = ("date", "series", "mean", "p5", "p25", "p50", "p75", "p95")


def summary_text(s: dict, overrides: dict) -> str:
    """A one-screen summary for terminals, from a summary dict and the overrides applied."""
    st = s["strength"]
    lines = [
        f"{s['scenario']}: {s['replications']:,} replications, seed {s['seed']}, scenario {s['scenario_hash'][:12]}",
        f"  authorized {s['authorized']:,}, target {s['target']:,}"
        + (f", history known to {s['as_of']}" if "as_of" in s else ""),
    ]
    if overrides:
        lines.append(f"  with {point_text(overrides)}")
    rows = [(f"{d['date']} {d['mandate'][:18]}", d["strength"], d["p_reach_authorized"]) for d in st["at_deadlines"]]
    rows.append((f"{s['end']} end of run", st["at_end"], st["p_reach_authorized"]))
    width = max(len(count_text(x["p50"])) for _, x, _ in rows)  # medians right-aligned
    cells = [[label, f"{count_text(x['p50']):>{width}} [{count_text(x['p5'])}-{count_text(x['p95'])}]",
              f"{percent_text(p, 0):>8}"] for label, x, p in rows]
    lines += text_table(["", "total strength (median [5%-95%])", "P(reached authorized)"], cells, "lll", indent="  ")
    first = st["median_first_day_authorized"]
    lines.append(f"  median first day at authorized strength: {first or 'not reached in half the runs'}")
    lines.append(f"  P(reach target {s['target']:,} by end): {percent_text(st['p_reach_target'], 0)}   "
                 f"P(mandate lapses): {percent_text(st['p_lapse'], 0)}")
    if "funding" in s:
        f = s["funding"]
        lines.append(
            f"  funding: P(deficit) {percent_text(f['p_deficit'], 0)}, median lowest balance {money_text(f['median_minimum_balance_usd'])},"
            f" median balance at end {money_text(f['balance_at_end_usd']['p50'])}"
        )
        if f.get("in_kind"):
            kind = ", ".join(f"{p['donor']} {money_text(p['amount_usd'])}" for p in f["in_kind"])
            lines.append(f"  in kind (reported, not in the balance): {kind}")
    return "\n".join(lines)


def usd(value: float) -> str:
    """Dollars for a table: millions from a million up, whole dollars below."""
    return money_text(value, small=True)


def pct(p: float) -> str:
    """A probability in whole percent that is never 0% or 100% unless it is exactly that."""
    return percent_text(p, decimals=0, bounded=True)


def result_html(result: Any) -> str:
    """The headline numbers of a result (from its ``summary()``) as HTML (what ``Result._repr_html_`` shows)."""
    s = result.summary()
    st = s["strength"]
    parts = [f'<div class="mss-sim" style="{DIV}">']
    parts.append(f"<div><b>{esc(s['scenario'])}</b>: {s['replications']:,} replications, seed {esc(s['seed'])}"
                 f' <span style="{MUTED}">(scenario {esc(s["scenario_hash"][:12])}, mss-sim {esc(s["version"])})'
                 "</span></div>")
    if result.scenario.overrides:
        parts.append(f'<div style="{MUTED}">with <code>{esc(point_text(result.scenario.overrides))}</code></div>')
    authorized, target = s["authorized"], s["target"]
    rows = []
    for d in st["at_deadlines"]:
        rows.append(_strength_row(d["date"], d["mandate"], d["strength"], d["p_reach_authorized"], d["p_reach_target"]))
    rows.append(_strength_row(s["end"], "end of run", st["at_end"], st["p_reach_authorized"], st["p_reach_target"]))
    parts.append(table(
        "Total strength",
        ["date", "", "median", "5%–95%", "mean", f"P(reached {authorized:,})", f"P(reached {target:,})"],
        rows, left=2,
    ))
    first = st["median_first_day_authorized"] or "not reached in half the runs"
    first_target = st["median_first_day_target"] or "not reached in half the runs"
    parts.append(table(None, ["median first day at authorized", "median first day at target", "P(mandate lapses)"],
                        [[first, first_target, pct(st["p_lapse"])]]))
    if "funding" in s:
        f = s["funding"]
        parts.append(table(
            "Funding", ["P(deficit)", "mean days in deficit", "median lowest balance", "median balance at end",
                        "balance at end 5%–95%"],
            [[pct(f["p_deficit"]), count_text(f["mean_days_in_deficit"]), usd(f["median_minimum_balance_usd"]),
              usd(f["balance_at_end_usd"]["p50"]),
              f"{usd(f['balance_at_end_usd']['p5'])} – {usd(f['balance_at_end_usd']['p95'])}"]],
        ))
    parts.append(f'<div style="{MUTED}">P(reached X) by a date: share of replications whose total strength was at '
                 "least X on some day up to then. <code>result.plot()</code> draws the fan chart; "
                 "<code>result.to_frame()</code> gives the daily quantiles.</div>")
    parts.append("</div>")
    return "".join(parts)


def _strength_row(date: str, label: str, x: dict, p_auth: float, p_target: float) -> list:
    """A row of the HTML strength table: date, label, median, 5-95% range, mean, P(authorized), P(target)."""
    return [date, label, count_text(x["p50"]), f"{count_text(x['p5'])}–{count_text(x['p95'])}", count_text(x["mean"]),
            pct(p_auth), pct(p_target)]


def result_frame(result: Any, series: str | Iterable[str] | None = None):
    """A tidy pandas DataFrame of daily strength: columns date, series, mean, p5, p25, p50, p75, p95.

    ``series`` is a country, "total", a list of them, or None for all (total first, then
    each country, as in strength.csv). Needs pandas (``pip install 'mss-sim[notebook]'``).
    """
    try:
        import pandas as pd
    except ImportError:
        raise missing("Result.to_frame", "pandas", "notebook") from None
    known = list(result.series)
    if series is None:
        names = ["total"] + known[:-1]
    elif isinstance(series, str):
        names = [series]
    else:
        names = list(series)
    unknown = [n for n in names if n not in known]
    if unknown:
        raise InputError(f"unknown series {', '.join(map(repr, unknown))}; choose from {', '.join(map(repr, known))}")
    dates = pd.to_datetime(result.dates)
    frames = []
    for name in names:
        q = result.quantiles(name)
        frames.append(pd.DataFrame({
            "date": dates, "series": name, "mean": result.mean(name),
            **{key: q[key] for key in ("p5", "p25", "p50", "p75", "p95")},
        }))
    if not frames:
        return pd.DataFrame({column: [] for column in FRAME_COLUMNS})
    return pd.concat(frames, ignore_index=True)[list(FRAME_COLUMNS)]
