"""Scenario files (sim.scenario.files): reading TOML, ``extends`` and how a child merges into its parent."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import sim
from sim.cli import main
from sim.dists import Dist
from sim.scenario import ScenarioError

from conftest import ROOT
from helpers import contingent, mandate, pledge

# --------------------------------------------------------------------------- extends

PARENT = """\
[scenario]
name = "Parent"
description = "the parent"
start = 2025-01-01
end = 2026-06-30
seed = 5

[mission]
authorized = 1000
target = 1500

[assumptions]
fulfilment = 0.9
rotation = { probability = 0.8, gap_days = 14 }

[[mandate]]
name = "M1"
expires = 2025-06-01
renewal_probability = 0.9
drawdown_days = 30

[[mandate]]
name = "M2"
expires = 2026-01-01
renewal_probability = 0.7

[[contingent]]
country = "Alpha"
pledged = 300
fulfilment = 0.8
tour_days = 200
batches = [
  { arrive = 2025-01-10, size = 100 },
  { arrive = 2025-02-10, size = 200 },
]

[[contingent]]
country = "Beta"
pledged = 200
schedule = { first = 2025-03-01, batches = 2, interval_days = 30 }

[[contingent]]
country = "Gamma"
pledged = 100
fulfilment = { dist = "beta", mean = 0.6, sd = 0.1 }
batches = [ { arrive = 2025-04-01, size = 100 } ]

[funding]
start_balance_usd = 1_000_000
cost_per_officer_day_usd = 100

[[funding.pledge]]
donor = "D1"
amount_usd = 5_000_000
tranches = 2
first = 2025-02-01
interval_days = 90

