"""A JSON Schema of scenario files, for editors that complete and check TOML (e.g. Taplo, Even Better TOML).

It is derived from the validator's own table of allowed keys, so the two cannot
drift; the validator remains the authority (it also checks sums, dates and facts).
"""

from __future__ import annotations

from ..dists import FORMS, MIXTURE
from .checker import ALLOWED

_FACT = {"type": "string", "pattern": "^fact:", "description": "a reference to seeds/facts.toml"}
_NUMBER = {"anyOf": [{"type": "number"}, _FACT]}
_DATE = {"anyOf": [{"type": "string", "format": "date"}, _FACT]}
_FORM = {
    "type": "object",
    "required": ["dist"],
    "properties": {"dist": {"enum": list(FORMS)}, **{p: {"type": "number"} for ps in FORMS.values() for p in ps}},
    "additionalProperties": False,
}
_MIXTURE = {
    "type": "object",
    "required": ["dist", "weights", "of"],
    "properties": {
        "dist": {"const": MIXTURE},
        "weights": {"type": "array", "items": {"type": "number", "minimum": 0}, "minItems": 1,
                    "description": "one weight per component, summing to 1"},
        "of": {"type": "array", "items": {"anyOf": [{"type": "number"}, _FORM]}, "minItems": 1,
               "description": "the components: any distribution but a mixture"},
    },
    "additionalProperties": False,
}
_DIST = {"anyOf": [{"type": "number"}, _FACT, _FORM, _MIXTURE]}
_STOCHASTIC = {"fulfilment", "slip_days", "tour_days", "attrition_per_year", "probability", "gap_days", "renewal_probability",
               "fraction"}
_RHO = {"type": "number", "minimum": 0, "maximum": 1, "description": "share of the mission-wide factor (0 = independent)"}
_DATES = {"start", "end", "expires", "arrive", "first", "as_of"}
_BOOLEANS = {"remove", "known", "in_kind"}
_STRINGS = {"name", "description", "country", "donor", "extends"}


def _table(kind: str) -> dict:
    """The JSON Schema of one kind of table: its allowed keys, each typed (number, date, distribution, ...)."""
    properties = {}
    for key in ALLOWED[kind]:
        if key in _STOCHASTIC:
            properties[key] = _DIST
        elif key in _DATES:
            properties[key] = _DATE
        elif key in _STRINGS:
            properties[key] = {"type": "string"}
        elif key in _BOOLEANS:
            properties[key] = {"type": "boolean"}
        else:
            properties[key] = _NUMBER
    # nothing is "required": a file that extends another may leave any key to its parent
    return {"type": "object", "properties": properties, "additionalProperties": False}


def json_schema() -> dict:
    """The schema as a dict (``sim validate --schema`` prints it)."""
    contingent = _table("contingent")
    contingent["properties"]["rotation"] = _table("rotation")
    contingent["properties"]["batches"] = {"type": "array", "items": _table("batch")}
    contingent["properties"]["schedule"] = _table("schedule")
    assumptions = _table("assumptions")
    assumptions["properties"]["rotation"] = _table("rotation")
    funding = _table("funding")
    funding["properties"]["pledge"] = {"type": "array", "items": _table("pledge")}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "mss-sim scenario",
        "type": "object",
        "properties": {
            "extends": {"type": "string", "description": "parent scenario file, relative to this one"},
            "scenario": _table("scenario"),
            "mission": _table("mission"),
            "assumptions": assumptions,
            "mandate": {"type": "array", "items": _table("mandate")},
            "contingent": {"type": "array", "items": contingent},
            "funding": funding,
            "correlation": {"type": "object", "properties": {k: _RHO for k in ALLOWED["correlation"]},
                            "additionalProperties": False},
            "calibration": {"type": "object", "description": "keys sim calibrate fits, each with its prior "
                                                             "(a distribution table); dotted keys may be quoted",
                            "additionalProperties": {"anyOf": [_FORM, _MIXTURE, {"type": "object"}]}},
            "posterior": {"type": "object", "properties": {"file": {
                "type": "string", "description": "CSV of fitted particles (one column per key, and weight), "
                                                 "relative to this file"}}, "additionalProperties": False},
        },
        "additionalProperties": False,
    }
