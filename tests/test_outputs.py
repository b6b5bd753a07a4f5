"""Charts and exports an analyst and a newsroom can use as they are (issue #15): what each chart shows
and says, the chart-ready CSVs, the text helpers' rounding, PDF output and reproducible files."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import matplotlib.dates as mdates
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.text import Text

import sim
from sim import plots
from sim.analysis.comparison import compare_wide_csv
from sim.analysis.sweeps import sweep_text, sweep_wide_csv
from sim.plots.style import STRENGTH_LABEL, SUBTITLE_Y
from sim.results.exports import sources_csv, strength_wide_csv
from sim.text import count_text, key_value_text, money_text, percent_text, plural

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"

#: A mission that is not the MSS: nothing of Haiti, Kenya or the MSS may appear in its outputs.
ELSEWHERE = """\
[scenario]
name = "Northern patrol"
description = "A made-up mission, to check that nothing of another mission leaks into the outputs."
start = 2030-01-01
end = 2031-06-30
replications = 64
seed = 7

[mission]
authorized = 900
target = 1200

[[mandate]]
name = "Council 1"
expires = 2030-09-30
renewal_probability = 0.8
drawdown_days = 30

[[contingent]]
country = "Ruritania"
pledged = 600
batches = [{ arrive = 2030-01-10, size = 300 }, { arrive = 2030-03-01, size = 300, slip_days = { dist = "uniform", low = 0, high = 60 } }]

[[contingent]]
country = "Freedonia"
pledged = 300
schedule = { first = 2030-04-01, batches = 2, interval_days = 60 }
fulfilment = { dist = "uniform", low = 0.3, high = 0.9 }

[funding]
start_balance_usd = 1_000_000
cost_per_officer_day_usd = 100
fixed_cost_per_month_usd = 500_000
runway_days = 30

[[funding.pledge]]
donor = "Wealthy Nation"
amount_usd = 60_000_000
tranches = 3
first = 2030-01-01
interval_days = 120
"""


@pytest.fixture(scope="module")
def baseline():
    return sim.run(sim.load(SCENARIOS / "baseline.toml"), replications=64, seed=1, workers=1)


@pytest.fixture(scope="module")
def constrained():
    return sim.run(sim.load(SCENARIOS / "funding_constrained.toml"), replications=64, seed=1, workers=1)


@pytest.fixture(scope="module")
def elsewhere(tmp_path_factory):
    path = tmp_path_factory.mktemp("elsewhere") / "patrol.toml"
    path.write_text(ELSEWHERE, encoding="utf-8")
    return path


def texts(fig) -> list:
    """Every text artist of a figure: its own, its axes', their legends'."""
    out = list(fig.texts)
    for ax in fig.axes:
        out += list(ax.texts)
        if ax.get_legend() is not None:
            out += list(ax.get_legend().get_texts())
    return out


def all_text(fig) -> str:
    return "\n".join(t.get_text() for t in texts(fig)) + "\n" + "\n".join(
        ax.get_ylabel() + "\n" + ax.get_xlabel() for ax in fig.axes) + "\n" + (fig._suptitle.get_text() if fig._suptitle else "")


def drawn(fig):
    """The figure drawn (tick labels and text extents exist), and its renderer."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return canvas.get_renderer()


# --------------------------------------------------------------------------- 1. no place hard-coded


def test_no_module_of_the_charts_or_reports_names_the_mission():
    for folder in ("plots", "results", "analysis"):  # (the CLI's help shows examples with the shipped scenarios)
        for path in (ROOT / "sim" / folder).glob("*.py"):
            text = path.read_text(encoding="utf-8")
            assert "Haiti" not in text and "Kenya" not in text, path


def test_charts_of_another_mission_say_nothing_of_haiti(elsewhere):
    result = sim.run(sim.load(elsewhere), replications=32, workers=1)
    charts = [plots.strength_chart(result), plots.funding_chart(result), plots.compare_chart([result, result]),
              plots.backtest_chart(result, [(dt.date(2030, 6, 1), "total", 500, "")])]
    for fig in charts:
        text = all_text(fig)
        assert "Haiti" not in text and "Kenya" not in text and "MSS" not in text, text
    assert plots.strength_chart(result).axes[0].get_ylabel() == STRENGTH_LABEL == "Personnel deployed (total)"


