"""Reported figures (sim.analysis.observations): reading the CSV, and refusing a bad one before anything runs."""

from __future__ import annotations

import datetime as dt
import json
import pickle

import pytest

import sim
from sim.analysis.observations import (
    ObservationError,
    check_observations,
    read_observations,
)
from sim.cli import main

from conftest import BASELINE, OBSERVED
from helpers import one_error_line


def test_read_observations(tmp_path):
    path = tmp_path / "o.csv"
    path.write_text("# reported figures\nDate, Series, Value\n\n2024-08-27, Kenya, 400\n2024-09-01,total,\"1,000\"\n")
    observations = sim.read_observations(path)
    assert observations == [(dt.date(2024, 8, 27), "Kenya", 400, ""), (dt.date(2024, 9, 1), "total", 1000, "")]
    assert observations[0].where == f"{path}:4" and observations[1].value == 1000
    assert pickle.loads(pickle.dumps(observations[0])).where == observations[0].where
    assert sim.read_observations(OBSERVED)[0][1:3] == ("Kenya", 400)


@pytest.mark.parametrize("text, line, says", [
    ("date,series\n2024-08-01,total\n", 1, "value"),
    ("date,series,vlaue\n", 1, "did you mean 'value'"),
    ("date,series,value\n2024-08-01,total,4\n2024-13-01,total,4\n", 3, "not a date"),
    ("date,series,value\n2024-08-01,total,abc\n", 2, "not a number"),
    ("date,series,value\n2024-08-01,total,-3\n", 2, "negative"),
    ("date,series,value\n2024-08-01,total\n", 2, "fields"),
    ("", 1, "empty"),
    ("date,series,value\n2023-08-01,total,4\n", 2, "outside the run"),  # before the start
    ("date,series,value\n2027-08-01,total,4\n", 2, "outside the run"),
])
def test_bad_observations_exit_2_naming_the_line(text, line, says, tmp_path, no_runs, capsys):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "bt"
    assert main(["backtest", str(BASELINE), "--observed", str(path), "-o", str(out)]) == 2
    error = one_error_line(capsys.readouterr().err)
    assert error.startswith(f"{path}:{line}: ") and says in error
    assert not out.exists()


def test_an_observation_error_names_its_line_for_python_callers_too(tmp_path, baseline):
    path = tmp_path / "o.csv"
    path.write_text("date,series,value\n2024-08-01,total,4\n2030-08-01,total,4\n", encoding="utf-8")
    observations = read_observations(path)  # the file is well formed ...
    with pytest.raises(ObservationError, match=rf"^{path}:3: date 2030-08-01 is outside the run") as info:
        check_observations(baseline, observations)  # ... but its second date is after the baseline's end
    assert isinstance(info.value, ValueError)


# ---------------------------------------------------------------- kinds, relative errors and series forms (issue #13)


def test_read_kinds_relative_errors_and_series_forms(tmp_path):
    path = tmp_path / "o.csv"
    path.write_text("date,series,value,kind,relative_error,source\n"
                    "2024-08-27,Kenya,400,approx,5%,a.txt\n"
                    "2024-08-27,total,625,AT_MOST,,a.txt\n"
                    "2024-08-27,arrived,\"1,000\",at_least,,\n"
                    "2024-08-27, Arrived : Kenya ,744,,,b.txt\n"
                    "2024-08-27,strength:Kenya,399,exact,,\n", encoding="utf-8")
    observations = sim.read_observations(path)
    assert [o.series for o in observations] == ["Kenya", "total", "arrived:total", "arrived:Kenya", "Kenya"]
    assert [o.kind for o in observations] == ["approx", "at_most", "at_least", "exact", "exact"]
    assert [o.relative_error for o in observations] == [0.05, None, None, None, None]
    assert [(o.quantity, o.country) for o in observations][2:4] == [("arrived", "total"), ("arrived", "Kenya")]
    assert observations[2].value == 1000 and observations[3].source == "b.txt"
    again = pickle.loads(pickle.dumps(observations[0]))
    assert (again.kind, again.relative_error, again.where) == ("approx", 0.05, f"{path}:2")
    assert sim.arrivals_needed(observations) == [("Kenya", dt.date(2024, 8, 27)), ("total", dt.date(2024, 8, 27))]


def test_the_plain_form_of_a_series_reads_back_the_same():
    """A country named 'arrived' or holding a ':' keeps its 'strength:' prefix: written plain, it would read back
    as something else (every officer who arrived; a quantity before the ':')."""
    day = dt.date(2024, 8, 27)
    for written, plain in (("strength:arrived", "strength:arrived"), ("strength:A:B", "strength:A:B"),
                           ("strength:Kenya", "Kenya"), ("arrived", "arrived:total"), ("Arrived:Chad", "arrived:Chad")):
        first = sim.Observation(day, written, 1.0)
        again = sim.Observation(day, first.series, 1.0)
        assert first.series == plain and (again.quantity, again.country) == (first.quantity, first.country), written


HEAD = "date,series,value,kind,relative_error\n"


