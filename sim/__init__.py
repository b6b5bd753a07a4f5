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
    report = sim.backtest(result, sim.read_observations("seeds/observed.csv"))
    fitted = sim.calibrate(scenario, sim.read_observations("seeds/observed.csv"), until=...)   # ABC-SMC
    explorer = sim.explore(scenario)                               # sliders, in Jupyter

The package's layers, each importing only those before it: ``errors``, ``text``, ``html``,
``files``, ``shipped``, ``version`` (helpers); ``facts``, ``dists``, ``streams``; ``scenario``;
``model``; ``plots``; ``results``; ``runner``; ``analysis``; ``notebook``; ``cli``.
"""

from .analysis.backtests import backtest
from .analysis.calibration import calibrate
from .analysis.comparison import compare
from .analysis.grid import parse_values
from .analysis.observations import read_observations
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
    "load_facts", "compare", "sweep", "backtest", "calibrate", "read_observations", "parse_values", "explore", "__version__",
]
