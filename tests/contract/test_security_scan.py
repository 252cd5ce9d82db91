"""The policy-as-code scan's accepted findings: every check id `.checkov.yaml` skips is justified
in docs/security.md's inventory table, and the table justifies nothing that is not skipped. The
scan itself runs in `make lint` (the checkov hook of .pre-commit-config.yaml)."""

from __future__ import annotations

import re

import yaml

from devstack.template import ROOT

CHECK_ID = re.compile(r"^CKV2?_AWS_\d+$")


def skipped_checks() -> list[str]:
    config = yaml.safe_load((ROOT / ".checkov.yaml").read_text(encoding="utf-8"))
    return [str(check) for check in config.get("skip-check") or []]


def justified_checks() -> dict[str, str]:
    """check id -> the reason given, from the rows of the "Accepted findings" table."""
    text = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    section = text.split("### Accepted findings", 1)[1]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and CHECK_ID.match(cells[0]):
            rows[cells[0]] = cells[2]
    return rows


def test_every_skipped_check_is_justified_in_the_docs_and_nothing_else_is() -> None:
    skipped = skipped_checks()

    assert len(skipped) == len(set(skipped)), "a check is skipped twice in .checkov.yaml"
    assert all(CHECK_ID.match(check) for check in skipped), skipped
    assert set(skipped) == set(justified_checks())


def test_every_justification_says_why() -> None:
    assert all(len(reason) > 40 for reason in justified_checks().values())


def test_the_scan_runs_on_the_template_and_fails_on_findings() -> None:
    config = yaml.safe_load((ROOT / ".checkov.yaml").read_text(encoding="utf-8"))

    assert config["file"] == ["template.yaml"] and config["framework"] == ["cloudformation"]
    assert not config.get("soft-fail") and not config.get("soft-fail-on")
