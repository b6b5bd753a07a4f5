"""Jupyter (sim.notebook): rich display (HTML, pretty text, pandas frames) and the interactive explorer, headless.

The HTML of a Scenario is sim.scenario.show's, that of a Result sim.results.report's; they are
tested here, together, as what a notebook shows. The notebooks themselves run in test_notebooks.py.
"""

from __future__ import annotations

import importlib
import sys

import numpy as np
import pytest

import sim
from sim.errors import INSTALL_HINTS, MissingDependencyError
from sim.notebook.explorer import explorer_overrides, slider_mandate
from sim.scenario import ScenarioError

from helpers import half_up

NASTY = "<script>alert('x')</script> & co"

NO_FUNDING = """\
[scenario]
name = "No money <b>here</b>"
start = 2024-01-01
end = 2024-06-30

[mission]
authorized = 100

[[contingent]]
country = "A&B"
pledged = 100
batches = [{ arrive = 2024-02-01, size = 100 }]
"""


@pytest.fixture(scope="module")
def result(baseline):
    return sim.run(baseline, replications=64, seed=3, workers=1)


@pytest.fixture(scope="module")
def nasty(baseline):
    """The baseline with markup in its name, description and a country."""
    return baseline.with_overrides({
        "scenario.name": NASTY,
        "scenario.description": "a <img src=x onerror=alert(1)> description",
        "contingent.Belize.country": "<i>Belize</i>",
    })


@pytest.fixture(scope="module")
def no_funding(tmp_path_factory):
    path = tmp_path_factory.mktemp("nofunding") / "x.toml"
    path.write_text(NO_FUNDING, encoding="utf-8")
    return sim.load(path)


# --------------------------------------------------------------------------- HTML


def test_scenario_html_shows_the_scenario(baseline):
    html = baseline._repr_html_()
    assert "Baseline" in html
    assert "2024-06-25 to 2026-06-30" in html and "2,500" in html and "5,000" in html
    for country in ("Kenya", "Benin", "Belize"):
        assert country in html
    for mandate in ("UNSC 2699", "Renewal 2025"):
        assert mandate in html
    assert "United States" in html and "$200.0M" in html  # the cash part of the US pledge (the rest is in kind)
    assert "kenya.pledged_total" in html  # the facts it uses
    assert "<style" not in html  # inline styles only: sanitizing viewers drop <style>


def test_scenario_html_escapes_user_strings(nasty):
    html = nasty._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<img" not in html and "&lt;img" in html
    assert "<i>Belize</i>" not in html and "&lt;i&gt;Belize&lt;/i&gt;" in html
    assert "&amp; co" in html


def test_scenario_html_without_funding_or_mandates(no_funding):
    html = no_funding._repr_html_()
    assert "No money &lt;b&gt;here&lt;/b&gt;" in html and "A&amp;B" in html
    assert "never lapses" in html and "money never gates" in html


def test_result_html_shows_the_headline_numbers(result):
    html = result._repr_html_()
    summary = result.summary()
    assert "Baseline" in html and "64 replications" in html
    for row in summary["strength"]["at_deadlines"]:
        assert row["date"] in html and row["mandate"] in html
        assert half_up(row["strength"]["p50"]) in html  # rounded half up, as every number people read
    assert "end of run" in html and "P(reached 2,500)" in html and "P(mandate lapses)" in html
    assert "P(deficit)" in html  # the funding outlook
    assert "with <code>" not in html
    changed = sim.run(result.scenario.with_overrides({"contingent.Kenya.fulfilment": {"dist": "beta", "mean": 0.6, "sd": 0.1}}),
                      replications=16, seed=1, workers=1)._repr_html_()
    assert 'with <code>contingent.Kenya.fulfilment={dist = &quot;beta&quot;, mean = 0.6, sd = 0.1}</code>' in changed


def test_result_html_escapes_and_handles_no_funding(nasty, no_funding):
    html = sim.run(nasty, replications=16, seed=1, workers=1)._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html
    plain = sim.run(no_funding, replications=16, seed=1, workers=1)._repr_html_()
    assert "P(deficit)" not in plain and "No money &lt;b&gt;" in plain


def test_pretty_text_is_the_readable_text(baseline, result):
    pretty = pytest.importorskip("IPython.lib.pretty")
    assert pretty.pretty(baseline) == str(baseline) == baseline.summary_text()
    assert pretty.pretty(result) == result.text()


# --------------------------------------------------------------------------- frames


def test_to_frame_is_tidy(result, baseline):
    pytest.importorskip("pandas")
    frame = result.to_frame()
    assert list(frame.columns) == ["date", "series", "mean", "p5", "p25", "p50", "p75", "p95"]
    order = ["total"] + [c.country for c in baseline.contingents]
    assert len(frame) == baseline.days * len(order)
    assert list(dict.fromkeys(frame["series"])) == order
    total = frame[frame["series"] == "total"]
    assert str(total["date"].iloc[0].date()) == str(baseline.start)
    assert str(total["date"].iloc[-1].date()) == str(baseline.end)
    assert np.array_equal(total["p50"].to_numpy(), result.quantiles("total")["p50"])
    assert np.allclose(total["mean"].to_numpy(), result.mean("total"))


