"""From replications to projected curves: ``aggregate`` (streaming sums and histograms), ``quantiles``,
``result`` (the Result), ``report`` (text, HTML, frames) and ``save`` (the run's files)."""

from .aggregate import FUNDING_BINS, QUANTILES, Accumulator, Layout, curves
from .result import Result

__all__ = ["FUNDING_BINS", "QUANTILES", "Accumulator", "Layout", "curves", "Result"]
