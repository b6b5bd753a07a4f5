"""Reading scenario files: TOML, ``extends`` chains and how a child merges over its parent."""

from __future__ import annotations

import copy
import os
import re
import tomllib
from pathlib import Path

from ..shipped import shipped_names, shipped_scenario
from ..text import InputFileError, clip, did_you_mean, quoted, read_text_file
from .limits import MAX_EXTENDS_DEPTH, MAX_NESTING
from .fitted import anchored
from .lines import Locator
from .paths import ITEM_KEYS
from .problems import Problem, ScenarioError, key_path


def read_toml(path: Path, locator: Locator) -> dict:
    """The TOML document of ``path``, recorded in ``locator``; ScenarioError if unreadable, not text or not TOML."""
    name = str(path)
    try:
        text = read_text_file(path)
    except InputFileError as error:
        hint = {"folder": f"; give scenario files, e.g. {name.rstrip('/')}/*.toml",
                "binary": "; a scenario is a TOML text file"}.get(error.kind, "")
        raise ScenarioError([Problem(name, None, "<toml>" if error.kind == "binary" else "<file>", f"{error}{hint}")])
    try:
        document = tomllib.loads(text)
    except RecursionError:
        raise ScenarioError([Problem(name, None, "<toml>", f"invalid TOML: nested too deeply (at most {MAX_NESTING} levels)")])
    except ValueError as error:  # TOMLDecodeError, or an integer of thousands of digits
        message = str(error)
        match = re.search(r"\(at line (\d+), column \d+\)", message)
        line = int(match.group(1)) if match else None
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", message)
        raise ScenarioError([Problem(name, line, "<toml>", f"invalid TOML: {message}")])
    locator.files.append((path, text, document))
    deep = too_deep(document, MAX_NESTING)
    if deep is not None:
        raise ScenarioError([Problem(name, locator.line_of(path, deep), key_path(deep),
                                     f"nested more than {MAX_NESTING} levels deep; a scenario needs at most 5")])
    return document


def too_deep(value, limit: int) -> tuple | None:
    """The key path of a value nested more than ``limit`` tables or arrays deep in ``value``, or None."""
    stack = [((), value)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, (dict, list)):
            if len(path) >= limit:
                return path
            items = node.items() if isinstance(node, dict) else enumerate(node)
            stack.extend((path + (key,), child) for key, child in items)
    return None


def read_with_extends(path: Path, chain: list[Path], locator: Locator) -> dict:
    """The document of ``path`` merged over its ``extends`` chain; ScenarioError for a bad parent or a cycle."""
    resolved = path.resolve()
    document = anchored(dict(read_toml(path, locator)), path)  # a [posterior] file is relative to its own file
    parent_name = document.pop("extends", None)
    if parent_name is None:
        return document
    line = locator.line_of(path, ("extends",))
    if not isinstance(parent_name, str):
        raise ScenarioError([Problem(str(path), line, "extends", "must be a file path string")])
    if not parent_name or "\x00" in parent_name:
        raise ScenarioError([Problem(str(path), line, "extends", "must be the path of a scenario file")])
    parent_path = Path(os.path.normpath(path.parent / parent_name))
    try:
        beside = parent_path.with_name(parent_path.name + ".toml") if parent_path.name else parent_path
        if not parent_path.is_file() and beside.is_file():
            parent_path = beside  # extends = "mine" beside this file
        if not parent_path.is_file():  # else a shipped scenario by its name: extends = "baseline"
            parent_path = shipped_scenario(parent_name) or parent_path
        exists, regular = parent_path.exists(), parent_path.is_file()
    except OSError as error:  # a name too long for the file system, ...
        shown = clip(str(parent_path), 200)
        raise ScenarioError([Problem(str(path), line, "extends", f"cannot read {shown}: {error.strerror}")]) from None
    shown = clip(str(parent_path), 200)
    if not exists:
        raise ScenarioError([Problem(str(path), line, "extends", f"no such file: {shown}; give a path relative "
                                     f"to this file or a shipped scenario: {', '.join(shipped_names())}"
                                     f"{did_you_mean(parent_name, shipped_names())}")])
    if not regular:
        raise ScenarioError([Problem(str(path), line, "extends", f"not a regular file (a folder, a device or a pipe): {shown}")])
    if parent_path.resolve() in chain + [resolved]:
        cycle = " -> ".join(p.name for p in chain + [resolved, parent_path.resolve()])
        raise ScenarioError([Problem(str(path), line, "extends", f"extends cycle: {cycle}")])
    if len(chain) + 1 > MAX_EXTENDS_DEPTH:
        first = (chain + [resolved])[0].name
        raise ScenarioError([Problem(str(path), line, "extends", f"the chain of extends from {first} is more than "
                                                                  f"{MAX_EXTENDS_DEPTH} files deep; at most {MAX_EXTENDS_DEPTH} parents")])
    parent = read_with_extends(parent_path, chain + [resolved], locator)
    _check_removals(parent, document, path, locator)
    if "calibration" in document:  # the keys to fit are chosen together: a child's [calibration] replaces the parent's
        parent.pop("calibration", None)
    return merge(parent, document)


def _check_removals(parent: dict, child: dict, path: Path, locator: Locator) -> None:
    """``remove = true`` must name an item the parent has (a typo would otherwise be silently ignored)."""
    problems = []
    for key, ident, parent_items, child_items in (
        ("contingent", "country", parent.get("contingent"), child.get("contingent")),
        ("mandate", "name", parent.get("mandate"), child.get("mandate")),
        ("pledge", "donor", (parent.get("funding") or {}).get("pledge"), (child.get("funding") or {}).get("pledge")),
    ):
        names = [item.get(ident) for item in parent_items or [] if isinstance(item, dict)]
        for item in child_items or []:
            if isinstance(item, dict) and item.get("remove") is True and item.get(ident) not in names:
                where = (("funding",) if key == "pledge" else ()) + (key, item.get(ident), "remove")
                problems.append(Problem(
                    str(path), locator.line_of(path, where), key_path(where),
                    f"nothing to remove: the parent has no {ident} {quoted(item.get(ident))}{did_you_mean(item.get(ident), names)}",
                ))
    if problems:
        raise ScenarioError(problems)


def merge(parent: dict, child: dict) -> dict:
    """Merge ``child`` over ``parent`` as docs/design.md section 3 says (returns a new dict)."""
    out = copy.deepcopy(parent)
    for key, value in child.items():
        if key in ITEM_KEYS and isinstance(value, list) and isinstance(out.get(key), list):
            out[key] = _merge_items(out[key], value, ITEM_KEYS[key])
        elif isinstance(value, dict) and isinstance(out.get(key), dict) and "dist" not in value:
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _merge_items(parents: list, children: list, ident: str) -> list:
    """``children`` over ``parents``, matched by ``ident``: merged, else appended; ``remove = true`` deletes."""
    out = copy.deepcopy(parents)
    for child in children:
        if not isinstance(child, dict):
            out.append(child)
            continue
        match = next((i for i, item in enumerate(out) if isinstance(item, dict) and item.get(ident) == child.get(ident)), None)
        if child.get("remove") is True:
            if match is not None:
                del out[match]
            continue
        if match is None:
            out.append(copy.deepcopy(child))
            continue
        merged = merge(out[match], child)
        for chosen, other in (("schedule", "batches"), ("batches", "schedule")):
            if chosen in child and other not in child:
                merged.pop(other, None)  # a child that gives a schedule replaces the parent's batches
        out[match] = merged
    return out