# --------------------------------------------------------------------------- 3. overrides in the title


def test_a_chart_of_a_variant_says_so_under_its_title(baseline):
    variant = sim.load(SCENARIOS / "baseline.toml").with_overrides({"assumptions.fulfilment": 0.5})
    changed = sim.run(variant, replications=16, seed=1, workers=1)
    for fig in (plots.strength_chart(changed), plots.funding_chart(changed),
                plots.backtest_chart(changed, [(dt.date(2024, 7, 16), "total", 400, "")])):
        subtitle = [t for t in fig.texts if t.get_gid() == "subtitle"]
        assert len(subtitle) == 1 and subtitle[0].get_position()[1] == SUBTITLE_Y
        assert subtitle[0].get_text().startswith("With assumptions.fulfilment=0.5")
    plain = [t for t in plots.strength_chart(baseline).texts if t.get_gid() == "subtitle"]
    assert not plain[0].get_text().startswith("With")


# --------------------------------------------------------------------------- 4. a panel that adds up


def test_the_contingent_panel_adds_up_to_the_mean_total(baseline):
    countries, layers = plots.fan.composition(baseline)
    assert countries == baseline.series[:-1]
    np.testing.assert_allclose(np.sum(layers, axis=0), baseline.mean("total"), atol=1e-9)
    fig = plots.strength_chart(baseline)
    bottom = fig.axes[1]
    assert "mean" in bottom.get_ylabel() and "stacked" in bottom.get_ylabel()
    assert "mean" in bottom.get_legend().get_title().get_text()
    # the top of the stack, as drawn, is the mean total
    top_layer = [c for c in bottom.collections if isinstance(c, PolyCollection)][-1]
    heights = top_layer.get_paths()[0].vertices[:, 1]
    assert heights.max() == pytest.approx(float(baseline.mean("total").max()))


def test_three_contingents_add_up(tmp_path):
    path = tmp_path / "three.toml"
    path.write_text(ELSEWHERE + """
[[contingent]]
country = "Genovia"
pledged = 200
schedule = { first = 2030-02-01, batches = 1 }
""", encoding="utf-8")
    result = sim.run(sim.load(path), replications=32, workers=1)
    _, layers = plots.fan.composition(result)
    assert len(layers) == 3
    np.testing.assert_allclose(np.sum(layers, axis=0)[-1], result.mean("total")[-1])


# --------------------------------------------------------------------------- 5. the funding chart


def test_funding_chart_band_axis_and_deficit(baseline, constrained):
    rich = sim.run(baseline.scenario.with_overrides({"funding.start_balance_usd": 1e9}), replications=64, seed=1,
                   workers=1)
    assert rich.summary()["funding"]["p_deficit"] == 0
    fig = plots.funding_chart(rich)
    drawn(fig)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert labels and all("$" in label for label in labels), labels
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert not any("deficit" in label for label in legend), legend  # P(deficit) is 0: no shading, no entry
    band = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(band) == 1 and band[0].get_linewidth()[0] > 0  # one band, its edges drawn where it is thin

    fig = plots.funding_chart(constrained)
    ax = fig.axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    p = constrained.summary()["funding"]["p_deficit"]
    assert f"deficit: {percent_text(p, 0, bounded=True)} of runs" in legend
    band = [c for c in ax.collections if isinstance(c, PolyCollection)][0]
    shading = [p for p in ax.patches if "deficit" in (p.get_label() or "")][0]
    # the band is opaque and over the shading: where they meet there is no colour the legend does not name
    assert band.get_facecolor()[0][3] == 1.0 and band.get_zorder() > shading.get_zorder()


# --------------------------------------------------------------------------- 6. nothing collides


def test_deadline_names_sit_above_the_panel_and_apart(baseline):
    fig = plots.strength_chart(baseline)
    renderer = drawn(fig)
    top = fig.axes[0]
    labels = [t for t in top.texts if (t.get_gid() or "").startswith("deadline-label")]
    assert len(labels) == len(baseline.scenario.deadlines())
    panel = top.get_window_extent(renderer)
    boxes = [Text.get_window_extent(t, renderer) for t in labels]
    assert all(box.y0 >= panel.y1 - 0.5 for box in boxes)  # above the data, the ceiling and the target
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])


