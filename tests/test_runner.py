"""The runner (sim.runner): reproducibility, independence from the workers, common random numbers, chunks."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import sim
from sim.errors import InputError
from sim.runner import BACKENDS, CHUNK, open_backend, plan_chunks
from sim.streams import BLOCK

from conftest import SCENARIOS
from helpers import outputs


def write(tmp_path, body: str, name: str = "s.toml") -> sim.Scenario:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body))
    return sim.load(path)


def test_same_seed_same_result_and_different_seed_differs(baseline):
    a = sim.run(baseline, replications=130, seed=11, workers=1)
    b = sim.run(baseline, replications=130, seed=11, workers=1)
    c = sim.run(baseline, replications=130, seed=12, workers=1)
    assert outputs(a) == outputs(b)
    assert outputs(a)[1] != outputs(c)[1]


def test_one_and_two_workers_give_identical_bytes(baseline):
    one = sim.run(baseline, replications=2 * 1024 + 77, seed=5, workers=1)
    two = sim.run(baseline, replications=2 * 1024 + 77, seed=5, workers=2)
    assert outputs(one) == outputs(two)


@pytest.mark.parametrize("bad, says", [
    ({"replications": 0}, "replications must be from 1 to 100,000"),
    ({"seed": -1}, "seed must be a whole number from 0 to"),
    ({"workers": 0}, "workers must be at least 1"),
    ({"backend": "threads"}, "unknown backend 'threads'"),
])
def test_run_refuses_what_it_cannot_do(bad, says, baseline):
    with pytest.raises(ValueError, match=says):
        sim.run(baseline, **{"replications": 64, **bad})


def test_open_backend_refuses_what_it_cannot_open():
    assert BACKENDS == ("local", "dask")
    with pytest.raises(InputError, match="unknown backend 'threads'; available: local, dask"):
        open_backend("threads")
    with pytest.raises(InputError, match="a scheduler address needs backend 'dask'"):
        open_backend("local", scheduler="tcp://127.0.0.1:8786")


def test_chunks_are_whole_blocks_covering_every_replication():
    assert CHUNK % BLOCK == 0
    assert plan_chunks(1) == [(0, 1)]
    assert plan_chunks(2 * CHUNK + 77) == [(0, CHUNK), (CHUNK, 2 * CHUNK), (2 * CHUNK, 2 * CHUNK + 77)]


def test_progress_counts_every_replication_once(det):
    done: list[int] = []
    sim.run(sim.load(det), replications=CHUNK + 5, seed=1, workers=1, progress=done.append)
    assert done == [BLOCK] * (CHUNK // BLOCK) + [5]  # the bar moves every block of 64, not every chunk of 512


def test_replications_are_a_prefix_of_longer_runs(baseline):
    """Replication r depends on (seed, r) only: a longer run contains the shorter one's replications."""
    short = sim.run(baseline, replications=20, seed=9, workers=1, keep_replications=True)
    long = sim.run(baseline, replications=150, seed=9, workers=1, keep_replications=True)
    first = short.replication_curves("total")
    assert np.array_equal(first, long.replication_curves("total")[:20])
    assert np.array_equal(first[7], sim.replicate(baseline, 7, seed=9).strength["total"])


def test_common_random_numbers_other_contingents_unchanged(baseline):
    """Changing one contingent's assumption never changes another contingent's draws."""
    variant = baseline.with_overrides({"contingent.Benin.fulfilment": 0.2, "contingent.Chad.tour_days": 200})
    for r in (0, 1, 63, 64, 200):
        a, b = sim.replicate(baseline, r, seed=4), sim.replicate(variant, r, seed=4)
        assert np.array_equal(a.strength["Kenya"], b.strength["Kenya"])
        assert np.array_equal(a.strength["Jamaica"], b.strength["Jamaica"])


