"""The layer's import graph: dependencies go one way, and each is visible at the top of the file.

A lazy import (inside a function) is allowed only within one package, for what a factory loads on
demand (an SMS, email or payment provider and its client library): a lazy import across domains
would hide a dependency, and usually a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

LAYER = Path(__file__).resolve().parents[2] / "layers" / "shared"
PACKAGE = LAYER / "paylox"


def _module_name(path: Path) -> str:
    parts = path.relative_to(LAYER).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(tree: ast.Module, *, top_level: bool) -> list[str]:
    """The ``paylox`` modules imported at module level (``top_level``) or inside functions."""
    nodes = tree.body if top_level else [n for n in ast.walk(tree) if n not in tree.body]
    found: list[str] = []
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("paylox"):
            found.extend(_resolve(node.module, alias.name) for alias in node.names)
        elif isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names if alias.name.startswith("paylox"))
    return found


def _resolve(module: str, name: str) -> str:
    """``from paylox.x import y``: the module ``paylox.x.y`` when it is one, else ``paylox.x``."""
    candidate = f"{module}.{name}"
    path = LAYER.joinpath(*candidate.split("."))
    return candidate if path.with_suffix(".py").exists() or (path / "__init__.py").exists() else module


def _modules() -> dict[str, ast.Module]:
    return {_module_name(path): ast.parse(path.read_text(encoding="utf-8")) for path in PACKAGE.rglob("*.py")}


def _domain(module: str) -> str:
    """``paylox.otp.sms.console`` -> ``paylox.otp``; a cross-cutting module is its own domain."""
    return ".".join(module.split(".")[:2])


def test_the_layer_has_no_import_cycle():
    graph = {name: set(_imports(tree, top_level=True)) for name, tree in _modules().items()}
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str], done: set[str]) -> None:
        if node in path:
            cycles.append([*path[path.index(node) :], node])
            return
        if node in done:
            return
        for target in sorted(graph.get(node, ())):
            visit(target, [*path, node], done)
        done.add(node)

    done: set[str] = set()
    for module in sorted(graph):
        visit(module, [], done)
    assert cycles == []


def test_no_lazy_import_crosses_a_domain():
    crossing = [
        f"{module} -> {target}"
        for module, tree in _modules().items()
        for target in _imports(tree, top_level=False)
        if _domain(target) != _domain(module)
    ]
    assert crossing == []
