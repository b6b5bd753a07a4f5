"""Where the shipped scenarios, fact base and articles are (sim.shipped): the source tree's here.

(A plain, not editable, install carries its own copy: test_install.py.)
"""

from __future__ import annotations

from pathlib import Path

from sim.facts import default_facts_path
from sim.shipped import default_scenario, shipped

from conftest import BASELINE, ROOT


def test_in_a_source_tree_the_repository_folders_are_shipped():
    assert shipped("scenarios") == ROOT / "scenarios"
    assert shipped("seeds") == ROOT / "seeds"
    assert default_facts_path() == ROOT / "seeds" / "facts.toml"


def test_the_default_scenario_is_the_current_folders_or_the_shipped_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert default_scenario() == BASELINE
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "baseline.toml").write_text("")
    assert default_scenario() == Path("scenarios/baseline.toml")
