"""The mission as SimPy processes: ``plan`` (what replications share), ``ledger`` (the books), ``mission`` (the story)."""

from .mission import Mission, simulate
from . import variants
from .plan import PHASES, Plan, Trace

__all__ = ["Mission", "simulate", "variants", "PHASES", "Plan", "Trace"]
