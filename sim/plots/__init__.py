"""Charts: ``style`` (the shared look, saving), ``annotations`` (ceilings, deadlines, observations, footnotes),
``fan`` (a run's strength and funding), ``compare``, ``sweep``, ``backtest`` and ``calibration``; ``parallel``
draws them in other processes.

Every chart is a :class:`matplotlib.figure.Figure` of 1200 x 700 pixels; the functions take
results duck-typed (anything with ``quantiles()``, ``mean()``, ``dates``, ``scenario``, ``seed``
and ``version``), so this package depends on nothing above the scenario.

Its names are imported when first used, so that importing ``sim.plots.parallel`` (which starts
the processes that draw) does not import matplotlib here.
"""

from importlib import import_module

#: Each public name and the module that defines it.
WHERE = {
    "backtest_chart": "backtest", "calibration_chart": "calibration", "compare_chart": "compare", "funding_chart": "fan", "strength_chart": "fan",
    "FORMATS": "style", "Chart": "style", "figure_bytes": "style", "figure_writer": "style", "save_figure": "style",
    "sweep_chart": "sweep", "sweep_points_chart": "sweep",
}

__all__ = list(WHERE)


def __getattr__(name: str):
    """A public name of the package, imported from its module on first use."""
    if name not in WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{WHERE[name]}", __name__), name)
    globals()[name] = value
    return value
