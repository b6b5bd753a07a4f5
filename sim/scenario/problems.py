"""Problems with a scenario, each at ``FILE:LINE: key.path``, and the error that carries them."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import SimError
from ..text import clip, printable
from .limits import MAX_NAME_CHARS


def key_path(parts) -> str:
    """Key path parts as messages show them: dotted, each part cut to MAX_NAME_CHARS and printable."""
    return ".".join(printable(clip(str(part), MAX_NAME_CHARS)) for part in parts)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        if self.file.startswith("--"):  # a command-line option: "--set KEY: message"
            return f"{self.file} {self.path}: {self.message}"
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path}: {self.message}"


class ScenarioError(SimError):
    """A scenario that cannot be used; ``problems`` lists everything wrong with it."""

    def __init__(self, problems: list[Problem]):
        # in reading order: file by file (as first met), by line, problems without a line last
        files: dict[str, int] = {}
        for problem in problems:
            files.setdefault(problem.file, len(files))
        self.problems = sorted(problems, key=lambda p: (files[p.file], p.line is None, p.line or 0))
        super().__init__("\n".join(str(p) for p in self.problems))
