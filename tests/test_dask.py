"""The Dask backend gives the local backend's bytes, survives a lost worker, and fails fast without a scheduler."""

from __future__ import annotations

import os
import threading
import time

import pytest

distributed = pytest.importorskip("distributed")

import sim  # noqa: E402
import sim.runner.backends  # noqa: E402
from sim import runner  # noqa: E402

from conftest import BASELINE, SCENARIOS  # noqa: E402
from helpers import outputs  # noqa: E402


@pytest.fixture(scope="module", autouse=True)
def scratch(tmp_path_factory):
    """Dask's workers (ours and those the dask backend starts) keep their scratch space in a temporary
    folder of the tests, not in a dask-scratch-space left in the system's temporary folder."""
    import dask

    folder = tmp_path_factory.mktemp("dask")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DASK_TEMPORARY_DIRECTORY", str(folder))  # for worker processes that read their own config
        with dask.config.set({"temporary-directory": str(folder)}):
            yield folder


@pytest.fixture(scope="module")
def cluster(scratch):
    import logging

    import dask

    # a worker that dies without a word is declared dead after 10 s rather than the default 5 minutes
    with dask.config.set({"distributed.scheduler.worker-ttl": "10s"}):
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                                      silence_logs=logging.ERROR) as cluster:
            yield cluster


def test_dask_matches_local_byte_for_byte(cluster):
    scenario = sim.load(BASELINE)
    local = sim.run(scenario, replications=2100, seed=7, workers=2)
    remote = sim.run(scenario, replications=2100, seed=7, backend="dask", scheduler=cluster.scheduler_address)
    assert outputs(remote) == outputs(local)


def test_a_shared_backend_serves_several_runs(cluster):
    scenario = sim.load(BASELINE)
    variant = scenario.with_overrides({"assumptions.fulfilment": 0.3})
    with runner.open_backend("dask", scheduler=cluster.scheduler_address) as backend:
        a = sim.run(scenario, replications=200, seed=1, backend=backend)
        b = sim.run(variant, replications=200, seed=1, backend=backend)
    assert outputs(a) == outputs(sim.run(scenario, replications=200, seed=1, workers=1))
    assert outputs(b) == outputs(sim.run(variant, replications=200, seed=1, workers=1))


def test_losing_a_worker_mid_run_gives_the_identical_result(cluster):
    scenario = sim.load(BASELINE)
    expected = outputs(sim.run(scenario, replications=6 * runner.CHUNK, seed=3, workers=2))
    done: list[int] = []
    outcome: dict = {}

    def work():
        outcome["result"] = sim.run(scenario, replications=6 * runner.CHUNK, seed=3, backend="dask",
                                    scheduler=cluster.scheduler_address, progress=done.append)

    thread = threading.Thread(target=work)
    thread.start()
    deadline = time.time() + 120
    while not done and time.time() < deadline:
        time.sleep(0.05)
    assert done, "no chunk finished"
    with distributed.Client(cluster.scheduler_address) as client:
        victim = sorted(client.scheduler_info()["workers"])[0]
        try:
            client.run(os._exit, 1, workers=[victim])  # the worker process dies; its nanny starts another
        except Exception:  # noqa: BLE001 - the connection to the dying worker breaks, as it should
            pass
    thread.join(timeout=120)
    assert not thread.is_alive()
    assert outputs(outcome["result"]) == expected


def test_unreachable_scheduler_is_a_clear_error_within_the_timeout(monkeypatch):
    monkeypatch.setattr(sim.runner.backends, "CONNECT_TIMEOUT", 2)  # where the backend reads it
    scenario = sim.load(BASELINE)
    start = time.time()
    with pytest.raises(runner.BackendError, match="cannot reach the Dask scheduler"):
        sim.run(scenario, replications=64, backend="dask", scheduler="tcp://127.0.0.1:9")
    assert time.time() - start < 30


def test_cli_unreachable_scheduler_exits_2(monkeypatch, capsys, tmp_path):
    from sim.cli import main

    monkeypatch.setattr(sim.runner.backends, "CONNECT_TIMEOUT", 2)  # where the backend reads it
    code = main(["run", str(BASELINE), "-n", "64", "--backend", "dask", "--scheduler", "tcp://127.0.0.1:9",
                 "-o", str(tmp_path / "out")])
    assert code == 2
    err = capsys.readouterr().err
    assert "cannot reach the Dask scheduler" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_sweep_on_dask_writes_the_local_bytes(cluster, tmp_path):
    """`sim sweep ... --backend dask`, with and without --scheduler, gives the local sweep.csv byte for byte."""
    from sim.cli import main

    args = ["sweep", str(BASELINE), "--set", "assumptions.fulfilment=0.2,0.6,1.0", "-n", "300", "--quiet"]
    assert main(args + ["-o", str(tmp_path / "local"), "--workers", "2"]) == 0
    assert main(args + ["-o", str(tmp_path / "remote"), "--backend", "dask", "--scheduler",
                        cluster.scheduler_address]) == 0
    assert main(args + ["-o", str(tmp_path / "own"), "--backend", "dask", "--workers", "2"]) == 0
    local = (tmp_path / "local" / "sweep.csv").read_bytes()
    assert (tmp_path / "remote" / "sweep.csv").read_bytes() == local
    assert (tmp_path / "own" / "sweep.csv").read_bytes() == local


def test_compare_on_dask_writes_the_local_bytes(cluster, tmp_path):
    from sim.cli import main

    args = ["compare", str(BASELINE), str(SCENARIOS / "kenya_only.toml"), "-n", "200", "--quiet"]
    assert main(args + ["-o", str(tmp_path / "local")]) == 0
    assert main(args + ["-o", str(tmp_path / "remote"), "--backend", "dask", "--scheduler",
                        cluster.scheduler_address]) == 0
    assert (tmp_path / "remote" / "compare.csv").read_bytes() == (tmp_path / "local" / "compare.csv").read_bytes()


def test_a_calibration_on_dask_gives_the_local_bytes(cluster, tmp_path):
    """sim calibrate (issue #13): every generation's batch and the predictive run on the cluster, the same numbers
    (a figure of cumulative arrivals among the observations: each chunk's arrivals come back in replication order)."""
    from sim.analysis.abc import Options

    from calibration_helpers import DATES, FIT, fast_scenario, observations_of

    scenario = fast_scenario(tmp_path)
    observed = observations_of(scenario, 35.0) + [sim.Observation(DATES[1], "arrived:total", 120.0)]
    options = dict(fit=FIT, particles=520, replications=64, seed=3, options=Options(generations=2, simulations=3000))
    local = sim.calibrate(scenario, observed, workers=2, **options)
    remote = sim.calibrate(scenario, observed, backend="dask", scheduler=cluster.scheduler_address, **options)
    assert remote.main.posterior_csv == local.main.posterior_csv
    assert remote.predictive.strength_csv() == local.predictive.strength_csv()
    assert remote.summary() == local.summary()
