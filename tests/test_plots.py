"""Charts: every public function builds a 1200 x 700 Figure; PNG/SVG files are valid and reproducible."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap

import matplotlib
import pytest
from matplotlib.figure import Figure

import sim
from sim import plots

from conftest import BASELINE, NO_FUNDING, SCENARIOS
from helpers import png_size


@pytest.fixture(scope="module")
def result(baseline):
    return sim.run(baseline, replications=64, seed=1, workers=1)


@pytest.fixture(scope="module")
def no_funding_result(tmp_path_factory):
    path = tmp_path_factory.mktemp("nofunding") / "x.toml"
    path.write_text(NO_FUNDING, encoding="utf-8")
    return sim.run(sim.load(path), replications=16, seed=1, workers=1)


def title_of(fig: Figure) -> str:
    return fig._suptitle.get_text() if fig._suptitle is not None else ""


def all_text(fig: Figure) -> str:
    texts = [t.get_text() for t in fig.texts]
    for ax in fig.axes:
        texts += [t.get_text() for t in ax.texts]
        legend = ax.get_legend()
        if legend is not None:
            texts += [t.get_text() for t in legend.get_texts()]
    return "\n".join(texts)


def check_figure(fig) -> None:
    assert isinstance(fig, Figure)
    width, height = fig.get_size_inches() * fig.dpi
    assert (round(width), round(height)) == (1200, 700)


# --------------------------------------------------------------------------- each chart


def test_strength_chart(result, tmp_path):
    fig = plots.strength_chart(result)
    check_figure(fig)
    title = title_of(fig)
    assert result.scenario.name in title
    assert "projected personnel" in title and "(64 replications)" in title
    assert len(fig.axes) == 2  # fan chart, then per-contingent medians
    text = all_text(fig)
    for name, _date in result.scenario.deadlines():
        assert name in text
    assert "authorized 2,500" in text and "target 5,000" in text
    for country in result.series[:-1]:
        assert country in text  # the breakdown is in the legend
    # the footnote: sources (the articles' short names, from seeds/sources.toml), seed, hash, version
    footer = " ".join(text.split())  # the footer is wrapped
    for fact in result.scenario.facts_used:
        assert fact.source_name and fact.source_name in footer
    assert f"Seed {result.seed}" in text and result.scenario.hash[:12] in text and f"v{result.version}" in text
    # thousands separators on the y axis
    fig.savefig(tmp_path / "draw.png")  # draw, so that tick labels exist
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert any("," in label for label in labels), labels


def test_a_chart_says_which_values_were_overridden(result):
    assert "With " not in all_text(result.plot())
    variant = sim.load(BASELINE).with_overrides({"assumptions.fulfilment": 0.5,
                                                 "contingent.Kenya.fulfilment": {"dist": "beta", "mean": 0.6, "sd": 0.1}})
    changed = sim.run(variant, replications=16, seed=1, workers=1)
    for chart in ("strength", "funding"):
        footer = " ".join(all_text(changed.plot(chart)).split())  # the footer is wrapped
        assert 'With assumptions.fulfilment=0.5, contingent.Kenya.fulfilment={dist = "beta", mean = 0.6, sd = 0.1}.' in footer


def test_funding_chart(result):
    fig = plots.funding_chart(result)
    check_figure(fig)
    assert result.scenario.name in title_of(fig)
    assert "US$ millions" in fig.axes[0].get_ylabel()
    rich = sim.run(result.scenario.with_overrides({"funding.start_balance_usd": 1e9}), replications=16, seed=1,
                   workers=1)
    assert rich.summary()["funding"]["p_deficit"] == 0
    assert "deficit" not in all_text(plots.funding_chart(rich))  # no run goes into deficit: no shading, nothing named
    constrained = sim.run(sim.load(SCENARIOS / "funding_constrained.toml"), replications=16, seed=1, workers=1)
    assert constrained.summary()["funding"]["p_deficit"] > 0
    assert "deficit" in all_text(plots.funding_chart(constrained))  # some do: the deficit region is named


def test_funding_chart_without_funding(no_funding_result):
    assert no_funding_result.balance_quantiles() is None
    with pytest.raises(ValueError, match=r"no \[funding\] table"):
        plots.funding_chart(no_funding_result)
    # the other charts work without funding and without mandates
    check_figure(plots.strength_chart(no_funding_result))


def test_compare_chart(result):
    surge = sim.run(sim.load(SCENARIOS / "surge_5000.toml"), replications=16, seed=1, workers=1)
    fig = plots.compare_chart([result, surge])
    check_figure(fig)
    text = all_text(fig)
    assert result.scenario.name in text and surge.scenario.name in text
    assert "authorized" in text and "target 5,000" in text
    # the surge's ceiling change is drawn as a labelled step
    assert "authorized 5,000" in text


@pytest.mark.parametrize("by", [None, "renewal"])
def test_sweep_chart_fractions(by):
    rows = [{"fulfilment": f, "renewal": p, "p": f * p} for f in (0.3, 0.6, 0.9) for p in (0.5, 1.0)]
    fig = plots.sweep_chart(rows, "fulfilment", "p", by=by, title="P by fulfilment")
    check_figure(fig)
    ax = fig.axes[0]
    assert title_of(fig) == "P by fulfilment"
    assert ax.get_ylim()[0] <= 0 and ax.get_ylim()[1] >= 1
    assert ax.yaxis.get_major_formatter()(0.5, 0) == "50%"
    lines = [line for line in ax.get_lines() if len(line.get_xdata())]
    assert len(lines) == (2 if by else 1)
    assert all(line.get_marker() not in (None, "None", "") for line in lines)
    if by:
        assert {t.get_text() for t in ax.get_legend().get_texts()} == {"0.5", "1"}


def test_sweep_chart_note_replaces_the_footnote():
    rows = [{"x": 1, "y": 0.5}, {"x": 2, "y": 0.7}]
    assert "2 sweep points" in all_text(plots.sweep_chart(rows, "x", "y"))
    fig = plots.sweep_chart(rows, "x", "y", note="2 points, 64 replications each, seed 3.")
    check_figure(fig)
    assert "2 points, 64 replications each, seed 3." in all_text(fig) and "2 sweep points" not in all_text(fig)


def test_sweep_chart_counts():
    rows = [{"tour_days": t, "strength": 1000 + 2 * t} for t in (270, 180, 365)]
    fig = plots.sweep_chart(rows, "tour_days", "strength")
    check_figure(fig)
    ax = fig.axes[0]
    assert ax.yaxis.get_major_formatter()(1500, 0) == "1,500"
    xs = list(ax.get_lines()[0].get_xdata())
    assert xs == sorted(xs)  # points joined in x order


def test_backtest_chart(result):
    observations = [
        (dt.date(2024, 8, 27), "total", 400, "001_7e9b22f87c9658b0.txt"),
        (dt.date(2024, 8, 27), "Kenya", 400, "001_7e9b22f87c9658b0.txt"),
        (dt.date(2030, 1, 1), "total", 9, "999_later.txt"),  # outside the run: left out, noted
    ]
    fig = plots.backtest_chart(result, observations)
    check_figure(fig)
    assert len(fig.axes) == 2  # total fan, then Kenya with its observation
    text = all_text(fig)
    # each figure labelled with its value, date and article's short name (seeds/sources.toml), in each panel
    labels = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert labels.count("400 on 27 Aug 2024\nKenya pledges 600 more, 27 Aug 2024") == 2, labels
    assert "[001]" not in text and "reported figure (article)" in text and "not shown" in text
    assert result.scenario.name in title_of(fig)
    # only "total" observations: a single panel
    single = plots.backtest_chart(result, observations[:1])
    assert len(single.axes) == 1


def test_result_plot_uses_these_charts(result):
    check_figure(result.plot())
    check_figure(result.plot("funding"))


# --------------------------------------------------------------------------- files


def test_save_png_is_exactly_1200_by_700(result, tmp_path):
    for name, fig in (("strength", plots.strength_chart(result)), ("funding", plots.funding_chart(result))):
        path = tmp_path / f"{name}.png"
        plots.save_figure(fig, path)
        assert png_size(path) == (1200, 700)


def test_save_svg_is_valid_and_reproducible(result, tmp_path):
    import xml.etree.ElementTree as ET

    a, b = tmp_path / "a.svg", tmp_path / "b.svg"
    plots.save_figure(plots.strength_chart(result), a)
    plots.save_figure(plots.strength_chart(result), b)
    root = ET.parse(a).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("width") == "864pt" and root.get("height") == "504pt"  # 12 x 7 in at 72 pt/in
    assert b"<dc:date>" not in a.read_bytes()
    assert a.read_bytes() == b.read_bytes()


def test_figure_writer_saves_the_chart_it_makes(result, tmp_path):
    write = plots.figure_writer(lambda: plots.strength_chart(result))
    write(tmp_path / "s.png")
    assert png_size(tmp_path / "s.png") == (1200, 700)


def test_save_rejects_other_suffixes(result, tmp_path):
    fig = plots.strength_chart(result)
    for name in ("chart.jpg", "chart"):
        with pytest.raises(ValueError, match=r"use \.png, \.svg or \.pdf"):
            plots.save_figure(fig, tmp_path / name)
        assert not (tmp_path / name).exists()
    plots.save_figure(fig, tmp_path / "chart.pdf")  # PDF is one of the formats now
    assert (tmp_path / "chart.pdf").read_bytes().startswith(b"%PDF")


def test_png_is_reproducible(result, tmp_path):
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    plots.save_figure(plots.funding_chart(result), a)
    plots.save_figure(plots.funding_chart(result), b)
    assert a.read_bytes() == b.read_bytes()


# --------------------------------------------------------------------------- no global side effects


def _settings() -> dict:
    # not rcParams["backend"]: reading it can resolve (and import pyplot for) the backend
    return {key: repr(matplotlib.rcParams[key]) for key in matplotlib.rcParams if key != "backend"}


def test_charts_leave_rcparams_alone(result, tmp_path):
    before = _settings()
    plots.save_figure(plots.strength_chart(result), tmp_path / "s.svg")
    plots.save_figure(plots.funding_chart(result), tmp_path / "f.png")
    plots.compare_chart([result, result])
    plots.sweep_chart([{"x": 1, "y": 0.5}], "x", "y")
    assert _settings() == before


def test_no_pyplot_and_no_global_settings_in_a_fresh_process(tmp_path):
    script = textwrap.dedent(
        f"""
        import sys
        import matplotlib
        before = {{k: repr(matplotlib.rcParams[k]) for k in matplotlib.rcParams if k != "backend"}}
        import sim
        from sim import plots
        r = sim.run(sim.load({str(BASELINE)!r}), replications=8, seed=1, workers=1)
        plots.save_figure(plots.strength_chart(r), __import__("pathlib").Path({str(tmp_path / "x.png")!r}))
        plots.save_figure(plots.funding_chart(r), __import__("pathlib").Path({str(tmp_path / "x.svg")!r}))
        after = {{k: repr(matplotlib.rcParams[k]) for k in matplotlib.rcParams if k != "backend"}}
        assert "matplotlib.pyplot" not in sys.modules, "pyplot was imported"
        assert before == after, "rcParams changed"
        print("ok")
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
