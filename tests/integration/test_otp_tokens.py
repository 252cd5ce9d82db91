"""Verification tokens: bound to user, phone and purpose, short-lived, and used at most once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from devstack import dev_clock
from paylox.otp.tokens import consume_token, issue_token

PHONE = "+905551112233"
PURPOSE = "TRANSACTION_CONFIRMATION"
BINDING = {"user_id": "user-buyer-1", "phone": PHONE, "purpose": PURPOSE}


def test_a_token_is_consumed_once():
    token, lifetime = issue_token(**BINDING)

    assert lifetime == 300 and token.startswith("otpv_") and len(token) > 40
    assert consume_token(token, **BINDING) is True
    assert consume_token(token, **BINDING) is False


@pytest.mark.parametrize(
    "other",
    [{"user_id": "user-seller-1"}, {"phone": "+905321112233"}, {"purpose": "PHONE_VERIFICATION"}],
)
def test_a_token_only_works_for_what_it_is_bound_to_and_a_refusal_does_not_spend_it(other):
    token, _ = issue_token(**BINDING)

    assert consume_token(token, **{**BINDING, **other}) is False
    assert consume_token(token, **BINDING) is True


def test_a_token_expires_by_the_clock():
    token, lifetime = issue_token(**BINDING)
    dev_clock.advance(lifetime + 1)

    assert consume_token(token, **BINDING) is False


@pytest.mark.parametrize("token", ["", "otpv_", "otpv_never-issued", "x" * 500, "otpv_" + "a" * 200])
def test_made_up_tokens_are_refused(token):
    assert consume_token(token, **BINDING) is False


def test_racing_requests_spend_a_token_exactly_once():
    token, _ = issue_token(**BINDING)

    with ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = list(pool.map(lambda _: consume_token(token, **BINDING), range(20)))

    assert outcomes.count(True) == 1
