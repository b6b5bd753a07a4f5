"""mss-sim: a discrete-event scenario simulator of force deployment and funding
for multinational security missions (first case: the Kenya-led MSS mission in Haiti).

The public API, used alike by the CLI, the notebooks and the tests::

    import sim
    scenario = sim.load("scenarios/baseline.toml")
    result = sim.run(scenario, replications=1000, seed=1)
    result.summary(); result.quantiles("total"); result.plot(); result.save("results/baseline")
    variant = scenario.with_overrides({"assumptions.fulfilment": 0.5})
    results = sim.compare([scenario, variant])                     # common random numbers
    rows = sim.sweep(scenario, {"assumptions.fulfilment": sim.parse_values("0.2:1.0:0.2")})
    report = sim.backtest(result, sim.read_observations("seeds/observed.csv"))
"""

from importlib.metadata import PackageNotFoundError, version as _version

from .analysis import backtest, compare, parse_values, read_observations, sweep
from .facts import FactBase, load_facts
from .results import Result
from .runner import Replication, replicate, run
from .scenario import Scenario, ScenarioError, load

try:
    __version__ = _version("mss-sim")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"

__all__ = [
    "load", "run", "replicate", "Replication", "Scenario", "ScenarioError", "Result", "FactBase", "load_facts",
    "compare", "sweep", "backtest", "read_observations", "parse_values", "__version__",
]

# sim.explore is both a module (sim/explore.py) and this function. The module is imported
# here, before the function is defined, so that the function keeps the name: importing a
# submodule for the first time rebinds the package attribute to the module. The module is
# light; ipywidgets, IPython and matplotlib are imported only when an explorer is built.
from . import explore as _explore_module  # noqa: F401


def explore(*args, **kwargs):
    """Interactive sliders (fulfilment, slips, renewal probability, tour length) over a fan chart.

    ``sim.explore(scenario, replications=200)``; see :func:`sim.explore.explore`. Needs
    ipywidgets and a Jupyter kernel: ``pip install 'mss-sim[notebook]'``.
    """
    from .explore import explore as _explore

    return _explore(*args, **kwargs)


__all__ += ["explore"]
