"""Where a run ran (issue #12): summary.json records the Python, NumPy and SimPy versions and the platform;
workers start from a fork server, never by forking the caller; and nothing warns of a NumPy deprecation."""

from __future__ import annotations

import json
import multiprocessing.context
import platform
import sys
import warnings

import numpy as np
import pytest
import simpy

import sim
from sim.cli import main

from conftest import BASELINE


def test_summary_json_records_the_versions_and_the_platform(tmp_path):
    out = tmp_path / "out"
    assert main(["run", str(BASELINE), "-n", "64", "--workers", "1", "-q", "--format", "svg", "-o", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["environment"] == {"python": platform.python_version(), "numpy": np.__version__,
                                      "simpy": simpy.__version__, "platform": platform.platform()}
    keys = list(summary)
    assert keys.index("environment") == keys.index("version") + 1  # provenance together


@pytest.mark.skipif(sys.platform != "linux", reason="the fork server is the start method on Linux")
def test_workers_start_from_a_fork_server(tmp_path, monkeypatch):
    methods = []
    original = multiprocessing.context.BaseContext.Pool

    def spy(self, *args, **kwargs):
        methods.append(self.get_start_method())
        return original(self, *args, **kwargs)

    monkeypatch.setattr(multiprocessing.context.BaseContext, "Pool", spy)
    sc = sim.load(BASELINE)
    two = sim.run(sc, replications=1024, seed=4, workers=2)
    assert methods == ["forkserver"]
    one = sim.run(sc, replications=1024, seed=4, workers=1)
    assert two.summary_json() == one.summary_json() and two.strength_csv() == one.strength_csv()


def test_runs_replications_and_files_warn_of_no_numpy_deprecation(tmp_path):
    sc = sim.load(BASELINE)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        result = sim.run(sc, replications=64, seed=1, workers=1, keep_replications=True)
        result.save(tmp_path / "out", formats=("png", "svg"))
        one = sim.replicate(sc, 3, seed=1)
        repr(one)
    assert one.dates[0] == np.datetime64(sc.start) and len(one.dates) == sc.days
    assert result.dates[-1] == np.datetime64(sc.end) and result.dates.dtype == np.dtype("datetime64[D]")
