"""From a merged raw document to the validated fields of a Scenario (docs/design.md section 3)."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

from ..facts import FactBase
from .bounds import check_bounds, is_reserved, name_key
from .checker import ALLOWED, DEFAULTS, MISSING, Checker, kind
from .fitted import calibration_table, posterior_table
from .limits import (
    MAX_ATTRITION_PER_YEAR, MAX_BATCHES, MAX_CONTINGENTS, MAX_DAYS, MAX_DESCRIPTION_CHARS, MAX_MANDATES, MAX_MONTHS,
    MAX_PEOPLE, MAX_PLEDGES, MAX_PROBLEMS, MAX_REPLICATIONS, MAX_SEED, MAX_TRANCHES, MAX_USD,
)
from .lines import Index
from .lines import Locator
from .paths import item_label
from .problems import Problem, ScenarioError
from .types import Batch, Contingent, Correlation, Funding, Mandate, Pledge, split_evenly


def fields(document: dict, locator: Locator, source: Path, facts: FactBase) -> dict[str, Any]:
    """The fields of the Scenario that ``document`` describes; raises ScenarioError listing every problem."""
    check = Checker(locator, facts)
    root = document
    check.keys(root, "<root>", ())

    meta = root.get("scenario", MISSING)
    if meta is MISSING:
        check.problem(("scenario",), "missing required table [scenario] (name, start, end)")
        meta = {"name": "", "start": None, "end": None}
    elif not check.keys(meta, "scenario", ("scenario",)):
        meta = {}
    name = check.string(meta, "name", ("scenario",))
    description = check.string(meta, "description", ("scenario",), default="", longest=MAX_DESCRIPTION_CHARS)
    start = check.date(meta, "start", ("scenario",)) if meta.get("start", 0) is not None else None
    end = check.date(meta, "end", ("scenario",)) if meta.get("end", 0) is not None else None
    if start and end and end <= start:
        check.problem(("scenario", "end"), f"must be after scenario.start ({start}), got {end}")
    as_of = check.date(meta, "as_of", ("scenario",), required=False)
    if as_of and start and end and not start <= as_of <= end:
        check.problem(("scenario", "as_of"), f"must be between scenario.start ({start}) and scenario.end ({end}), got {as_of}")
    replications = check.number(meta, "replications", ("scenario",), default=1000, integer=True, low=1, high=MAX_REPLICATIONS)
    seed = check.number(meta, "seed", ("scenario",), default=0, integer=True, low=0, high=MAX_SEED)

    mission = root.get("mission", MISSING)
    if mission is MISSING:
        check.problem(("mission",), "missing required table [mission] (authorized)")
        mission = {"authorized": 0}
    elif not check.keys(mission, "mission", ("mission",)):
        mission = {}
    authorized = check.number(mission, "authorized", ("mission",), integer=True, high=MAX_PEOPLE, unit="officers")
    target = check.number(mission, "target", ("mission",), default=authorized, integer=True, high=MAX_PEOPLE, unit="officers")

    assumptions = root.get("assumptions", {})
    if not check.keys(assumptions, "assumptions", ("assumptions",)):
        assumptions = {}
    base = _contingent_defaults(check, assumptions, ("assumptions",), DEFAULTS)

    contingents = _items(check, root, "contingent", "country", _contingent, base, most=MAX_CONTINGENTS)
    if "contingent" not in root or (isinstance(root.get("contingent"), list) and not root["contingent"]):
        check.problem(("contingent",), "at least one [[contingent]] is required")
    mandates = sorted(_items(check, root, "mandate", "name", _mandate, authorized, most=MAX_MANDATES), key=lambda m: m.expires)

    funding = None
    if "funding" in root:
        funding = _funding(check, root["funding"])
    correlation = _correlation(check, root.get("correlation", {}))
    calibration = calibration_table(check, root["calibration"]) if "calibration" in root else {}
    posterior = posterior_table(check, root["posterior"], source) if "posterior" in root else None

    if not check.problems:
        check_bounds(check, start, end, authorized, contingents, mandates, funding)
    if check.more:
        check.problems.append(Problem(str(locator.main), None, "<more>", f"and {check.more:,} more problems "
                                                                       f"(at most {MAX_PROBLEMS} are listed)"))
    if check.problems:
        raise ScenarioError(check.problems)
    resolved = resolved_document(document, facts)
    if posterior is not None:  # the file's content, not its path, is what the results depend on
        resolved["posterior"] = {"sha256": posterior.digest}
    digest = hashlib.sha256(json.dumps(resolved, sort_keys=True, default=str).encode()).hexdigest()
    return dict(
        name=name, description=description, start=start, end=end, replications=replications, seed=seed,
        authorized=authorized, target=target, contingents=tuple(contingents), mandates=tuple(mandates),
        funding=funding, as_of=as_of, correlation=correlation, calibration=calibration, posterior=posterior,
        facts_used=tuple(check.used[k] for k in sorted(check.used)), source=str(source),
        hash=digest, document=copy.deepcopy(document), facts=facts,
    )


def _items(check: Checker, root: dict, key: str, ident: str, build, context, prefix: tuple = (), most: int = 0) -> list:
    """The built items of the array of tables ``root[key]`` (at most ``most``), each with a unique ``ident``
    string (countries unique whatever their case and Unicode form, and not reserved); problems recorded."""
    items = root.get(key, [])
    if not isinstance(items, list):
        check.problem(prefix + (key,), f"must be an array of tables ([[{key}]]), got {kind(items)}")
        return []
    if len(items) > most:
        check.problem(prefix + (key,), f"{len(items):,} [[{'.'.join(prefix + (key,))}]] items; at most {most:,}")
        return []
    caseless = ident == "country"
    out, seen = [], {}
    for index, item in enumerate(items):
        label = item_label(item, index)
        path = prefix + (key, label)
        if not isinstance(item, dict):
            check.problem(path, f"must be a table, got {kind(item)}")
            continue
        value = check.name(item, ident, path, key)
        if value is None:
            continue
        if caseless and is_reserved(value):
            check.problem(path + (ident,), f"{value!r} is the name of the outputs' own series; give the country another name",
                          where=prefix + (key, Index(index), ident))
            continue
        same = seen.get(name_key(value, caseless))
        if same is not None:
            if same == value:
                also = ""
            elif name_key(same, caseless=False) == name_key(value, caseless=False):
                also = f" (the same as {same!r} but for its Unicode form: {ascii(value)} against {ascii(same)})"
            else:
                also = f" (the same as {same!r} but for case)"
            check.problem(path + (ident,), f"duplicate {ident} {value!r}{also}: each {key} must be unique",
                          where=prefix + (key, Index(index), ident))
            continue
        seen[name_key(value, caseless)] = value
        built = build(check, {**item, ident: value}, path, context)
        if built is not None:
            out.append(built)
    return out


def _contingent_defaults(check: Checker, table: dict, path: tuple, base: dict) -> dict:
    """The per-contingent stochastic values, from ``table`` falling back on ``base``."""
    out = {
        "fulfilment": check.dist(table, "fulfilment", path, base["fulfilment"], high=1, fraction=True, unit="fraction"),
        "slip_days": check.dist(table, "slip_days", path, base["slip_days"], low=-MAX_DAYS, high=MAX_DAYS),  # < 0: early
        "tour_days": check.dist(table, "tour_days", path, base["tour_days"], low=1, high=MAX_DAYS),
        "attrition_per_year": check.dist(table, "attrition_per_year", path, base["attrition_per_year"],
                                         high=MAX_ATTRITION_PER_YEAR, unit="per year"),
    }
    rotation = table.get("rotation", {})
    if check.keys(rotation, "rotation", path + ("rotation",)):
        out["rotation.probability"] = check.dist(
            rotation, "probability", path + ("rotation",), base["rotation.probability"], high=1, fraction=True, unit="fraction"
        )
        out["rotation.gap_days"] = check.dist(rotation, "gap_days", path + ("rotation",), base["rotation.gap_days"],
                                              low=-MAX_DAYS, high=MAX_DAYS)  # < 0: the relief comes before the group leaves
        out["rotation.fraction"] = check.dist(
            rotation, "fraction", path + ("rotation",), base["rotation.fraction"], high=1, fraction=True, unit="fraction"
        )
    else:
        out["rotation.probability"] = out["rotation.gap_days"] = out["rotation.fraction"] = None
    return out


def _contingent(check: Checker, item: dict, path: tuple, base: dict) -> Contingent | None:
    """The Contingent of ``item`` (its values falling back on ``base``), or None after recording its problems."""
    check.keys(item, "contingent", path)
    pledged = check.number(item, "pledged", path, integer=True, high=MAX_PEOPLE, unit="officers")
    values = _contingent_defaults(check, item, path, base)
    has_batches, has_schedule = "batches" in item, "schedule" in item
    batches: list[Batch] = []
    if has_batches and has_schedule:
        check.problem(path + ("schedule",), "give exactly one of batches and schedule, not both")
    elif not has_batches and not has_schedule:
        check.problem(path, "needs batches = [...] or schedule = {...}")
    elif has_batches:
        raw = item["batches"]
        if not isinstance(raw, list) or not raw:
            check.problem(path + ("batches",), "must be a non-empty array of {arrive, size} tables")
        elif len(raw) > MAX_BATCHES:
            check.problem(path + ("batches",), f"{len(raw):,} batches; at most {MAX_BATCHES:,} in all contingents together")
        else:
            for k, batch in enumerate(raw):
                where = path + ("batches", k)
                if not check.keys(batch, "batch", where):
                    continue
                arrive = check.date(batch, "arrive", where)
                size = check.number(batch, "size", where, integer=True, high=MAX_PEOPLE, unit="officers")
                slip = check.dist(batch, "slip_days", where, values["slip_days"], low=-MAX_DAYS, high=MAX_DAYS)
                known = check.flag(batch, "known", where)
                if None not in (arrive, size, slip, known):
                    batches.append(Batch(arrive, size, slip, known))
            if pledged is not None and len(batches) == len(raw):
                total = sum(b.size for b in batches)
                if total != pledged:
                    check.problem(path + ("batches",), f"batch sizes sum to {total:,} but pledged is {pledged:,}; they must be equal")
    else:
        schedule = item["schedule"]
        where = path + ("schedule",)
        if check.keys(schedule, "schedule", where):
            first = check.date(schedule, "first", where)
            count = check.number(schedule, "batches", where, integer=True, low=1, high=MAX_BATCHES)
            interval = check.number(schedule, "interval_days", where, default=0, integer=True, high=MAX_DAYS, unit="days")
            slip = check.dist(schedule, "slip_days", where, values["slip_days"], low=-MAX_DAYS, high=MAX_DAYS)
            if None not in (first, count, interval, slip, pledged):
                sizes = split_evenly(pledged, count)
                try:
                    batches = [Batch(first + dt.timedelta(days=k * interval), sizes[k], slip) for k in range(count)]
                except OverflowError:
                    check.problem(where + ("interval_days",), "the schedule runs past the year 9999; use fewer batches or a shorter interval")
    if pledged is None or None in values.values() or not batches:
        return None
    return Contingent(
        country=item["country"], pledged=pledged, fulfilment=values["fulfilment"], tour_days=values["tour_days"],
        relief_probability=values["rotation.probability"], relief_gap_days=values["rotation.gap_days"],
        attrition_per_year=values["attrition_per_year"], batches=tuple(batches), relief_fraction=values["rotation.fraction"],
    )


def _mandate(check: Checker, item: dict, path: tuple, authorized: int | None) -> Mandate | None:
    """The Mandate of ``item`` (by default certain, renewed for 12 months, no drawdown), or None after problems."""
    check.keys(item, "mandate", path)
    expires = check.date(item, "expires", path)
    renewal = check.dist(item, "renewal_probability", path, 1.0, high=1, fraction=True, unit="fraction")
    months = check.number(item, "renewed_months", path, default=12, integer=True, high=MAX_MONTHS, unit="months")
    after = check.number(item, "authorized_after", path, default=None, integer=True, high=MAX_PEOPLE, unit="officers")
    drawdown = check.number(item, "drawdown_days", path, default=0, integer=True, high=MAX_DAYS, unit="days")
    if None in (expires, renewal, months, drawdown):
        return None
    return Mandate(item["name"], expires, renewal, months, after, drawdown)


def _funding(check: Checker, table: Any) -> Funding | None:
    """The Funding of the ``[funding]`` table (US dollars, costs 0 by default), or None after recording problems."""
    path = ("funding",)
    if not check.keys(table, "funding", path):
        return None
    values = {
        key: check.number(table, key, path, default=0, high=MAX_USD, unit="usd")
        for key in ("cost_per_officer_day_usd", "fixed_cost_per_month_usd", "deploy_cost_per_officer_usd")
    }
    values["start_balance_usd"] = check.number(table, "start_balance_usd", path, default=0, low=-MAX_USD, high=MAX_USD,
                                               unit="usd")
    runway = check.number(table, "runway_days", path, default=0, integer=True, high=MAX_DAYS, unit="days")
    pledges = _items(check, table, "pledge", "donor", _pledge, None, prefix=("funding",), most=MAX_PLEDGES)
    if None in values.values() or runway is None:
        return None
    return Funding(runway_days=runway, pledges=tuple(pledges), **values)


def _pledge(check: Checker, item: dict, path: tuple, _context) -> Pledge | None:
    """The Pledge of ``item`` (US dollars, in ``tranches`` from ``first``), or None after recording its problems."""
    check.keys(item, "pledge", path)
    amount = check.number(item, "amount_usd", path, high=MAX_USD, unit="usd")
    fulfilment = check.dist(item, "fulfilment", path, 1.0, high=1, fraction=True, unit="fraction")
    tranches = check.number(item, "tranches", path, default=1, integer=True, low=1, high=MAX_TRANCHES)
    first = check.date(item, "first", path)
    interval = check.number(item, "interval_days", path, default=0, integer=True, high=MAX_DAYS, unit="days")
    slip = check.dist(item, "slip_days", path, 0, low=-MAX_DAYS, high=MAX_DAYS)  # < 0: paid early
    in_kind = check.flag(item, "in_kind", path)
    if None in (amount, fulfilment, tranches, first, interval, slip, in_kind):
        return None
    return Pledge(item["donor"], amount, fulfilment, tranches, first, interval, slip, in_kind)


def _correlation(check: Checker, table: Any) -> Correlation | None:
    """The Correlation of the ``[correlation]`` table: each kind's rho in [0, 1], 0 when not given."""
    path = ("correlation",)
    if not check.keys(table, "correlation", path):
        return None
    values = {key: check.number(table, key, path, default=0.0, high=1, unit="fraction") for key in ALLOWED["correlation"]}
    return None if None in values.values() else Correlation(**{k: float(v) for k, v in values.items()})


def resolved_document(document: Any, facts: FactBase) -> Any:
    """The document with fact references replaced by their values (what the hash covers)."""
    if isinstance(document, dict):
        return {k: resolved_document(v, facts) for k, v in document.items()}
    if isinstance(document, list):
        return [resolved_document(v, facts) for v in document]
    if isinstance(document, str) and document.startswith("fact:") and document[5:] in facts:
        return resolved_document(facts.get(document[5:]).value, facts)
    if isinstance(document, (dt.date, dt.datetime)):
        return document.isoformat()
    return document
