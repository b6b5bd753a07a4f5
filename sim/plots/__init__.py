"""Charts: ``style`` (the shared look, saving), ``annotations`` (ceilings, deadlines, observations, footnotes),
``fan`` (a run's strength and funding), ``compare``, ``sweep``, ``backtest`` and ``calibration``.

Every chart is a :class:`matplotlib.figure.Figure` of 1200 x 700 pixels; the functions take
results duck-typed (anything with ``quantiles()``, ``mean()``, ``dates``, ``scenario``, ``seed``
and ``version``), so this package depends on nothing above the scenario.
"""

from .backtest import backtest_chart
from .calibration import calibration_chart
from .compare import compare_chart
from .fan import funding_chart, strength_chart
from .style import FORMATS, Chart, figure_bytes, figure_writer, save_figure
from .sweep import sweep_chart, sweep_points_chart

__all__ = ["backtest_chart", "calibration_chart", "compare_chart", "funding_chart", "strength_chart", "FORMATS", "Chart", "figure_bytes",
           "figure_writer", "save_figure", "sweep_chart", "sweep_points_chart"]
