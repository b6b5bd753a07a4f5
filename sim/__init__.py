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

from importlib import import_module

#: Each public name and the module that defines it: imported when first used, so that ``import sim`` is quick
#: and ``python -m sim`` can start the processes it needs before it imports the rest (:mod:`sim.cli`).
WHERE = {
    "load": "scenario", "run": "runner", "replicate": "runner", "Replication": "runner", "Scenario": "scenario",
    "ScenarioError": "scenario", "SimError": "errors", "Result": "results", "FactBase": "facts", "load_facts": "facts",
    "compare": "analysis.comparison", "sweep": "analysis.sweeps", "backtest": "analysis.backtests",
    "calibrate": "analysis.calibration", "read_observations": "analysis.observations",
    "Observation": "analysis.observations", "arrivals_needed": "analysis.observations", "parse_values": "analysis.grid",
    "explore": "notebook", "sensitivity": "analysis.sensitivity", "discover": "analysis.discovery",
    "__version__": "version",
}

__all__ = list(WHERE)


def __getattr__(name: str):
    """A public name (imported from its module on first use), or a subpackage or module of ``sim``."""
    if name in WHERE:
        value = getattr(import_module(f".{WHERE[name]}", __name__), name)
    else:
        try:
            value = import_module(f".{name}", __name__)
        except ModuleNotFoundError as error:
            if error.name != f"{__name__}.{name}":
                raise  # a module it imports is missing
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    globals()[name] = value
    return value
