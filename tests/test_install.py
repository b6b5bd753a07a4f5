"""A plain (not editable) install carries the shipped scenarios, fact base and articles, and works from any folder."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """``pip install --no-deps --target`` of a copy of the repository's package, scenarios and seeds."""
    source = tmp_path_factory.mktemp("source")
    for name in ("sim", "scenarios", "seeds"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    target = tmp_path_factory.mktemp("target")
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
                           str(source)], capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    return target


def sim(installed: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """``python -m sim ARGS`` run in ``cwd`` with the installed copy first on the path."""
    env = {**os.environ, "PYTHONPATH": str(installed)}
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=240)


@pytest.mark.slow
def test_the_installed_package_holds_its_data(installed):
    data = installed / "sim" / "data"
    assert (data / "scenarios" / "baseline.toml").is_file()
    assert (data / "seeds" / "facts.toml").is_file() and (data / "seeds" / "sources.toml").is_file()
    assert len(list((data / "seeds" / "articles").glob("*.txt"))) == 5


@pytest.mark.slow
def test_sim_run_without_a_scenario_runs_the_default_from_any_folder(installed, tmp_path):
    done = sim(installed, tmp_path, "run", "-n", "64", "-q", "-o", "out", "--format", "png")
    assert done.returncode == 0, done.stderr
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["scenario"] == "Baseline" and summary["replications"] == 64
    assert Path(summary["scenario_file"]).parent == installed / "sim" / "data" / "scenarios"
    assert {f["source_name"] for f in summary["facts"]} >= {"Kenya pledges 600 more, 27 Aug 2024"}
    assert not (tmp_path / "scenarios").exists() and not (tmp_path / "seeds").exists()


@pytest.mark.slow
def test_the_installed_fact_base_checks_its_quotes(installed, tmp_path):
    done = sim(installed, tmp_path, "facts", "--check")
    assert done.returncode == 0, done.stderr
    assert f"against {installed / 'sim' / 'data' / 'seeds' / 'articles'}" in done.stdout
