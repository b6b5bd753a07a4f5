"""Rich display of scenarios and results: compact HTML for Jupyter, tidy pandas frames.

``Scenario._repr_html_`` and ``Result._repr_html_`` delegate here, so that a scenario
or a result left as the last expression of a notebook cell shows as a small table
(terminals keep their ``__str__``/``text()``). Every string that comes from a scenario
file (names, countries, donors, descriptions) is escaped with :func:`html.escape`.

pandas is optional (``pip install 'mss-sim[notebook]'``): it is imported only by
:func:`result_frame`, which raises a clear ImportError without it.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

#: How to install the optional notebook dependencies (pandas, ipywidgets, Jupyter).
INSTALL_HINT = "pip install 'mss-sim[notebook]'"

FRAME_COLUMNS = ("date", "series", "mean", "p5", "p25", "p50", "p75", "p95")

# Inline styles (no <style> element: notebook viewers that sanitize HTML drop those).
_DIV = "font-size:12.5px;line-height:1.35"
_TABLE = "border-collapse:collapse;margin:2px 0 8px 0"
_CELL = "padding:2px 8px;border-bottom:1px solid #e2e2e2;vertical-align:top;text-align:"
_HEAD = "background:#f4f6f8;font-weight:600;"
_CAPTION = "caption-side:top;text-align:left;font-weight:600;padding:4px 0 2px 0"
_MUTED = "color:#666"


def esc(value: Any) -> str:
    """``value`` as text, HTML-escaped (quotes too)."""
    return html.escape(str(value), quote=True)


# --------------------------------------------------------------------------- scenario


def scenario_html(scenario: Any) -> str:
    """A compact HTML description of a :class:`~sim.scenario.Scenario`."""
    sc = scenario
    parts = [f'<div class="mss-sim" style="{_DIV}">']
    parts.append(f"<div><b>Scenario {esc(sc.name)}</b> "
                 f'<span style="{_MUTED}">({esc(_source_name(sc.source))}, hash {esc(sc.hash[:12])})</span></div>')
    if sc.description:
        parts.append(f'<div style="{_MUTED};max-width:60em">{esc(_shorten(sc.description, 400))}</div>')
    total_pledged = sum(c.pledged for c in sc.contingents)
    parts.append(_table(
        None,
        ["period", "days", "authorized (ceiling)", "target", "pledged in all", "default runs", "seed"],
        [[f"{sc.start} to {sc.end}", f"{sc.days:,}", f"{sc.authorized:,}", f"{sc.target:,}",
          f"{total_pledged:,}", f"{sc.replications:,}", str(sc.seed)]],
        left=1,
    ))

    rows = []
    for c in sc.contingents:
        batches = c.batches
        when = f"{batches[0].planned}" if len(batches) == 1 else f"{batches[0].planned} to {batches[-1].planned}"
        slips = sorted({str(b.slip_days) for b in batches})
        rows.append([c.country, f"{c.pledged:,}", str(c.fulfilment), str(c.tour_days),
                     f"{len(batches)} ({when})", "; ".join(slips)])
    parts.append(_table(f"Contingents ({len(sc.contingents)})",
                        ["country", "pledged", "fulfilment", "tour (days)", "batches (planned)", "slip (days)"],
                        rows, left=1, left_cols=(0, 4, 5)))

    if sc.mandates:
        rows = [[m.name, str(m.expires), str(m.renewal_probability), f"{m.renewed_months}",
                 f"{m.authorized_after:,}" if m.authorized_after else "unchanged", f"{m.drawdown_days}"]
                for m in sc.mandates]
        parts.append(_table("Mandates", ["name", "expires", "P(renewal)", "renewed for (months)",
                                         "ceiling after", "drawdown (days)"], rows, left=1))
    else:
        parts.append(f'<div style="{_MUTED}">No mandates: the mission never lapses.</div>')

    f = sc.funding
    if f is not None:
        parts.append(_table(
            "Funding", ["start balance", "per officer-day", "fixed per month", "deploy per officer", "runway (days)"],
            [[_usd(f.start_balance_usd), _usd(f.cost_per_officer_day_usd), _usd(f.fixed_cost_per_month_usd),
              _usd(f.deploy_cost_per_officer_usd), f"{f.runway_days}"]],
        ))
        if f.pledges:
            rows = [[p.donor, _usd(p.amount_usd), str(p.fulfilment), f"{p.tranches}", str(p.first),
                     f"{p.interval_days}", str(p.slip_days)] for p in f.pledges]
            parts.append(_table("Funding pledges", ["donor", "amount", "fulfilment", "tranches", "first",
                                                    "every (days)", "slip (days)"], rows, left=1))
    else:
        parts.append(f'<div style="{_MUTED}">No [funding] table: money never gates deployments.</div>')

    if sc.facts_used:
        ids = ", ".join(esc(u.id) for u in sc.facts_used)
        parts.append(f'<div style="{_MUTED}">{len(sc.facts_used)} facts from the articles '
                     f"(<code>scenario.facts_used</code>): {ids}</div>")
    parts.append("</div>")
    return "".join(parts)


# --------------------------------------------------------------------------- result


def result_html(result: Any) -> str:
    """The headline numbers of a :class:`~sim.results.Result` (from its ``summary()``) as HTML."""
    s = result.summary()
    st = s["strength"]
    parts = [f'<div class="mss-sim" style="{_DIV}">']
    parts.append(f"<div><b>{esc(s['scenario'])}</b>: {s['replications']:,} replications, seed {esc(s['seed'])}"
                 f' <span style="{_MUTED}">(scenario {esc(s["scenario_hash"][:12])}, mss-sim {esc(s["version"])})'
                 "</span></div>")
    if result.scenario.overrides:
        from .analysis import point_text

        parts.append(f'<div style="{_MUTED}">with <code>{esc(point_text(result.scenario.overrides))}</code></div>')
    authorized, target = s["authorized"], s["target"]
    rows = []
    for d in st["at_deadlines"]:
        rows.append(_strength_row(d["date"], d["mandate"], d["strength"], d["p_reach_authorized"], d["p_reach_target"]))
    rows.append(_strength_row(s["end"], "end of run", st["at_end"], st["p_reach_authorized"], st["p_reach_target"]))
    parts.append(_table(
        "Total strength",
        ["date", "", "median", "5%–95%", "mean", f"P(reached {authorized:,})", f"P(reached {target:,})"],
        rows, left=2,
    ))
    first = st["median_first_day_authorized"] or "not reached in half the runs"
    first_target = st["median_first_day_target"] or "not reached in half the runs"
    parts.append(_table(None, ["median first day at authorized", "median first day at target", "P(mandate lapses)"],
                        [[first, first_target, _pct(st["p_lapse"])]]))
    if "funding" in s:
        f = s["funding"]
        parts.append(_table(
            "Funding", ["P(deficit)", "mean days in deficit", "median lowest balance", "median balance at end",
                        "balance at end 5%–95%"],
            [[_pct(f["p_deficit"]), f"{f['mean_days_in_deficit']:,.0f}", _usd(f["median_minimum_balance_usd"]),
              _usd(f["balance_at_end_usd"]["p50"]),
              f"{_usd(f['balance_at_end_usd']['p5'])} – {_usd(f['balance_at_end_usd']['p95'])}"]],
        ))
    parts.append(f'<div style="{_MUTED}">P(reached X) by a date: share of replications whose total strength was at '
                 "least X on some day up to then. <code>result.plot()</code> draws the fan chart; "
                 "<code>result.to_frame()</code> gives the daily quantiles.</div>")
    parts.append("</div>")
    return "".join(parts)


def _strength_row(date: str, label: str, x: dict, p_auth: float, p_target: float) -> list:
    return [date, label, f"{x['p50']:,.0f}", f"{x['p5']:,.0f}–{x['p95']:,.0f}", f"{x['mean']:,.0f}",
            _pct(p_auth), _pct(p_target)]


def result_frame(result: Any, series: str | Iterable[str] | None = None):
    """A tidy pandas DataFrame of daily strength: columns date, series, mean, p5, p25, p50, p75, p95.

    ``series`` is a country, "total", a list of them, or None for all (total first, then
    each country, as in strength.csv). Needs pandas (``pip install 'mss-sim[notebook]'``).
    """
    try:
        import pandas as pd
    except ImportError:
        raise ImportError(f"Result.to_frame needs pandas, which is not installed; install it with {INSTALL_HINT}") from None
    known = list(result.series)
    if series is None:
        names = ["total"] + known[:-1]
    elif isinstance(series, str):
        names = [series]
    else:
        names = list(series)
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"unknown series {', '.join(map(repr, unknown))}; choose from {', '.join(map(repr, known))}")
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


# --------------------------------------------------------------------------- plain text


def pretty(obj: Any, printer: Any, cycle: bool) -> None:
    """IPython's ``_repr_pretty_`` for scenarios and results: their readable ``str()``, not the dataclass repr."""
    printer.text(f"<{type(obj).__name__} ...>" if cycle else str(obj))


