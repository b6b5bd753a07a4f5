"""What the calibration tests share: a small, fast scenario whose slips are fitted, and observations simulated
from known values of its keys."""

from __future__ import annotations

import datetime as dt

import sim

#: Ten contingents of 20, each one batch planned on 10 January 2024 slipping by a lognormal delay: the total on a
#: date counts the batches whose slip has passed, which tells the slips' median. "Late" comes after every
#: observation: nothing observed tells its fulfilment.
FAST = """\
[scenario]
name = "Ten batches"
start = 2024-01-01
end = 2024-06-30
replications = 64
seed = 11

[mission]
authorized = 1000

[assumptions]
slip_days = { dist = "lognormal", median = 40, sigma = 0.6 }
tour_days = 1000
""" + "".join(f"""
[[contingent]]
country = "C{k}"
pledged = 20
batches = [{{ arrive = 2024-01-10, size = 20 }}]
""" for k in range(10)) + """
[[contingent]]
country = "Late"
pledged = 50
fulfilment = { dist = "uniform", low = 0.2, high = 1 }
batches = [{ arrive = 2024-06-01, size = 50 }]
"""

MEDIAN = "assumptions.slip_days.median"
LATE = "contingent.Late.fulfilment"
FIT = {MEDIAN: {"dist": "uniform", "low": 10, "high": 90}}
#: The dates observed: the total on each.
DATES = (dt.date(2024, 1, 31), dt.date(2024, 2, 20), dt.date(2024, 3, 11), dt.date(2024, 3, 31))


def fast_scenario(folder) -> sim.Scenario:
    """FAST, written into ``folder`` as fast.toml and loaded."""
    from pathlib import Path

    path = Path(folder) / "fast.toml"
    path.write_text(FAST, encoding="utf-8")
    return sim.load(path)


def observations_of(scenario: sim.Scenario, median: float, late: float = 0.5, seed: int = 99) -> list[tuple]:
    """The total on DATES in one replication with the slips' median ``median`` and Late's fulfilment ``late``."""
    result = sim.run(scenario, replications=1, seed=seed, params={MEDIAN: [median], LATE: [late]},
                     keep_replications=True, workers=1)
    total = result.replication_curves("total")[0]
    return [(date, "total", float(total[scenario.day(date)]), "") for date in DATES]


def write_csv(path, observations) -> None:
    """Observations as the CSV file sim calibrate reads."""
    lines = ["date,series,value,source"] + [f"{d.isoformat()},{s},{v:g},{src}" for d, s, v, src in observations]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
