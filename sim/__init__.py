"""mss-sim: a discrete-event scenario simulator of force deployment and funding for multinational
security missions (first case: the Kenya-led MSS mission in Haiti).

The public API, used alike by the CLI, the notebooks and the tests::

    import sim
    scenario = sim.load("scenarios/baseline.toml")
    result = sim.run(scenario, replications=1000, seed=1)
    result.summary(); result.quantiles("total"); result.plot(); result.save("results/baseline")
    variant = scenario.with_overrides({"assumptions.fulfilment": 0.5})
    results = sim.compare([scenario, variant])                     # common random numbers
    rows = sim.sweep(scenario, {"assumptions.fulfilment": sim.parse_values("0.2:1.0:0.2")})
    observed = sim.read_observations("seeds/observed.csv")
    result = sim.run(scenario, arrivals=sim.arrivals_needed(observed))   # cumulative arrivals, if any are observed
    report = sim.backtest(result, observed)
    fitted = sim.calibrate(scenario, observed, until=...)   # ABC-SMC
    what = sim.sensitivity(scenario, {"assumptions.tour_days": "180:365", "correlation.fulfilment": "0:1"})
    where = sim.discover(scenario, {"assumptions.tour_days": "180:365"}, when="strength@end >= 2500")
    explorer = sim.explore(scenario)                               # sliders, in Jupyter

The package's layers, each importing only those before it: ``errors``, ``text``, ``html``,
``files``, ``shipped``, ``version`` (helpers); ``facts``, ``dists``, ``streams``; ``scenario``;
``model``; ``plots``; ``results``; ``runner``; ``analysis``; ``notebook``; ``cli``.
"""

from .analysis.backtests import backtest
from .analysis.calibration import calibrate
from .analysis.comparison import compare
from .analysis.discovery import discover
from .analysis.grid import parse_values
from .analysis.observations import Observation, arrivals_needed, read_observations
from .analysis.sensitivity import sensitivity
from .analysis.sweeps import sweep
from .errors import SimError
from .facts import FactBase, load_facts
from .notebook import explore
from .results import Result
from .runner import Replication, replicate, run
from .scenario import Scenario, ScenarioError, load
from .version import __version__

__all__ = [
    "load", "run", "replicate", "Replication", "Scenario", "ScenarioError", "SimError", "Result", "FactBase",
    "load_facts", "compare", "sweep", "backtest", "calibrate", "read_observations", "Observation", "arrivals_needed",
    "parse_values", "explore", "sensitivity", "discover", "__version__",
]
