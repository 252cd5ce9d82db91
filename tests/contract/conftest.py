"""Contract tier: template.yaml, the handler modules, the event fixtures and the tooling agree.

The template is read with the dev stack's loader (intrinsics resolved as CloudFormation would), so
these tests see exactly what the dev stack runs and what SAM deploys.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from devstack.template import ROOT

SAM = ROOT / ".venv-sam" / "bin" / "sam"


def run_tool(command: list[str | Path], *, env: dict[str, str] | None = None, timeout: int = 300) -> str:
    """Run a command-line tool from the repository root; fail the test with its output unless it
    exits 0. Returns what it printed."""
    result = subprocess.run(  # noqa: S603 - our own tools, fixed arguments
        [str(part) for part in command],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    output = result.stdout + result.stderr
    if result.returncode != 0:
        shown = " ".join([Path(command[0]).name, *map(str, command[1:])])
        pytest.fail(f"{shown} exited {result.returncode}:\n{output}")
    return output


@pytest.fixture(scope="session")
def sam() -> Path:
    """The SAM CLI of .venv-sam; a missing one is a broken setup, never a reason to skip."""
    if not SAM.exists():
        pytest.fail(f"{SAM.relative_to(ROOT)} is missing: run make test (it installs the SAM CLI)")
    return SAM


@pytest.fixture(scope="session")
def venv_bin() -> Path:
    """The bin directory of the virtual environment running the tests (cfn-lint lives there)."""
    return Path(sys.executable).parent
