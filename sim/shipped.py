"""Where the shipped scenarios, fact base and articles are: the source tree's, or the copy installed with the package."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def shipped(folder: str) -> Path:
    """The shipped ``folder`` ("scenarios" or "seeds"): the repository's in a source tree, else the installed copy."""
    repository = _PACKAGE.parent
    if (repository / "pyproject.toml").is_file() and (repository / folder).is_dir():
        return repository / folder
    return _PACKAGE / "data" / folder


def default_scenario() -> Path:
    """``scenarios/baseline.toml`` in the current folder, else the shipped one."""
    here = Path("scenarios/baseline.toml")
    return here if here.is_file() else shipped("scenarios") / "baseline.toml"


def shipped_scenario(name: str) -> Path | None:
    """The shipped scenario called ``name`` (``baseline`` or ``baseline.toml``), or None if there is none."""
    if not name or "/" in name or "\\" in name:
        return None
    folder = shipped("scenarios")
    for candidate in (folder / name, folder / f"{name}.toml"):
        if candidate.suffix == ".toml" and candidate.is_file():
            return candidate
    return None


def shipped_names() -> list[str]:
    """The names of the shipped scenarios (file names without ``.toml``), sorted."""
    return sorted(p.stem for p in shipped("scenarios").glob("*.toml"))