@pytest.mark.parametrize("row, says", [
    ("2024-08-01,total,4,aprox,0.1", ["kind: unknown kind 'aprox'", "did you mean 'approx'", "allowed: exact",
                                      "at_least, at_most"]),
    ("2024-08-01,total,4,approx,", ["relative_error: empty", "approx figure needs one", "e.g. 0.05 or 5%"]),
    ("2024-08-01,total,4,approx,-0.1", ["relative_error: must be above 0 and at most 1", "got -0.1"]),
    ("2024-08-01,total,4,approx,150%", ["relative_error: must be above 0 and at most 1", "got 1.5"]),
    ("2024-08-01,total,4,approx,0", ["relative_error: must be above 0"]),
    ("2024-08-01,total,4,approx,about", ["relative_error: not a number: 'about'", "0.05, or 5%"]),
    ("2024-08-01,total,4,at_least,0.1", ["relative_error: only an approx figure takes one", "kind at_least"]),
    ("2024-08-01,total,4,,0.1", ["relative_error: only an approx figure takes one", "kind exact"]),
    ("2024-08-01,departed:Kenya,4,,", ["series: unknown quantity 'departed'", "arrived:COUNTRY"]),
    ("2024-08-01,arived:Kenya,4,,", ["series: unknown quantity 'arived'", "did you mean 'arrived'"]),
    ("2024-08-01,arrived:,4,,", ["series: no country after 'arrived':", "arrived:total"]),
    ("2024-08-01,arrived:Kenya,-4,,", ["value: a number of arrivals cannot be negative"]),
])
def test_bad_kinds_and_series_exit_2_naming_line_column_and_what_is_allowed(row, says, tmp_path, no_runs, capsys):
    path = tmp_path / "bad.csv"
    path.write_text(HEAD + "2024-07-16,Kenya,400,,\n" + row + "\n", encoding="utf-8")
    out = tmp_path / "bt"
    assert main(["backtest", str(BASELINE), "--observed", str(path), "-o", str(out)]) == 2
    error = one_error_line(capsys.readouterr().err)
    assert error.startswith(f"{path}:3: ")
    for needle in says:
        assert needle in error, error
    assert not out.exists()


def test_an_unknown_column_lists_the_new_ones(tmp_path, no_runs, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("date,series,value,knd\n", encoding="utf-8")
    assert main(["backtest", str(BASELINE), "--observed", str(path), "-o", str(tmp_path / "bt")]) == 2
    error = one_error_line(capsys.readouterr().err)
    assert "did you mean 'kind'" in error and "date,series,value[,source][,kind][,relative_error]" in error


def test_a_country_the_scenario_lacks_is_a_warning_and_left_out(det100, tmp_path, capsys):
    path = tmp_path / "o.csv"
    path.write_text("date,series,value,source\n"
                    "2024-03-01,A,100,a.txt\n"
                    "2024-03-01,arrived:Haiti,744,b.txt\n"
                    "2024-03-01,Kenya,400,c.txt\n", encoding="utf-8")
    out = tmp_path / "bt"
    assert main(["backtest", str(det100), "--observed", str(path), "-n", "64", "-o", str(out), "--json"]) == 0
    captured = capsys.readouterr()
    warnings = [line for line in captured.err.splitlines() if line.strip()]
    assert len(warnings) == 2 and "Traceback" not in captured.err
    assert warnings[0].startswith(f"sim backtest: warning: {path}:3: series 'arrived:Haiti': 'Haiti' is neither")
    assert warnings[1].startswith(f"sim backtest: warning: {path}:4: series 'Kenya': 'Kenya' is neither 'total' nor "
                                  f"a country of 'Deterministic'")
    assert all("left out (countries: A)" in w for w in warnings)
    report = json.loads(captured.out)
    assert report["observations"] == 1 and [r["source"] for r in report["rows"]] == ["a.txt"]
    assert report["warnings"] == [w.removeprefix("sim backtest: warning: ") for w in warnings]
    assert json.loads((out / "backtest.json").read_text(encoding="utf-8"))["warnings"] == report["warnings"]
    sources = (out / "sources.csv").read_text(encoding="utf-8")
    assert "b.txt" not in sources and "c.txt" not in sources  # the sources of figures left out are not listed


def test_python_callers_get_the_warnings_too(baseline):
    kept, warnings = check_observations(baseline, [(dt.date(2024, 8, 1), "Kenia", 4), (dt.date(2024, 8, 1), "total", 4)])
    assert [o.series for o in kept] == ["total"] and kept[0].kind == "exact"
    assert len(warnings) == 1 and warnings[0].startswith("observation 1: series 'Kenia'") and "'Kenya'" in warnings[0]


def test_every_bad_row_is_said_one_line_each(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text("date,series,value,source,kind,relative_error\n2024-07-16,Kenya,400,,,\n"
                    "2024-07-16,Kenya,400,,aprox,\n2024-07-16,Kenya,400,,approx,\n2024-07-16,sent:Kenya,400,,,\n",
                    encoding="utf-8")
    with pytest.raises(ObservationError) as caught:
        read_observations(path)
    lines = str(caught.value).splitlines()
    assert [line.split(": ")[0] for line in lines] == [f"{path}:3", f"{path}:4", f"{path}:5"]
    assert "did you mean 'approx'" in lines[0] and "needs one" in lines[1] and "unknown quantity 'sent'" in lines[2]
