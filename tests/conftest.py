"""What the tests share: the repository's paths, small deterministic scenarios, and seams.

The constants are imported by name (``from conftest import BASELINE``); the fixtures are found by
pytest. Helpers that are neither (``png_size``, ``one_error_line``...) are in ``helpers.py``.
Every test writes only below ``tmp_path`` (or ``tmp_path_factory``): nothing in the repository,
nothing else in the temporary folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

import sim
from sim.runner.backends import LocalBackend

#: Hypothesis draws the same examples on every run (what CI tested is what lands; a failure can be rerun);
#: ``HYPOTHESIS_PROFILE=explore`` draws new ones each run, to look for more.
settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
BASELINE = SCENARIOS / "baseline.toml"
SEEDS = ROOT / "seeds"
FACTS_TOML = SEEDS / "facts.toml"
SOURCES_TOML = SEEDS / "sources.toml"
ARTICLES = SEEDS / "articles"
OBSERVED = SEEDS / "observed.csv"
NOTEBOOKS = ROOT / "notebooks"
GOOD_DIR = ROOT / "tests" / "good"
BAD_DIR = ROOT / "tests" / "bad"

#: Every shipped scenario, then every good test case.
SHIPPED = sorted(SCENARIOS.glob("*.toml"))
GOOD = SHIPPED + sorted(GOOD_DIR.glob("*.toml"))

# Everything fixed: every replication is the same. One contingent, 100 pledged, arriving on
# 1 Feb 2024, touring longer than the run; its fulfilment comes from [assumptions].
DETERMINISTIC = """\
[scenario]
name = "Deterministic"
start = 2024-01-01
end = 2024-12-31
replications = 64
seed = 3

[mission]
authorized = {authorized}
target = 1000

[assumptions]
fulfilment = 1.0

[[contingent]]
country = "A"
pledged = 100
tour_days = 1000
batches = [{{ arrive = 2024-02-01, size = 100 }}]
"""

#: A scenario with neither [funding] nor [[mandate]]: money never gates, the mandate never lapses.
NO_FUNDING = """\
[scenario]
name = "x"
start = 2024-01-01
end = 2024-12-31

[mission]
authorized = 100

[[contingent]]
country = "A"
pledged = 100
batches = [{ arrive = 2024-02-01, size = 100 }]
"""

# Known answers for sensitivity analysis and scenario discovery: one contingent of 100 that arrives on 1 to 7
# Feb 2024 and tours longer than the run, under a ceiling of 100 and a target of 60. Its fulfilment drives
# the strength (round(100 f) arrive); its attrition barely matters (a few officers leave before the end);
# its rotation cannot matter at all (no relief comes within the run). The target is reached by the end
# exactly when round(100 f) >= 60, i.e. f >= 0.595.
KNOWN = """\
[scenario]
name = "Known"
start = 2024-01-01
end = 2024-12-31
seed = 3

[mission]
authorized = 100
target = 60

[[contingent]]
country = "A"
pledged = 100
fulfilment = 1.0
tour_days = 1000
attrition_per_year = 0.0
rotation = { probability = 1.0, gap_days = 0 }
slip_days = { dist = "triangular", low = -3, mode = 0, high = 3 }
batches = [{ arrive = 2024-02-04, size = 100 }]

[[mandate]]
name = "Mid-year"
expires = 2024-06-30
renewal_probability = 1.0
"""
DRIVES, BARELY, NEVER = "contingent.A.fulfilment", "contingent.A.attrition_per_year", "contingent.A.rotation.probability"


@pytest.fixture(scope="session")
def known(tmp_path_factory) -> sim.Scenario:
    """The known-answer scenario of sensitivity analysis and discovery (KNOWN), loaded once."""
    path = tmp_path_factory.mktemp("known") / "known.toml"
    path.write_text(KNOWN, encoding="utf-8")
    return sim.load(path)


@pytest.fixture(scope="session")
def baseline() -> sim.Scenario:
    """scenarios/baseline.toml, loaded once (a Scenario is immutable)."""
    return sim.load(BASELINE)


@pytest.fixture
def det(tmp_path) -> Path:
    """Authorized 60 of 100 pledged: only fulfilment >= 0.6 reaches it."""
    path = tmp_path / "det.toml"
    path.write_text(DETERMINISTIC.format(authorized=60), encoding="utf-8")
    return path


@pytest.fixture
def det100(tmp_path) -> Path:
    """The curve is 0 until 31 Jan 2024, then 100 to the end."""
    path = tmp_path / "det100.toml"
    path.write_text(DETERMINISTIC.format(authorized=100), encoding="utf-8")
    return path


@pytest.fixture
def no_runs(monkeypatch):
    """Fail the test if any replication runs (in this process or in a local pool), whoever asks for it.

    The seam is the local backend itself, which every ``sim.run`` goes through, so it holds
    wherever ``run`` was imported.
    """
    def refuse(self, *args, **kwargs):
        pytest.fail("replications ran before the input was checked")

    monkeypatch.setattr(LocalBackend, "run_chunks", refuse)


@pytest.fixture
def count_runs(monkeypatch):
    """Count the runs of the local backend; ``interrupt_at(n)`` makes the n-th one raise KeyboardInterrupt."""
    real = LocalBackend.run_chunks

    class Counter:
        calls = 0
        interrupt_on: int | None = None

        def interrupt_at(self, n: int | None) -> None:
            self.interrupt_on = n

    counter = Counter()

    def counting(self, *args, **kwargs):
        counter.calls += 1
        if counter.calls == counter.interrupt_on:
            raise KeyboardInterrupt
        return real(self, *args, **kwargs)

    monkeypatch.setattr(LocalBackend, "run_chunks", counting)
    return counter
