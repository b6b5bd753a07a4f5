"""Scenario files: read, merge ``extends``, resolve facts, validate, and build a typed Scenario.

The contract is docs/design.md section 3; the README shows it by example. Loading never
raises anything but :class:`ScenarioError`, which carries every problem found as
``FILE:LINE: key.path: message``.

Key paths name array items by their identifying key where they have one
(``contingent.Kenya.batches.2.size``, ``mandate.UNSC 2699.expires``,
``funding.pledge.United States.amount_usd``) and by their index otherwise.

The modules, from the bottom: ``types`` (the parts of a scenario), ``problems``,
``paths`` (dotted keys), ``lines`` (the line of a key), ``files`` (TOML, ``extends``,
merging), ``checker`` (typed values and their problems), ``build`` (a document's fields),
``core`` (the Scenario and ``load``), ``show`` (HTML) and ``schema`` (JSON Schema).
"""

from .core import Scenario, as_scenario, load
from .problems import Problem, ScenarioError
from .types import Batch, Contingent, Correlation, FactUse, Funding, Mandate, Pledge, add_months, split_evenly

__all__ = ["Scenario", "as_scenario", "load", "Problem", "ScenarioError", "Batch", "Contingent", "Correlation", "FactUse",
           "Funding", "Mandate", "Pledge", "add_months", "split_evenly"]
