"""Reported figures (sim.analysis.observations): reading the CSV, and refusing a bad one before anything runs."""

from __future__ import annotations

import datetime as dt
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
    ("date,series,value\n2024-08-01,Kenia,4\n", 2, "did you mean 'Kenya'"),
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
    path.write_text("date,series,value\n2024-08-01,Kenia,4\n", encoding="utf-8")
    observations = read_observations(path)  # the file is well formed ...
    with pytest.raises(ObservationError, match=rf"^{path}:2: .*did you mean 'Kenya'") as info:
        check_observations(baseline, observations)  # ... but Kenia is no series of the baseline
    assert isinstance(info.value, ValueError)