def test_to_frame_selects_series(result, baseline):
    pytest.importorskip("pandas")
    kenya = result.to_frame("Kenya")
    assert set(kenya["series"]) == {"Kenya"} and len(kenya) == baseline.days
    assert np.array_equal(kenya["p95"].to_numpy(), result.quantiles("Kenya")["p95"])
    two = result.to_frame(["Benin", "total"])
    assert list(dict.fromkeys(two["series"])) == ["Benin", "total"]
    with pytest.raises(ValueError, match="unknown series 'Atlantis'"):
        result.to_frame("Atlantis")


def test_to_frame_without_pandas_says_how_to_install(result, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # makes `import pandas` raise ImportError
    with pytest.raises(ImportError, match=r"pip install 'mss-sim\[notebook\]'") as info:
        result.to_frame()
    assert info.value.__suppress_context__


# --------------------------------------------------------------------------- explorer


def test_sim_explore_is_the_function_and_no_module():
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("sim.explore")
    module = importlib.import_module("sim.notebook.explorer")
    assert callable(sim.explore) and sim.explore is module.explore
    assert sim.explore is sim.notebook.explore  # importing the module did not replace the function


def test_explorer_overrides(baseline):
    assert explorer_overrides(baseline) == {}  # nothing moved: the scenario as written
    assert slider_mandate(baseline) == "Renewal 2025"  # the first uncertain deadline
    out = explorer_overrides(baseline, fulfilment=0.5, slip=2.0, renewal=0.3, tour_days=180)
    assert out["assumptions.fulfilment"] == 0.5 and out["contingent.Kenya.fulfilment"] == 0.5
    assert out["assumptions.slip_days"] == {"dist": "lognormal", "median": 120.0, "sigma": 0.8}
    assert out["contingent.Kenya.slip_days"]["median"] == 120.0
    assert out["contingent.Kenya.batches.0.slip_days"] == 0  # an on-time batch stays on time
    assert out["assumptions.tour_days"] == 180
    assert out["mandate.Renewal 2025.renewal_probability"] == 0.3
    variant = baseline.with_overrides(out)  # a valid scenario
    assert all(c.fulfilment.params == (0.5,) and c.tour_days.params == (180.0,) for c in variant.contingents)
    assert explorer_overrides(baseline, slip=0)["assumptions.slip_days"] == 0  # lognormal scaled to nothing


def test_explore_works_headless(baseline):
    pytest.importorskip("ipywidgets")
    from matplotlib.figure import Figure

    explorer = sim.explore(baseline, replications=64)
    first = explorer.result
    assert explorer.overrides == {} and explorer.variant is baseline
    assert isinstance(explorer.figure, Figure)
    assert set(explorer.sliders) == {"fulfilment", "slip", "renewal", "tour_days"}

    result = explorer.update(fulfilment=0.3, renewal=0.0)
    assert result is explorer.result and result is not first
    assert explorer.overrides["assumptions.fulfilment"] == 0.3
    assert result.mean("total")[-1] < first.mean("total")[-1]
    assert result.summary()["strength"]["p_lapse"] == 1.0
    assert explorer.sliders["fulfilment"].value == pytest.approx(0.3)  # the sliders follow

    explorer.sliders["renewal"].value = 1.0  # what a user does: the callback re-runs
    assert explorer.values["renewal"] == 1.0 and explorer.result.summary()["strength"]["p_lapse"] == 0.0

    with pytest.raises(ScenarioError):  # update() itself raises on impossible values ...
        explorer.update(fulfilment=1.5)
    assert explorer.values["fulfilment"] == 0.3  # ... and keeps the last good state
    with pytest.raises(TypeError, match="unknown explorer value"):
        explorer.update(colour="blue")

    explorer.reset()
    assert explorer.overrides == {}
    assert np.array_equal(explorer.result.mean("total"), first.mean("total"))  # same seed, same numbers


def test_explore_slider_errors_are_shown_not_raised(baseline):
    pytest.importorskip("ipywidgets")
    explorer = sim.explore(baseline, replications=16)
    explorer._on_slide("fulfilment")({"new": 1.5})  # as if a slider sent an impossible value
    assert explorer.error and "must be in [0, 1]" in explorer.error
    assert "must be in [0, 1]" in explorer.status.value


def test_explore_without_ipywidgets_says_how_to_install(baseline, monkeypatch):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # makes `import ipywidgets` raise ImportError
    with pytest.raises(MissingDependencyError, match=r"pip install 'mss-sim\[notebook\]'") as info:
        sim.explore(baseline)
    assert isinstance(info.value, ImportError)
    assert info.value.__suppress_context__ and info.value.__cause__ is None  # no chained traceback noise


def test_both_missing_dependency_messages_name_the_notebook_extra(result, baseline, monkeypatch):
    """Result.to_frame (pandas) and sim.explore (ipywidgets) say the same thing: install the notebook extra."""
    monkeypatch.setitem(sys.modules, "pandas", None)
    monkeypatch.setitem(sys.modules, "ipywidgets", None)
    messages = []
    for call in (result.to_frame, lambda: sim.explore(baseline)):
        with pytest.raises(MissingDependencyError) as info:
            call()
        messages.append(str(info.value))
    assert INSTALL_HINTS["notebook"] == "pip install 'mss-sim[notebook]'"
    assert all(INSTALL_HINTS["notebook"] in message for message in messages), messages
