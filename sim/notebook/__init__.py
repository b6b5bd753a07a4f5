"""Jupyter: the interactive explorer (sliders that re-run a scenario and redraw its fan chart)."""

from .explorer import Explorer, explore

__all__ = ["Explorer", "explore"]
