"""The package's shape: every import (those inside functions and under TYPE_CHECKING too) points to the
same or a lower layer, the import graph has no circle, and no module passes 400 lines."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "sim"
MAX_LINES = 400

#: The layers, bottom first: a module may import from its own layer and the ones before it.
LAYERS = [
    {"errors", "text", "html", "files", "shipped", "version", "beta", "processes"},
    {"facts", "dists", "streams"},
    {"scenario"},
    {"model"},
    {"plots"},
    {"results"},
    {"runner"},
    {"analysis"},
    {"notebook", "cli"},
    {"__init__", "__main__"},
]


def modules(package: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every module of ``package`` (a package is named by its folder)."""
    out = {}
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The modules of the package that module ``name`` imports, anywhere in its code."""
    is_package = path.name == "__init__.py"
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = name.split(".") if is_package else name.split(".")[:-1]
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join(parts + ([node.module] if node.module else []))
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def graph(package: Path) -> dict[str, set[str]]:
    """The import graph of ``package``; the package itself (its ``__init__``) is left out as a target."""
    found = modules(package)
    known = set(found) - {package.name}
    return {name: imports(name, path, known) for name, path in found.items()}


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def layer(name: str) -> int:
    """The layer of a module of ``sim`` (by its first part below the package)."""
    parts = name.split(".")
    top = parts[1] if len(parts) > 1 else "__init__"
    return next(k for k, members in enumerate(LAYERS) if top in members)


def test_the_import_graph_has_no_circle():
    assert circles(graph(PACKAGE)) == []


def test_every_import_points_to_the_same_or_a_lower_layer():
    upward = [f"{a} -> {b}" for a, targets in graph(PACKAGE).items() for b in targets if layer(b) > layer(a)]
    assert upward == []


def test_every_module_is_in_a_layer():
    for name in modules(PACKAGE):
        layer(name)  # StopIteration for a module no layer names


def test_no_module_passes_400_lines():
    long = {str(path.relative_to(PACKAGE.parent)): n for path in PACKAGE.rglob("*.py")
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


@pytest.fixture
def tangled(tmp_path: Path) -> Path:
    """A package whose ``a`` imports ``b`` at the top and ``b`` imports ``a`` inside a function."""
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("from .a import f\n")
    (package / "a.py").write_text("from .sub.b import g\n\ndef f():\n    return g()\n")
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "b.py").write_text("def g():\n    from ..a import f\n    return f\n")
    (package / "c.py").write_text("import pkg.sub.b\n")
    return package


def test_the_checker_finds_a_circle_through_an_import_inside_a_function(tangled):
    edges = graph(tangled)
    assert edges["pkg.a"] == {"pkg.sub.b"}
    assert edges["pkg.sub.b"] == {"pkg.a"}
    assert edges["pkg.c"] == {"pkg.sub.b"}
    assert circles(edges) == [["pkg.a", "pkg.sub.b"]]


def test_importing_sim_imports_no_chart_library():
    """``import sim`` (the CLI's start-up, every worker's) loads matplotlib only when a chart is drawn."""
    import subprocess
    import sys

    code = "import sys, sim, sim.cli; print(sorted(m for m in ('matplotlib', 'pandas', 'distributed') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PACKAGE.parent, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
