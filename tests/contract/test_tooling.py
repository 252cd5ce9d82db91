"""The template passes cfn-lint and `sam validate --lint`, and `sam build` packages it for Lambda."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from devstack.stack import dev_stack
from tests.contract.conftest import run_tool

QUIET_SAM = {"SAM_CLI_TELEMETRY": "0"}


def test_cfn_lint_reports_nothing(venv_bin: Path):
    output = run_tool([venv_bin / "cfn-lint", "template.yaml"])

    assert output.strip() == ""


def test_sam_validate_lint_passes(sam: Path):
    output = run_tool([sam, "validate", "--lint"], env=QUIET_SAM)

    assert "is a valid SAM Template" in output


@pytest.mark.slow
def test_sam_build_packages_every_function_and_the_layer(sam: Path, tmp_path: Path):
    # The builder looks for `python3.13` on PATH: the interpreter this venv was made from.
    python_bin = Path(sys.base_prefix) / "bin"
    build_dir = tmp_path / "build"

    run_tool(
        [sam, "build", "--build-dir", build_dir, "--cache-dir", tmp_path / "cache"],
        env={**QUIET_SAM, "PATH": f"{python_bin}{os.pathsep}{os.environ['PATH']}"},
        timeout=900,
    )

    assert (build_dir / "SharedLayer" / "python" / "paylox" / "__init__.py").exists()
    for logical_id, spec in dev_stack().functions.items():
        handler_file = spec.module.rsplit(".", 1)[-1] + ".py"
        assert (build_dir / logical_id / handler_file).exists(), f"{logical_id}: {handler_file} not packaged"
