"""The template passes cfn-lint and `sam validate --lint`, and `sam build` packages it for Lambda."""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from pathlib import Path

import pytest

from devstack.stack import dev_stack
from devstack.template import ROOT
from tests.contract.conftest import run_tool

LAYER_REQUIREMENTS = ROOT / "layers" / "shared" / "requirements.txt"

QUIET_SAM = {"SAM_CLI_TELEMETRY": "0"}


def test_cfn_lint_reports_nothing(venv_bin: Path):
    output = run_tool([venv_bin / "cfn-lint", "template.yaml"])

    assert output.strip() == ""


def test_sam_validate_lint_passes(sam: Path):
    output = run_tool([sam, "validate", "--lint"], env=QUIET_SAM)

    assert "is a valid SAM Template" in output


@pytest.fixture(scope="module")
def sam_build_dir(sam: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One `sam build` of the whole template (with an empty cache, as CI builds) for the tests
    below: the packages Lambda runs."""
    # The builder looks for `python3.13` on PATH: the interpreter this venv was made from.
    python_bin = Path(sys.base_prefix) / "bin"
    work = tmp_path_factory.mktemp("sam")
    build_dir = work / "build"

    run_tool(
        [sam, "build", "--build-dir", build_dir, "--cache-dir", work / "cache"],
        env={**QUIET_SAM, "PATH": f"{python_bin}{os.pathsep}{os.environ['PATH']}"},
        timeout=900,
    )
    return build_dir


@pytest.mark.slow
def test_sam_build_packages_every_function_and_the_layer(sam_build_dir: Path):
    assert (sam_build_dir / "SharedLayer" / "python" / "paylox" / "__init__.py").exists()
    for logical_id, spec in dev_stack().functions.items():
        handler_file = spec.module.rsplit(".", 1)[-1] + ".py"
        assert (sam_build_dir / logical_id / handler_file).exists(), f"{logical_id}: {handler_file} not packaged"


# PEP 552: the .pyc header is magic, flags, then the source's hash (or mtime and size). Flags bit 0
# says hash-based, bit 1 says check the source: unchecked-hash is 0b01, what Lambda's read-only,
# re-zipped /opt needs (layers/shared/Makefile).
UNCHECKED_HASH = 0b01
ELF_MACHINE_AARCH64 = 0xB7
SHARED_OBJECT = re.compile(r"\.so(\.\d+)*$")


def pyc_header(pyc: Path) -> tuple[bytes, int]:
    """The magic number and the flags of a compiled module."""
    header = pyc.read_bytes()[:8]
    return header[:4], int.from_bytes(header[4:8], "little")


def elf_machine(shared_object: Path) -> int:
    """The e_machine field of a little-endian ELF file (offset 18, two bytes)."""
    header = shared_object.read_bytes()[:20]
    assert header[:4] == b"\x7fELF", f"{shared_object.name} is not an ELF file"
    return int.from_bytes(header[18:20], "little")


@pytest.mark.slow
def test_sam_build_ships_the_layer_compiled_for_lambda(sam_build_dir: Path):
    site = sam_build_dir / "SharedLayer" / "python"
    tag = sys.implementation.cache_tag
    assert tag == "cpython-313", "the contract tier runs on the Lambda runtime's Python"
    sources = sorted(site.rglob("*.py"))
    assert any(source.relative_to(site).parts[0] == "paylox" for source in sources)

    # Every module, ours and the requirements', has bytecode this runtime loads without
    # recompiling: Lambda cannot write __pycache__ under /opt.
    for source in sources:
        pyc = source.parent / "__pycache__" / f"{source.stem}.{tag}.pyc"
        shown = source.relative_to(site)
        assert pyc.exists(), f"{shown} has no {tag} bytecode"
        assert pyc_header(pyc) == (importlib.util.MAGIC_NUMBER, UNCHECKED_HASH), f"{shown}: not unchecked-hash"

    # Nothing else: no bytecode of another Python or beside its source, no test suite of ours.
    stray = [p.relative_to(site) for p in site.rglob("*.pyc") if p.parent.name != "__pycache__" or tag not in p.name]
    assert stray == []
    assert not (site / "tests").exists()
    assert not list((site / "paylox").rglob("tests"))


@pytest.mark.slow
def test_sam_build_ships_arm64_wheels_of_the_pinned_requirements(sam_build_dir: Path):
    site = sam_build_dir / "SharedLayer" / "python"
    installed = {p.name.removesuffix(".dist-info").lower() for p in site.glob("*.dist-info")}
    for line in LAYER_REQUIREMENTS.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = re.sub(r"\[.*\]", "", line).split("==")
            assert f"{re.sub(r'[-.]+', '_', name).lower()}-{version}" in installed, f"{line} not installed"

    # The build machine is x86_64; Lambda's is arm64 (pillow's bundled libraries are .so.N).
    shared_objects = [p for p in site.rglob("*.so*") if p.is_file() and SHARED_OBJECT.search(p.name)]
    assert site / "pydantic_core" in {p.parent for p in shared_objects}
    wrong = [p.relative_to(site) for p in shared_objects if elf_machine(p) != ELF_MACHINE_AARCH64]
    assert wrong == []


@pytest.mark.slow
def test_sam_build_ships_botocore_data_cut_from_the_botocore_it_ships(sam_build_dir: Path):
    # paylox.botocore_data reads the cut only when it was made from the botocore beside it.
    site = sam_build_dir / "SharedLayer" / "python"
    shipped = next(site.glob("botocore-*.dist-info")).name.removesuffix(".dist-info").split("-")[1]
    data = site / "paylox" / "botocore-data"

    assert (data / "BOTOCORE_VERSION").read_text().strip() == shipped
    assert (data / "endpoints.json").stat().st_size < 200_000  # botocore's own is 1.2 MB
    for service in ("dynamodb", "s3", "ssm"):
        assert list((data / service).glob("*/service-2.json")), f"{service}: no model"
