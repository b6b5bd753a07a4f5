"""The line of a key path in the TOML files of an ``extends`` chain (for messages that point at the line)."""

from __future__ import annotations

import re
from pathlib import Path

from .paths import item_label


class Locator:
    """Finds the line of a key path in the files of an ``extends`` chain (child first)."""

    def __init__(self, files: list, main: Path):
        self.files = files  # (path, text, parsed document), in reading order: child first
        self.main = main

    def find(self, path: tuple) -> tuple[str, int | None]:
        """The file and line of key ``path`` in the first file of the chain that has it, else (main file, None)."""
        for file, text, document in self.files:
            line = find_line(text, document, path)
            if line is not None:
                return str(file), line
        return str(self.main), None

    def line_of(self, file: Path, path: tuple) -> int | None:
        """The line of key ``path`` in ``file`` of the chain, or None."""
        for f, text, document in self.files:
            if f == file:
                return find_line(text, document, path)
        return None


class Index(int):
    """An array item addressed by position when looking up a line (its label may not be unique)."""


_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?")


def find_line(text: str, document: dict, path: tuple) -> int | None:
    """Best-effort line of ``path`` (a tuple of keys and item labels) in one TOML file."""
    lines = text.splitlines()
    if not path:
        return None
    # locate the section: [table] or the k-th [[array]] header of this file
    head, rest = path[0], list(path[1:])
    section = head
    node = document.get(head)
    if head == "funding" and rest[:1] == ["pledge"]:
        section, rest, node = "funding.pledge", rest[1:], (node or {}).get("pledge") if isinstance(node, dict) else None
    start, stop = 0, len(lines)
    if isinstance(node, list):
        if rest:
            label, rest = rest[0], rest[1:]
            if isinstance(label, Index):
                index = int(label)
            else:
                index = next((k for k, item in enumerate(node) if str(item_label(item, k)) == str(label)), None)
        else:
            index = 0
        if index is None:
            return None
        headers = [i for i, line in enumerate(lines) if (m := _HEADER.match(line)) and m.group(1) == section and line.strip().startswith("[[")]
        if index < len(headers):
            start = headers[index]
            stop = next((i for i in range(start + 1, len(lines)) if _HEADER.match(lines[i])), len(lines))
        else:
            return None
    else:
        headers = [i for i, line in enumerate(lines) if (m := _HEADER.match(line)) and m.group(1) == section]
        if headers:
            start = headers[0]
            stop = next((i for i in range(start + 1, len(lines)) if _HEADER.match(lines[i])), len(lines))
        elif head in document:
            rest = [head] + rest
            start, stop = 0, next((i for i, line in enumerate(lines) if _HEADER.match(line)), len(lines))
        else:
            return None
    found = start
    cursor = start
    for part in rest:
        if isinstance(part, int) or (isinstance(part, str) and part.isdigit()):
            # the (k+1)-th inline table after the cursor
            count, k = -1, int(part)
            for i in range(cursor, stop):
                count += lines[i].count("{")
                if count >= k:
                    found = cursor = i
                    break
            continue
        pattern = re.compile(r"(^|[\s{,.])" + re.escape(str(part)) + r"\s*[=.]")
        for i in range(cursor, stop):
            if pattern.search(lines[i]):
                found = cursor = i
                break
    return found + 1