def test_compare_draws_the_ceiling_over_the_medians_and_fills_no_band(baseline):
    surge = sim.run(sim.load(SCENARIOS / "surge_5000.toml"), replications=16, seed=1, workers=1)
    fig = plots.compare_chart([baseline, surge])
    ax = fig.axes[0]
    medians = [line for line in ax.get_lines() if line.get_label() in ("Baseline", surge.scenario.name)]
    ceiling = [line for line in ax.get_lines() if line.get_color() == plots.style.CEILING]
    assert medians and ceiling
    assert min(c.get_zorder() for c in ceiling) > max(m.get_zorder() for m in medians)
    assert not [c for c in ax.collections if isinstance(c, PolyCollection)]  # bands are outlines: nothing blends
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "25–75% of runs (thin lines)" in legend


def test_backtest_labels_name_the_articles_apart_with_the_scores():
    observations = sim.read_observations(ROOT / "seeds" / "observed.csv")
    observations += [(dt.date(2024, 7, 20), "total", 420, "001_7e9b22f87c9658b0.txt"),
                     (dt.date(2024, 7, 25), "total", 450, "000_5907332dfe599310.txt")]
    baseline = sim.run(sim.load(SCENARIOS / "baseline.toml"), replications=64, seed=1, workers=1,
                       arrivals=sim.arrivals_needed(observations))
    report = sim.backtest(baseline, observations)
    fig = plots.backtest_chart(baseline, observations, report["scores"])
    renderer = drawn(fig)
    labels = [t for ax in fig.axes for t in ax.texts if (t.get_gid() or "").startswith("observation-label")]
    arrived = [o for o in observations if getattr(o, "quantity", "") == "arrived"]
    assert arrived and len(labels) == len(observations) - len(arrived)  # cumulative arrivals: scored, not drawn
    assert f"{len(arrived)} figure(s) of cumulative arrivals scored" in all_text(fig)
    assert "≤625 on 27 Aug 2024" in "\n".join(t.get_text() for t in labels)  # a bound says so
    names = baseline.scenario.facts.source_name
    text = "\n".join(t.get_text() for t in labels)
    assert names("002_c3e60652ca2c13ef.txt") in text and "[002]" not in text and "001_" not in text
    for ax in fig.axes:
        boxes = [Text.get_window_extent(t, renderer)  # the label's box, without its leader line
                 for t in ax.texts if (t.get_gid() or "").startswith("observation-label")]
        assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
        # spread along the axis: the labels do not all sit where the points are
        if len(boxes) >= 3:
            assert max(b.x1 for b in boxes) - min(b.x0 for b in boxes) > 0.4 * ax.get_window_extent(renderer).width
    scores = [t.get_text() for ax in fig.axes for t in ax.texts if t.get_gid() == "scores"]
    assert len(scores) == 1 and "50% band" in scores[0] and "CRPS" in scores[0]


def test_sweep_chart_words_points_at_zero_and_band(baseline):
    rows = [{"assumptions.fulfilment": f, "p_reach_authorized_end": p, "total_p50_end": 100.0 * f}
            for f, p in ((0.0, 0.0), (0.5, 0.25), (1.0, 1.0))]
    fig = plots.sweep_points_chart(baseline.scenario, ["assumptions.fulfilment"], rows, "p_reach_authorized_end",
                                   "P(reach authorized by end)", replications=64, seed=1)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "pledge fulfilment, every contingent"
    assert [c for c in ax.collections if isinstance(c, PolyCollection)]  # the band
    line = [line for line in ax.get_lines() if len(line.get_xdata()) == 3][0]
    assert line.get_clip_on() is False  # the points at 0% and 100% are drawn whole
    low, high = ax.get_ylim()
    assert low <= 0 and high >= 1
    rows = [{"funding.pledge.United States.amount_usd": a, "total_p50_end": 0.0 if a < 2e8 else 900.0,
             "p_reach_authorized_end": 0.0, "total_p5_end": 0.0, "total_p95_end": 1000.0} for a in (1e8, 3e8)]
    fig = plots.sweep_points_chart(baseline.scenario, ["funding.pledge.United States.amount_usd"], rows,
                                   "total_p50_end", "median total strength at end", replications=64, seed=1)
    drawn(fig)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "United States pledge: amount (US$)"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["$100.0M", "$300.0M"]


