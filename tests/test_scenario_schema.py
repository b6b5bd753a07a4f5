"""The JSON Schema of scenario files (sim.scenario.schema, ``sim validate --schema``) for editors."""

from __future__ import annotations

import datetime
import json
import tomllib

import jsonschema
import pytest

from sim.cli import main
from sim.scenario.checker import ALLOWED
from sim.scenario.schema import json_schema

from conftest import GOOD


def plain(value):
    """A TOML document as JSON sees it: dates as ISO text."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value.isoformat() if isinstance(value, datetime.date) else value


def test_json_schema_accepts_every_shipped_scenario(capsys):
    assert main(["validate", "--schema"]) == 0
    schema = json.loads(capsys.readouterr().out)

    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)  # checked once, not again for every file
    for path in GOOD:
        validator.validate(plain(tomllib.loads(path.read_text())))
    with pytest.raises(jsonschema.ValidationError):
        validator.validate({"contingent": [{"country": "A", "fulfilmnet": 1}]})


def test_the_schema_is_valid_and_allows_exactly_the_validators_keys():
    """Derived from the validator's table of allowed keys (ALLOWED), so the two cannot drift."""
    schema = json_schema()
    tables = schema["properties"]
    assert set(tables) == set(ALLOWED["<root>"]) | {"extends"}
    assert set(tables["scenario"]["properties"]) == set(ALLOWED["scenario"])
    assert set(tables["contingent"]["items"]["properties"]) == set(ALLOWED["contingent"])
    assert set(tables["contingent"]["items"]["properties"]["batches"]["items"]["properties"]) == set(ALLOWED["batch"])
    assert set(tables["mandate"]["items"]["properties"]) == set(ALLOWED["mandate"])
    assert set(tables["funding"]["properties"]["pledge"]["items"]["properties"]) == set(ALLOWED["pledge"])
