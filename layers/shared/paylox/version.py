"""The version of the code a function runs: ``<semver>+<git sha>``, as ``GET /api/health`` shows it.

The semver is written here (and held equal to pyproject.toml's by a contract test); the git sha is
written into ``BUILD_SHA`` beside this file by ``make build`` just before ``sam build`` packages the
layer, so it travels inside the deployed code and needs no template parameter (a command-line
``--parameter-overrides`` would replace a samconfig profile's overrides instead of adding to them).
A checkout that was never built reports ``+unknown``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

SEMVER = "0.1.0"
_BUILD_SHA = Path(__file__).with_name("BUILD_SHA")


@cache
def build_version() -> str:
    """``0.1.0+3f2c1a9b7d4e``; ``+unknown`` when the layer was not built by ``make build``."""
    try:
        sha = _BUILD_SHA.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        sha = ""
    return f"{SEMVER}+{sha or 'unknown'}"
