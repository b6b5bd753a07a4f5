"""Dotted key paths into a raw scenario document: ``contingent.Kenya.batches.2.size``."""

from __future__ import annotations

from typing import Any

from ..text import clip, did_you_mean, quoted

#: Arrays of tables and the key that identifies their items when merging and in key paths.
ITEM_KEYS = {"contingent": "country", "mandate": "name", "pledge": "donor"}


def set_path(document: dict, dotted: str, value: Any) -> None:
    """Set ``value`` at a dotted override path in a raw scenario document (KeyError if no such place)."""
    parts = dotted.split(".")
    node: Any = document
    i = 0
    while i < len(parts) - 1:
        part = parts[i]
        if isinstance(node, dict):
            if part not in node:  # a table not written yet; validation names unknown keys
                node[part] = {}
            node = node[part]
            i += 1
            continue
        if isinstance(node, list):
            # match an item by index or by its identifying key; names may contain dots
            found = None
            for j in range(len(parts) - 1, i, -1):
                label = ".".join(parts[i:j])
                found = find_item(node, label)
                if found is not None:
                    node, i = found, j
                    break
            if found is None:
                labels = [str(item_label(item, k)) for k, item in enumerate(node)]
                numbered = f" (or their number, 0 to {len(node) - 1})" if node else ""
                listed = ", ".join(clip(label, 40) for label in labels[:20]) + (", ..." if len(labels) > 20 else "")
                raise KeyError(f"no item {quoted(parts[i])}{did_you_mean(parts[i], labels)}; items: {listed}{numbered}")
            continue
        raise KeyError(f"{'.'.join(parts[:i])} is a value, not a table")
    if not isinstance(node, dict):
        raise KeyError(f"{'.'.join(parts[:-1])} is not a table")
    node[parts[-1]] = value


def get_path(document: dict, dotted: str) -> Any:
    """The value at a dotted path of a raw scenario document (array items by label or index), or None."""
    parts = str(dotted).split(".")
    node: Any = document
    i = 0
    while i < len(parts):
        if isinstance(node, dict):
            node, i = node.get(parts[i]), i + 1
        elif isinstance(node, list):
            for j in range(len(parts), i, -1):  # names may contain dots: the longest label that matches
                found = find_item(node, ".".join(parts[i:j]))
                if found is not None:
                    node, i = found, j
                    break
            else:
                return None
        else:
            return None
    return node


def find_item(items: list, label: str):
    """The table in ``items`` whose label or index is ``label``, or None."""
    for k, item in enumerate(items):
        if isinstance(item, dict) and (str(item_label(item, k)) == label or str(k) == label):
            return item
    return None


def item_label(item: Any, index: int) -> Any:
    """An array item's label: its country, name or donor, else its index."""
    if isinstance(item, dict):
        for ident in ("country", "name", "donor"):
            if isinstance(item.get(ident), str) and item[ident]:
                return item[ident]
    return index


#: What a scenario key means, in words for chart axes and reports (keys not listed are shown as they are).
KEY_WORDS = {
    "fulfilment": "pledge fulfilment", "slip_days": "slip (days)", "tour_days": "tour length (days)",
    "attrition_per_year": "attrition per year", "rotation.probability": "P(relief comes)",
    "rotation.gap_days": "gap before relief (days)", "renewal_probability": "P(renewal)",
    "renewed_months": "months per renewal", "authorized_after": "ceiling after renewal",
    "drawdown_days": "drawdown (days)", "expires": "expiry date", "authorized": "authorized ceiling",
    "target": "target strength", "pledged": "officers pledged", "amount_usd": "amount (US$)",
    "tranches": "tranches", "interval_days": "days between tranches", "first": "first date",
    "start_balance_usd": "starting balance (US$)", "cost_per_officer_day_usd": "cost per officer-day (US$)",
    "fixed_cost_per_month_usd": "fixed cost per month (US$)",
    "deploy_cost_per_officer_usd": "deployment cost per officer (US$)", "runway_days": "runway (days)",
}


def key_label(key: str) -> str:
    """A dotted key in words: ``contingent.Kenya.fulfilment`` -> ``Kenya: pledge fulfilment``,
    ``assumptions.fulfilment`` -> ``pledge fulfilment, every contingent``."""
    parts = str(key).split(".")
    tail = 2 if len(parts) >= 3 and parts[-2] == "rotation" else 1
    field = ".".join(parts[-tail:])
    words = KEY_WORDS.get(field, field.replace("_", " "))
    head, middle = parts[0], ".".join(parts[1:-tail])
    if head == "assumptions" and not middle:
        return f"{words}, every contingent"
    if head == "contingent" and middle:
        return f"{middle}: {words}"
    if head == "mandate" and middle:
        return f"mandate {middle}: {words}"
    if head == "funding" and middle.startswith("pledge."):
        return f"{middle[len('pledge.'):]} pledge: {'share disbursed' if field == 'fulfilment' else words}"
    return words if head in ("mission", "scenario", "funding") and not middle else str(key)


#: Parameters of a distribution table (sim.dists.FORMS), as the last part of a key that varies one of them.
PARAMETERS = ("value", "low", "high", "mode", "mean", "sd", "median", "sigma", "p")


def key_words(key: str) -> str:
    """:func:`key_label`, and for a distribution's parameter the label of its value and the parameter's name:
    ``contingent.Kenya.slip_days.median`` -> ``Kenya: slip (days), median``."""
    parent, _, last = str(key).rpartition(".")
    if parent and last in PARAMETERS:
        return f"{key_label(parent)}, {last}"
    return key_label(key)
