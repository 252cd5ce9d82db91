"""``GET /api/health`` says what runs; ``GET /api/admin/health`` whether what it needs answers."""

from __future__ import annotations

import re

from functions.ops import health
from paylox import version
from tests.apigw import api_event, invoke


def test_liveness_answers_the_build_version_and_the_stage(tmp_path, monkeypatch):
    # Given a layer built by `make build`, which wrote the commit beside the version module
    sha_file = tmp_path / "BUILD_SHA"
    sha_file.write_text("3f2c1a9b7d4e\n", encoding="utf-8")
    monkeypatch.setattr(version, "_BUILD_SHA", sha_file)
    version.build_version.cache_clear()
    try:
        # When anyone asks
        result = invoke(health, api_event("ops/health.json", sub=None))
    finally:
        version.build_version.cache_clear()

    # Then it is alive, on the dev stage, running that commit of the release
    assert result.status == 200
    assert result.json == {"status": "ok", "version": f"{version.SEMVER}+3f2c1a9b7d4e", "stage": "dev"}


def test_a_layer_never_built_says_its_commit_is_unknown():
    version.build_version.cache_clear()

    result = invoke(health, api_event("ops/health.json", sub=None))

    assert re.fullmatch(r"\d+\.\d+\.\d+\+[0-9a-z.]+", result.json["version"])
    assert result.json["version"].startswith(version.SEMVER + "+")