# --------------------------------------------------------------------------- helpers


def _table(caption: str | None, header: list[str], rows: list[list], left: int = 0,
           left_cols: tuple[int, ...] = ()) -> str:
    """An HTML table; the first ``left`` columns (and ``left_cols``) are left-aligned."""
    def cell(tag: str, k: int, value: Any) -> str:
        align = "left" if k < left or k in left_cols else "right"
        head = _HEAD if tag == "th" else ""
        return f'<{tag} style="{head}{_CELL}{align}">{esc(value)}</{tag}>'

    out = [f'<table style="{_TABLE}">']
    if caption:
        out.append(f'<caption style="{_CAPTION}">{esc(caption)}</caption>')
    out.append("<thead><tr>" + "".join(cell("th", k, h) for k, h in enumerate(header)) + "</tr></thead>")
    out.append("<tbody>")
    for row in rows:
        out.append("<tr>" + "".join(cell("td", k, v) for k, v in enumerate(row)) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _usd(value: float) -> str:
    value = float(value)
    sign = "-" if value < 0 else ""
    value = abs(value)
    if value >= 1e6:
        return f"{sign}${value / 1e6:,.1f}M"
    return f"{sign}${value:,.0f}"


def _pct(p: float) -> str:
    p = float(p)
    if 0 < p < 0.005:
        return "<1%"
    if 0.995 <= p < 1:
        return ">99%"
    return f"{p:.0%}"


def _shorten(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _source_name(source: str) -> str:
    from pathlib import Path

    return Path(source).name if source else "?"
