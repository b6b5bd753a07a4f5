"""The mission as SimPy processes: ``plan`` (what replications share), ``ledger`` (the books), ``mission`` (the story)."""

from .mission import Mission, simulate
from .plan import PHASES, Plan, Trace

__all__ = ["Mission", "simulate", "PHASES", "Plan", "Trace"]
