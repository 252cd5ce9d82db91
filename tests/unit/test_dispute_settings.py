"""Dispute settings: the service-level agreement's defaults and who hears of escalations."""

from __future__ import annotations

import os

from paylox.config import Settings, load_settings


def settings(**overrides: str) -> Settings:
    return load_settings({**os.environ, **overrides})


def test_the_agreement_defaults_to_48_2_and_24_hours():
    defaults = settings()

    assert (defaults.dispute_escalation_hours, defaults.dispute_first_response_hours) == (48, 2)
    assert defaults.dispute_info_reminder_hours == 24


def test_escalations_go_to_the_senior_admins_or_else_to_the_admins():
    with_seniors = settings(ADMIN_NOTIFICATION_EMAILS="ops@paylox.com.tr", DISPUTE_SENIOR_ADMIN_EMAILS="a@x.tr, b@x.tr")
    without = settings(ADMIN_NOTIFICATION_EMAILS="ops@paylox.com.tr", DISPUTE_SENIOR_ADMIN_EMAILS="")

    assert with_seniors.dispute_escalation_emails == ["a@x.tr", "b@x.tr"]
    assert without.dispute_escalation_emails == ["ops@paylox.com.tr"]
