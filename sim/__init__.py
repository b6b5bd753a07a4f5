"""mss-sim: a discrete-event scenario simulator of force deployment and funding
for multinational security missions (first case: the Kenya-led MSS mission in Haiti).

The public API, used alike by the CLI, the notebooks and the tests::

    import sim
    scenario = sim.load("scenarios/baseline.toml")
    result = sim.run(scenario, replications=1000, seed=1)
    result.summary(); result.quantiles("total"); result.plot(); result.save("results/baseline")
    variant = scenario.with_overrides({"assumptions.fulfilment": 0.5})
"""

from importlib.metadata import PackageNotFoundError, version as _version

from .facts import FactBase, load_facts
from .results import Result
from .runner import Replication, replicate, run
from .scenario import Scenario, ScenarioError, load

try:
    __version__ = _version("mss-sim")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"

__all__ = ["load", "run", "replicate", "Replication", "Scenario", "ScenarioError", "Result", "FactBase", "load_facts", "__version__"]