[[funding.pledge]]
donor = "D2"
amount_usd = 1_000_000
first = 2025-05-01
"""


@pytest.fixture
def family(tmp_path):
    """Write the parent, and return a function that writes a child extending it and loads the child."""
    (tmp_path / "parent.toml").write_text(PARENT, encoding="utf-8")

    def child(text: str, name: str = "child.toml") -> sim.Scenario:
        path = tmp_path / name
        path.write_text('extends = "parent.toml"\n' + text, encoding="utf-8")
        return sim.load(path)

    return child


def test_extends_without_changes_is_the_parent(family, tmp_path):
    parent = sim.load(tmp_path / "parent.toml")
    child = family("")
    assert child.hash == parent.hash
    assert child.contingents == parent.contingents and child.mandates == parent.mandates
    assert child.funding == parent.funding and child.name == "Parent"


def test_extends_merges_a_table_key_by_key(family):
    child = family('[scenario]\nname = "Child"\n')
    assert child.name == "Child"
    assert (child.description, child.start, child.end, child.seed) == ("the parent", dt.date(2025, 1, 1), dt.date(2026, 6, 30), 5)


def test_extends_child_changing_one_contingent_key_keeps_the_others(family, tmp_path):
    parent = sim.load(tmp_path / "parent.toml")
    child = family('[[contingent]]\ncountry = "Alpha"\ntour_days = 150\n')
    alpha, parent_alpha = contingent(child, "Alpha"), contingent(parent, "Alpha")
    assert alpha.tour_days == Dist.fixed(150)
    assert alpha.pledged == 300 and alpha.fulfilment == Dist.fixed(0.8)
    assert alpha.batches == parent_alpha.batches
    assert alpha.relief_probability == Dist.fixed(0.8) and alpha.relief_gap_days == Dist.fixed(14)
    assert [c.country for c in child.contingents] == ["Alpha", "Beta", "Gamma"]
    assert child.contingents[1:] == parent.contingents[1:]


def test_extends_remove_drops_the_parents_items(family):
    child = family(
        '[[contingent]]\ncountry = "Beta"\nremove = true\n\n'
        '[[mandate]]\nname = "M1"\nremove = true\n\n'
        '[[funding.pledge]]\ndonor = "D2"\nremove = true\n'
    )
    assert [c.country for c in child.contingents] == ["Alpha", "Gamma"]
    assert [m.name for m in child.mandates] == ["M2"]
    assert [p.donor for p in child.funding.pledges] == ["D1"]


def test_extends_new_item_is_appended(family):
    child = family(
        '[[contingent]]\ncountry = "Delta"\npledged = 50\nbatches = [ { arrive = 2025-05-01, size = 50 } ]\n\n'
        '[[mandate]]\nname = "M3"\nexpires = 2026-03-01\n\n'
        '[[funding.pledge]]\ndonor = "D3"\namount_usd = 10\nfirst = 2025-03-01\n'
    )
    assert [c.country for c in child.contingents] == ["Alpha", "Beta", "Gamma", "Delta"]
    delta = contingent(child, "Delta")
    assert delta.fulfilment == Dist.fixed(0.9)  # the parent's [assumptions] apply to the new item
    assert [m.name for m in child.mandates] == ["M1", "M2", "M3"]
    assert [p.donor for p in child.funding.pledges] == ["D1", "D2", "D3"]


def test_extends_schedule_replaces_the_parents_batches(family):
    child = family('[[contingent]]\ncountry = "Alpha"\nschedule = { first = 2025-06-01, batches = 3, interval_days = 10 }\n')
    alpha = contingent(child, "Alpha")
    assert [(b.planned, b.size) for b in alpha.batches] == [
        (dt.date(2025, 6, 1), 100), (dt.date(2025, 6, 11), 100), (dt.date(2025, 6, 21), 100)]
    assert alpha.tour_days == Dist.fixed(200)


def test_extends_batches_replace_the_parents_schedule(family):
    child = family('[[contingent]]\ncountry = "Beta"\nbatches = [ { arrive = 2025-07-01, size = 200 } ]\n')
    assert [(b.planned, b.size) for b in contingent(child, "Beta").batches] == [(dt.date(2025, 7, 1), 200)]


def test_extends_merges_nested_tables_but_replaces_distributions(family):
    child = family(
        '[assumptions]\nrotation = { gap_days = 30 }\n\n'
        '[[contingent]]\ncountry = "Gamma"\nfulfilment = { dist = "uniform", low = 0.2, high = 0.4 }\n'
    )
    beta = contingent(child, "Beta")
    assert beta.relief_probability == Dist.fixed(0.8) and beta.relief_gap_days == Dist.fixed(30)
    assert contingent(child, "Gamma").fulfilment == Dist("uniform", (0.2, 0.4))


def test_extends_matches_mandates_by_name_and_pledges_by_donor(family):
    child = family(
        '[[mandate]]\nname = "M1"\nrenewal_probability = 0.5\n\n'
        '[[funding.pledge]]\ndonor = "D1"\nslip_days = 20\n'
    )
    m1 = mandate(child, "M1")
    assert m1.renewal_probability == Dist.fixed(0.5)
    assert m1.expires == dt.date(2025, 6, 1) and m1.drawdown_days == 30
    d1 = pledge(child, "D1")
    assert d1.slip_days == Dist.fixed(20) and d1.amount_usd == 5_000_000 and d1.tranches == 2


def test_extends_path_is_relative_to_the_file_and_chains(family, tmp_path, monkeypatch):
    sub = tmp_path / "sub"
    sub.mkdir()
    family('[scenario]\nname = "Child"\n')  # writes child.toml
    (sub / "grandchild.toml").write_text(
        'extends = "../child.toml"\n[[contingent]]\ncountry = "Gamma"\nremove = true\n', encoding="utf-8")
    monkeypatch.chdir(ROOT)
    grandchild = sim.load(sub / "grandchild.toml")
    assert grandchild.name == "Child"
    assert [c.country for c in grandchild.contingents] == ["Alpha", "Beta"]


def test_extends_child_problem_is_reported_in_the_child(family, tmp_path):
    with pytest.raises(ScenarioError) as info:
        family('[[contingent]]\ncountry = "Alpha"\ntour_dayz = 150\n')
    (problem,) = [p for p in info.value.problems if p.path == "contingent.Alpha.tour_dayz"]
    assert Path(problem.file) == tmp_path / "child.toml" and problem.line == 4
    assert "'tour_days'" in problem.message


def test_removing_an_item_the_parent_lacks_is_an_error(tmp_path):
    child = tmp_path / "child.toml"
    child.write_text(f'extends = "{ROOT / "scenarios" / "baseline.toml"}"\n\n[[contingent]]\ncountry = "Beninn"\nremove = true\n')
    with pytest.raises(sim.ScenarioError) as error:
        sim.load(child)
    (problem,) = error.value.problems
    assert problem.path == "contingent.Beninn.remove" and problem.line == 5
    assert "did you mean 'Benin'" in problem.message



def test_a_folder_given_as_a_scenario_is_explained(capsys):
    assert main(["validate", str(ROOT / "scenarios")]) == 2
    err = capsys.readouterr().err
    assert "is a folder" in err and "*.toml" in err and "Traceback" not in err