def test_adding_a_contingent_leaves_the_others_draws_alone(tmp_path):
    base = """
        [scenario]
        name = "crn"
        start = 2024-01-01
        end = 2024-12-31
        [mission]
        authorized = 100000
        [assumptions]
        fulfilment = { dist = "beta", mean = 0.5, sd = 0.2 }
        slip_days = { dist = "lognormal", median = 30, sigma = 1 }
        tour_days = { dist = "uniform", low = 60, high = 200 }
        attrition_per_year = 0.5
        rotation = { probability = 0.6, gap_days = { dist = "uniform", low = 0, high = 30 } }
        [[contingent]]
        country = "A"
        pledged = 500
        schedule = { first = 2024-02-01, batches = 5, interval_days = 20 }
    """
    extra = """
        [[contingent]]
        country = "B"
        pledged = 300
        schedule = { first = 2024-01-15, batches = 3, interval_days = 10 }
    """
    one = write(tmp_path, base, "one.toml")
    two = write(tmp_path, base + extra, "two.toml")
    for r in range(0, 300, 37):
        assert np.array_equal(sim.replicate(one, r).strength["A"], sim.replicate(two, r).strength["A"])


def test_a_replication_shows_itself_in_one_line():
    sc = sim.load(SCENARIOS / "mandate_lapse.toml")
    shown = [repr(sim.replicate(sc, replication=r)) for r in range(8)]
    assert all("\n" not in text and len(text) < 200 for text in shown)
    one = sim.replicate(sc, replication=1)
    total = one.strength["total"]
    assert f"peak {int(total.max()):,}, at end {int(total[-1]):,}" in repr(one)
    assert any(", lapsed on 2025-10-02>" in text for text in shown)  # half the runs lapse at the 2025 renewal


# --------------------------------------------------------------------------- the seams the tests use


def test_the_no_runs_seam_catches_every_run(baseline, no_runs):
    """conftest's ``no_runs`` patches the local backend: a run fails the test, wherever run() was imported."""
    from sim.analysis import sweeps

    for start in (lambda: sim.run(baseline, replications=16, workers=1),
                  lambda: sim.run(baseline, replications=2 * CHUNK, workers=2),
                  lambda: sweeps.sweep(baseline, {"assumptions.fulfilment": [0.5]}, replications=16)):
        with pytest.raises(pytest.fail.Exception, match="replications ran"):
            start()


def test_the_count_runs_seam_counts_and_interrupts(baseline, count_runs):
    sim.run(baseline, replications=16, workers=1)
    sim.compare([baseline, baseline], replications=16, workers=1)
    assert count_runs.calls == 3
    count_runs.interrupt_at(4)
    with pytest.raises(KeyboardInterrupt):
        sim.run(baseline, replications=16, workers=1)


@given(st.integers(1, 4000), st.integers(1, 9))
def test_a_small_run_spread_over_workers_is_cut_into_even_whole_blocks(replications, parts):
    from sim.runner.chunks import spread_chunks

    pieces = spread_chunks(plan_chunks(replications), parts)
    assert pieces[0][0] == 0 and pieces[-1][1] == replications
    assert all(a[1] == b[0] for a, b in zip(pieces, pieces[1:]))  # consecutive, every replication once
    assert all(start % BLOCK == 0 for start, _ in pieces) and len(pieces) <= parts
    blocks = [-(-(stop - start) // BLOCK) for start, stop in pieces]
    assert max(blocks) - min(blocks) <= 1 and len(pieces) == min(parts, -(-replications // BLOCK))


def test_a_pool_kept_open_and_spread_gives_the_bytes_of_one_worker(baseline):
    one = sim.run(baseline, replications=300, seed=6, workers=1)
    progress = []
    with open_backend("local", workers=2, spread=True) as backend:
        spread = sim.run(baseline, replications=300, seed=6, backend=backend, progress=progress.append)
        assert backend.size == 2  # 300 replications, one chunk: both workers had a share
        again = sim.run(baseline.with_overrides({"assumptions.fulfilment": 0.5}), replications=300, seed=6,
                        backend=backend)
    assert outputs(spread) == outputs(one) and sum(progress) == 300
    assert outputs(again) == outputs(sim.run(baseline.with_overrides({"assumptions.fulfilment": 0.5}),
                                             replications=300, seed=6, workers=1))