# --------------------------------------------------------------------------- 7. the strength chart's axes


def test_a_far_target_does_not_stretch_the_axis_and_the_first_year_is_labelled(baseline):
    fig = plots.strength_chart(baseline)
    drawn(fig)
    top = fig.axes[0]
    p95 = float(np.max(baseline.quantiles("total")["p95"]))
    assert top.get_ylim()[1] < baseline.scenario.target  # 5,000 is far above the data and the 2,500 ceiling
    assert top.get_ylim()[1] >= max(p95, baseline.scenario.authorized)
    legend = [t.get_text() for t in top.get_legend().get_texts()]
    assert "target 5,000 (above)" in legend
    labels = [t.get_text() for t in fig.axes[1].get_xticklabels() if t.get_text()]
    assert labels[0].endswith("2024") and any(label.endswith("2025") for label in labels), labels


def test_a_near_target_is_drawn(tmp_path):
    surge = sim.run(sim.load(SCENARIOS / "surge_5000.toml"), replications=16, seed=1, workers=1)
    top = plots.strength_chart(surge).axes[0]
    assert top.get_ylim()[1] >= 5000


# --------------------------------------------------------------------------- 9. words and numbers


def test_round_half_up_everywhere_in_text():
    assert count_text(1266.5) == "1,267" and count_text(1766.5) == "1,767"  # not 1,266 and 1,766 (half to even)
    assert count_text(-0.4) == "0" and count_text(2.25, 1) == "2.3"
    assert percent_text(0.125, 0) == "13%" and percent_text(0.145, 0) == "15%"
    assert money_text(1_250_000) == "$1.3M" and money_text(-12_350_000) == "-$12.4M"
    assert plural(1, "contingent") == "1 contingent" and plural(2, "contingent") == "2 contingents"
    summary = {"scenario": "S", "replications": 2, "seed": 1, "scenario_hash": "0" * 64, "authorized": 10,
               "target": 10, "end": "2025-01-01",
               "strength": {"at_deadlines": [], "at_end": {"mean": 1.5, "p5": 0.5, "p50": 1266.5, "p95": 1766.5},
                            "p_reach_authorized": 0.125, "median_first_day_authorized": None, "p_reach_target": 0.5,
                            "p_lapse": 0}}
    text = sim.results.report.summary_text(summary, {})
    assert "1,267 [1-1,767]" in text and "13%" in text


def test_money_in_sweep_tables():
    grid = {"funding.pledge.United States.amount_usd": [1e8, 3e8]}
    rows = [{"funding.pledge.United States.amount_usd": v, "p_reach_authorized_end": 0.0, "total_p50_end": 1266.5,
             "median_first_day_authorized": None, "p_reach_target": 0.0} for v in grid["funding.pledge.United States.amount_usd"]]
    text = sweep_text(grid, rows)
    assert "$100.0M" in text and "$300.0M" in text and "100000000" not in text and "1,267" in text
    assert key_value_text("assumptions.fulfilment", 0.5) == "0.5"


# --------------------------------------------------------------------------- chart-ready CSVs


def read_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_strength_wide_csv(baseline):
    rows = read_csv(strength_wide_csv(baseline))
    header = rows[0]
    assert header[:7] == ["date", "total_p5", "total_p50", "total_p95", "total_p25", "total_p75", "total_mean"]
    assert header[7:-2] == [f"{c}_p50" for c in baseline.series[:-1]]
    assert header[-2:] == ["authorized", "target"]
    assert len(rows) - 1 == baseline.scenario.days
    assert [dt.date.fromisoformat(r[0]) for r in rows[1:3]] == [baseline.scenario.start,
                                                              baseline.scenario.start + dt.timedelta(days=1)]
    for row in rows[1:]:
        p5, p50, p95 = map(float, row[1:4])
        assert p5 <= p50 <= p95
    q = baseline.quantiles("total")
    assert float(rows[-1][2]) == pytest.approx(float(q["p50"][-1]), abs=1e-3)


