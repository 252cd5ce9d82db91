"""The README documents every setting and every secret the code reads, so configuration never
hides in the code."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

from devstack.template import ROOT
from paylox.config import Settings

README = (ROOT / "README.md").read_text(encoding="utf-8")
SECRET_READERS = {"get_secret", "get_optional_secret"}


def _documented(name: str) -> bool:
    return f"| `{name}` |" in README


def _secret_names(sources: list[Path]) -> set[str]:
    """Names passed as literals to ``get_secret``/``get_optional_secret`` anywhere in ``sources``."""
    names = set()
    for source in sources:
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            called = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if called in SECRET_READERS and isinstance(node.args[0], ast.Constant):
                names.add(str(node.args[0].value))
    return names


def test_every_setting_is_in_the_readme_configuration_table():
    aliases = {field.metadata["env"] for field in dataclasses.fields(Settings)}

    assert sorted(alias for alias in aliases if not _documented(alias)) == []


def test_every_secret_the_code_reads_is_in_the_readme_secrets_table():
    sources = [
        *ROOT.joinpath("layers", "shared", "paylox").rglob("*.py"),
        *ROOT.joinpath("functions").rglob("*.py"),
    ]

    assert sorted(name for name in _secret_names(sources) if not _documented(name)) == []
