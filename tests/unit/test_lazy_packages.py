"""Powertools' packages loaded name by name (paylox.lazy_packages) are the packages Powertools wrote.

Each check runs in a fresh interpreter: the test process has long imported both packages.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap

import pytest

from devstack.stack import dev_stack
from devstack.template import ROOT
from paylox.lazy_packages import PACKAGES


def run(code: str, *paths: str) -> str:
    prelude = f"import sys; sys.path[:0] = {list(paths)!r}\n"
    result = subprocess.run(  # noqa: S603 - this interpreter, our own code
        [sys.executable, "-c", prelude + textwrap.dedent(code)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("package", PACKAGES)
def test_every_name_of_the_package_is_the_object_powertools_exports(package):
    mismatched = run(f"""
        import importlib.util, json, sys
        import paylox
        lazy = sys.modules[{package!r}]
        spec = importlib.util.find_spec({package!r})
        real = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(real)  # the real __init__, into a module of its own
        names = [name for name in real.__all__]
        print(json.dumps([name for name in names if getattr(lazy, name) is not getattr(real, name)]))
    """)
    assert json.loads(mismatched) == []


def test_an_http_function_loads_one_resolver_and_the_data_classes_it_reads():
    loaded = run("""
        import json, os, sys
        os.environ.setdefault("AWS_REGION", "eu-central-1")
        import functions.transactions.get
        print(json.dumps(sorted(sys.modules)))
    """)
    modules = json.loads(loaded)
    assert "aws_lambda_powertools.event_handler.api_gateway" in modules
    unused = ("event_handler.appsync", "event_handler.bedrock_agent", "data_classes.sqs_event", "data_classes.s3_event")
    assert [name for name in modules if name.endswith(unused)] == []
    assert "asyncio" not in modules


def test_a_name_the_init_defines_itself_runs_the_real_init_once(tmp_path):
    package = tmp_path / "fakepkg"
    package.mkdir()
    (package / "__init__.py").write_text("from .parts import Part\nRAN = []\nRAN.append(1)\nVALUE = 42\n")
    (package / "parts.py").write_text("class Part:\n    pass\n")
    out = run(
        """
        import json, sys
        from paylox import lazy_packages
        lazy_packages._install("fakepkg")
        import fakepkg
        from fakepkg import Part
        first = "RAN" in vars(fakepkg)
        value, again = fakepkg.VALUE, fakepkg.VALUE
        try:
            fakepkg.MISSING
        except AttributeError:
            missing = "AttributeError"
        print(json.dumps([Part.__module__, first, value, fakepkg.RAN, missing]))
        """,
        str(tmp_path),
    )
    assert json.loads(out) == ["fakepkg.parts", False, 42, [1], "AttributeError"]


def test_no_route_module_imports_powertools_event_handler_itself():
    # Imported before paylox (import order puts it first), the package would load whole: route
    # modules take Response, Query and Header from paylox.http or paylox.http_public.
    stack = dev_stack()
    offenders = []
    for logical_id, spec in stack.functions.items():
        if not any(event.get("Type") == "HttpApi" for event in spec.events.values()):
            continue
        source = ROOT.joinpath(*spec.module.split(".")).with_suffix(".py")
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(PACKAGES):
                offenders.append(f"{logical_id}: from {node.module} import ...")
    assert offenders == []