def test_compare_and_sweep_wide_csv(baseline):
    kenya = sim.run(sim.load(SCENARIOS / "kenya_only.toml"), replications=16, seed=1, workers=1)
    rows = read_csv(compare_wide_csv([baseline, kenya]))
    assert rows[0] == ["date", "Baseline_p50", "Baseline_p25", "Baseline_p75", "Kenya only_p50", "Kenya only_p25",
                       "Kenya only_p75"]
    assert len(rows) - 1 == baseline.scenario.days
    grid = {"scenario.end": [dt.date(2025, 1, 1), dt.date(2025, 3, 1)]}
    curves = [{"start": "2024-06-25", "p5": [1.0] * 191, "p50": [2.0] * 191, "p95": [3.0] * 191},
              {"start": "2024-06-25", "p5": [1.0] * 250, "p50": [2.5] * 250, "p95": [3.0] * 250}]
    rows = read_csv(sweep_wide_csv(grid, [{"scenario.end": d} for d in grid["scenario.end"]], curves))
    assert rows[0][:4] == ["date", "scenario.end=2025-01-01_p50", "scenario.end=2025-01-01_p5",
                           "scenario.end=2025-01-01_p95"]
    assert len(rows) - 1 == 250 and rows[-1][1] == "" and rows[-1][4] == "2.5"  # a shorter curve ends in empty cells


def test_sources_csv_names_the_articles(baseline):
    sc = baseline.scenario
    rows = read_csv(sources_csv(sc.facts, [f.source for f in sc.facts_used]))
    assert rows[0] == ["file", "name", "title", "outlet", "date"]
    assert {r[0] for r in rows[1:]} == {f.source for f in sc.facts_used}
    assert all(r[1] == sc.facts.source_name(r[0]) for r in rows[1:])


# --------------------------------------------------------------------------- formats


def test_pdf_and_svg_are_reproducible(baseline, tmp_path):
    for suffix in ("pdf", "svg"):
        a, b = tmp_path / f"a.{suffix}", tmp_path / f"b.{suffix}"
        plots.save_figure(plots.strength_chart(baseline), a)
        plots.save_figure(plots.strength_chart(baseline), b)
        assert a.read_bytes() == b.read_bytes()
    assert (tmp_path / "a.pdf").read_bytes().startswith(b"%PDF")
    assert re.search(rb"CreationDate", (tmp_path / "a.pdf").read_bytes()) is None
    with pytest.raises(ValueError, match="png, .svg or .pdf"):
        plots.save_figure(plots.strength_chart(baseline), tmp_path / "chart.jpg")


def test_month_ticks_carry_the_year_of_the_first_and_of_each_january():
    formatter = plots.style.MonthFormatter()
    values = [mdates.date2num(dt.date(2024, m, 1)) for m in (7, 10)] + [mdates.date2num(dt.date(2025, 1, 1))]
    assert formatter.format_ticks(values) == ["Jul\n2024", "Oct", "Jan\n2025"]


def test_sweep_bands_of_several_lines_are_outlines(baseline):
    rows = [{"assumptions.fulfilment": f, "mandate.1.renewal_probability": r, "p_reach_authorized_end": f * r}
            for f in (0.0, 0.5, 1.0) for r in (0.5, 1.0)]
    fig = plots.sweep_points_chart(baseline.scenario, ["assumptions.fulfilment", "mandate.1.renewal_probability"], rows,
                                   "p_reach_authorized_end", "P(reach authorized by end)", replications=64, seed=1)
    ax = fig.axes[0]
    assert not [c for c in ax.collections if isinstance(c, PolyCollection)]  # nothing filled, nothing blends
    assert ax.get_legend().get_title().get_text() == "mandate 1: P(renewal)"
    assert "90% interval (thin lines)" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_the_report_escapes_what_a_scenario_says(tmp_path):
    from sim.results.page import run_page

    path = tmp_path / "odd.toml"
    path.write_text(ELSEWHERE.replace('name = "Northern patrol"', 'name = "<b>Bold</b> & \\"co\\" -->"').replace(
        'description = "A made-up mission', 'description = "<script>alert(1)</script> A made-up mission'),
        encoding="utf-8")
    result = sim.run(sim.load(path), replications=16, workers=1)
    svg = plots.figure_bytes(plots.strength_chart(result), "svg")
    page = run_page(result, [("strength", svg, "caption")], ["report.html"])
    assert "<script" not in page and "<b>Bold" not in page
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; &quot;co&quot;" in page
