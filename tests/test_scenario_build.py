"""Building a Scenario from a document (sim.scenario.build): randomly generated valid scenarios load,
and the Scenario reflects every value of the file, with the documented defaults for the others."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings

import sim
from sim.dists import Dist

from strategies import expected, raw, scenario_spec, write_toml


def test_toml_writer_round_trips():
    import tomllib

    document = {
        "extends": "a b.toml",
        "scenario": {"name": 'q"\\\n\x7f é', "start": dt.date(2024, 1, 1), "x": 1.5e-300},
        "contingent": [{"country": "A", "batches": [{"arrive": dt.date(2024, 2, 1), "size": 3}],
                        "rotation": {}}],
        "funding": {"cost": 1, "pledge": [{"donor": "D.x", "amount_usd": 5}]},
    }
    assert tomllib.loads(write_toml(document)) == document


@pytest.fixture(scope="module")
def generated_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("generated")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(spec=scenario_spec())
def test_generated_valid_scenarios_load(spec, generated_dir):
    path = generated_dir / "generated.toml"
    path.write_text(write_toml(raw(spec)), encoding="utf-8")
    scenario = sim.load(path)

    meta = spec["scenario"]
    assert (scenario.name, scenario.start, scenario.end) == (meta["name"], meta["start"], meta["end"])
    assert scenario.description == meta.get("description", "")
    assert scenario.seed == meta.get("seed", scenario.seed)
    assert scenario.replications == meta.get("replications", scenario.replications)
    assert scenario.authorized == spec["mission"]["authorized"]
    assert scenario.target == spec["mission"].get("target", spec["mission"]["authorized"])
    assert scenario.facts_used == ()

    assumptions = spec.get("assumptions", {})
    base = {
        "fulfilment": expected(assumptions.get("fulfilment"), Dist.fixed(1.0)),
        "slip_days": expected(assumptions.get("slip_days"), Dist.fixed(0)),
        "tour_days": expected(assumptions.get("tour_days"), Dist.fixed(365)),
        "attrition_per_year": expected(assumptions.get("attrition_per_year"), Dist.fixed(0)),
        "probability": expected(assumptions.get("rotation", {}).get("probability"), Dist.fixed(1.0)),
        "gap_days": expected(assumptions.get("rotation", {}).get("gap_days"), Dist.fixed(0)),
    }

    assert [c.country for c in scenario.contingents] == [c["country"] for c in spec["contingent"]]
    assert sum(c.pledged for c in scenario.contingents) == sum(c["pledged"] for c in spec["contingent"])
    for got, want in zip(scenario.contingents, spec["contingent"]):
        assert got.pledged == want["pledged"]
        assert sum(b.size for b in got.batches) == want["pledged"]
        assert got.fulfilment == expected(want.get("fulfilment"), base["fulfilment"])
        assert got.tour_days == expected(want.get("tour_days"), base["tour_days"])
        assert got.attrition_per_year == expected(want.get("attrition_per_year"), base["attrition_per_year"])
        rotation = want.get("rotation", {})
        assert got.relief_probability == expected(rotation.get("probability"), base["probability"])
        assert got.relief_gap_days == expected(rotation.get("gap_days"), base["gap_days"])
        slip = expected(want.get("slip_days"), base["slip_days"])
        if "batches" in want:
            assert [(b.planned, b.size) for b in got.batches] == [(b["arrive"], b["size"]) for b in want["batches"]]
            assert [b.slip_days for b in got.batches] == [expected(b.get("slip_days"), slip) for b in want["batches"]]
        else:
            schedule = want["schedule"]
            count, interval = schedule["batches"], schedule.get("interval_days", 0)
            assert len(got.batches) == count
            assert [b.planned for b in got.batches] == [
                schedule["first"] + dt.timedelta(days=k * interval) for k in range(count)
            ]
            sizes = [b.size for b in got.batches]
            assert max(sizes) - min(sizes) <= 1 and sizes == sorted(sizes, reverse=True)
            assert all(b.slip_days == expected(schedule.get("slip_days"), slip) for b in got.batches)

    mandates = spec.get("mandate", [])
    assert [m.expires for m in scenario.mandates] == sorted(m.expires for m in scenario.mandates)
    assert sorted(m.name for m in scenario.mandates) == sorted(m["name"] for m in mandates)
    by_name = {m.name: m for m in scenario.mandates}
    for want in mandates:
        got = by_name[want["name"]]
        assert got.expires == want["expires"]
        assert got.renewal_probability == expected(want.get("renewal_probability"), Dist.fixed(1.0))
        assert got.renewed_months == want.get("renewed_months", 12)
        assert got.authorized_after == want.get("authorized_after")
        assert got.drawdown_days == want.get("drawdown_days", 0)

    if "funding" not in spec:
        assert scenario.funding is None
    else:
        funding, want = scenario.funding, spec["funding"]
        assert funding is not None
        assert funding.start_balance_usd == want.get("start_balance_usd", 0)
        assert funding.cost_per_officer_day_usd == want.get("cost_per_officer_day_usd", 0)
        assert funding.runway_days == want.get("runway_days", 0)
        pledges = want.get("pledge", [])
        assert [p.donor for p in funding.pledges] == [p["donor"] for p in pledges]
        assert sum(p.amount_usd for p in funding.pledges) == pytest.approx(sum(p["amount_usd"] for p in pledges))
        for got, pledge in zip(funding.pledges, pledges):
            assert got.amount_usd == pledge["amount_usd"] and got.first == pledge["first"]
            assert got.tranches == pledge.get("tranches", 1)
            assert got.fulfilment == expected(pledge.get("fulfilment"), Dist.fixed(1.0))
            assert got.slip_days == expected(pledge.get("slip_days"), Dist.fixed(0))

    # rebuilding without overrides gives the same scenario and hash
    again = scenario.with_overrides({})
    assert again == scenario and again.hash == scenario.hash


def test_a_name_with_white_space_at_either_end_is_refused(tmp_path):
    path = tmp_path / "spaces.toml"
    path.write_text('[scenario]\nname = "x"\nstart = 2024-01-01\nend = 2024-06-30\n[mission]\nauthorized = 100\n'
                    + "".join(f'[[contingent]]\ncountry = "{name}"\npledged = 10\n'
                              'batches = [ { arrive = 2024-01-01, size = 10 } ]\n' for name in ("Benin", "Benin ", "  ")),
                    encoding="utf-8")
    with pytest.raises(sim.ScenarioError) as caught:
        sim.load(path)
    assert str(caught.value).splitlines() == [
        f"{path}:12: contingent.Benin .country: 'Benin ' begins or ends with white space; write it without",
        f"{path}:16: contingent.  .country: '  ' begins or ends with white space; write it without (a name needs "
        "more than white space)"]
