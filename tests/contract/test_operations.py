"""What operators rely on: the version the health check reports is the project's version."""

from __future__ import annotations

import tomllib

from devstack.template import ROOT
from paylox.version import SEMVER


def test_the_reported_semver_is_the_projects_version():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]

    assert project["version"] == SEMVER
