"""Two Powertools packages whose ``__init__`` imports far more than an HTTP function uses.

Importing any module of ``aws_lambda_powertools.event_handler`` first runs the package's
``__init__``, which imports every resolver Powertools has (AppSync with asyncio, Bedrock agents,
VPC Lattice, function URLs); their module ``api_gateway`` imports the event data classes the same
way, through ``utilities.data_classes``, whose ``__init__`` imports the classes of some forty event
sources. Together about 20 ms of CPU in each cold start, for a function that reads one kind of
event.

:func:`install` (run by ``paylox/__init__.py``, so before any Paylox module imports Powertools)
registers each package as a module that imports a name on first use from the submodule the real
``__init__`` imports it from (read from that file itself, so the two cannot drift apart). A name
the ``__init__`` defines any other way runs the real ``__init__`` once: nothing can be missing,
only slower. ``tests/unit/test_lazy_packages.py`` holds both packages equal to the real ones.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import sys
from importlib.abc import Loader
from pathlib import Path
from types import ModuleType
from typing import Any

#: The packages loaded name by name, parents first.
PACKAGES = ("aws_lambda_powertools.event_handler", "aws_lambda_powertools.utilities.data_classes")


def install() -> None:
    """Register the lazy packages, each unless the real one is already imported."""
    for name in PACKAGES:
        if name not in sys.modules:
            _install(name)


def sources(package: str, init_file: str) -> dict[str, tuple[str, str]]:
    """Each name the ``__init__`` of ``package`` imports at its top level: ``name -> (module, its
    name there)``."""
    tree = ast.parse(Path(init_file).read_text(encoding="utf-8"))
    found: dict[str, tuple[str, str]] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module:
            module = f"{package}.{node.module}" if node.level == 1 else node.module
            for alias in node.names:
                found[alias.asname or alias.name] = (module, alias.name)
    return found


def _install(name: str) -> None:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None or spec.origin is None:  # pragma: no cover - a dependency
        return
    package = importlib.util.module_from_spec(spec)  # the real package's spec and path, not yet run
    lookup = _NameOnFirstUse(name, package, spec.loader, sources(name, spec.origin))
    package.__getattr__ = lookup  # type: ignore[method-assign]  # PEP 562 module hook
    sys.modules[name] = package
    for attribute, (module, _) in lookup.where.items():
        if module == f"{name}.{attribute}":
            # A name that is also its submodule's (``data_classes.event_source``): importing the
            # submodule binds the module there, so the name is bound now, as the real __init__ does.
            lookup(attribute)
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(importlib.import_module(parent), child, package)  # as the import system would bind it


class _NameOnFirstUse:
    """The lazy package's ``__getattr__``: imports a name, binds it on the package, returns it."""

    def __init__(self, name: str, package: ModuleType, loader: Loader, where: dict[str, tuple[str, str]]) -> None:
        self.name, self.package, self.loader, self.where = name, package, loader, where
        self.ran_init = False

    def __call__(self, attribute: str) -> Any:
        if attribute.startswith("__"):  # probes such as __wrapped__ or __all__ load nothing
            raise AttributeError(attribute)
        if attribute in self.where:
            module, original = self.where[attribute]
            value = getattr(importlib.import_module(module), original)
        elif importlib.util.find_spec(f"{self.name}.{attribute}") is not None:  # ``from pkg import submodule``
            value = importlib.import_module(f"{self.name}.{attribute}")
        else:
            value = self._from_real_init(attribute)
        setattr(self.package, attribute, value)
        return value

    def _from_real_init(self, attribute: str) -> Any:
        # Anything else: the package as Powertools wrote it, run once.
        if not self.ran_init:
            self.ran_init = True
            self.loader.exec_module(self.package)
        if attribute not in self.package.__dict__:
            raise AttributeError(f"module {self.name!r} has no attribute {attribute!r}")
        return self.package.__dict__[attribute]
