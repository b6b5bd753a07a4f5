"""A scenario as a compact HTML description for Jupyter."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..html import DIV, MUTED, esc, table
from ..text import money_text, shorten


def usd(value: float) -> str:
    """Dollars for a table: millions from a million up, whole dollars below."""
    return money_text(value, small=True)


def scenario_html(scenario: Any) -> str:
    """A compact HTML description of a scenario (what ``Scenario._repr_html_`` shows)."""
    sc = scenario
    parts = [f'<div class="mss-sim" style="{DIV}">']
    parts.append(f"<div><b>Scenario {esc(sc.name)}</b> "
                 f'<span style="{MUTED}">({esc(Path(sc.source).name if sc.source else "?")}, hash {esc(sc.hash[:12])})</span></div>')
    if sc.description:
        parts.append(f'<div style="{MUTED};max-width:60em">{esc(shorten(sc.description, 400))}</div>')
    total_pledged = sum(c.pledged for c in sc.contingents)
    parts.append(table(
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
    parts.append(table(f"Contingents ({len(sc.contingents)})",
                        ["country", "pledged", "fulfilment", "tour (days)", "batches (planned)", "slip (days)"],
                        rows, left=1, left_cols=(0, 4, 5)))

    if sc.mandates:
        rows = [[m.name, str(m.expires), str(m.renewal_probability), f"{m.renewed_months}",
                 f"{m.authorized_after:,}" if m.authorized_after else "unchanged", f"{m.drawdown_days}"]
                for m in sc.mandates]
        parts.append(table("Mandates", ["name", "expires", "P(renewal)", "renewed for (months)",
                                         "ceiling after", "drawdown (days)"], rows, left=1))
    else:
        parts.append(f'<div style="{MUTED}">No mandates: the mission never lapses.</div>')

    f = sc.funding
    if f is not None:
        parts.append(table(
            "Funding", ["start balance", "per officer-day", "fixed per month", "deploy per officer", "runway (days)"],
            [[usd(f.start_balance_usd), usd(f.cost_per_officer_day_usd), usd(f.fixed_cost_per_month_usd),
              usd(f.deploy_cost_per_officer_usd), f"{f.runway_days}"]],
        ))
        if f.pledges:
            rows = [[p.donor + (" (in kind)" if p.in_kind else ""), usd(p.amount_usd), str(p.fulfilment), f"{p.tranches}", str(p.first),
                     f"{p.interval_days}", str(p.slip_days)] for p in f.pledges]
            parts.append(table("Funding pledges", ["donor", "amount", "fulfilment", "tranches", "first",
                                                    "every (days)", "slip (days)"], rows, left=1))
    else:
        parts.append(f'<div style="{MUTED}">No [funding] table: money never gates deployments.</div>')

    if sc.facts_used:
        ids = ", ".join(esc(u.id) for u in sc.facts_used)
        parts.append(f'<div style="{MUTED}">{len(sc.facts_used)} facts from the articles '
                     f"(<code>scenario.facts_used</code>): {ids}</div>")
    parts.append("</div>")
    return "".join(parts)
