"""Whose limits a number counts against, and how a limit is judged from the counters read."""

from __future__ import annotations

import pytest

from paylox.otp import limits
from paylox.otp.errors import PhoneHourlyLimit
from paylox.otp.models import CounterRow
from paylox.otp.scopes import scope_of
from paylox.users.models import UserProfile

PHONE = "+905551112233"
OTHER = "+905321112233"
NOW = 1_800_000_000


def profile(phone: str | None, verified: bool) -> UserProfile:
    return UserProfile("user-1", phone=phone, phone_verified=verified)


def test_the_verified_phone_counts_only_its_owner():
    scope = scope_of("user-1", profile(PHONE, verified=True), PHONE)

    assert scope.relation == "verified" and scope.keys == [f"user-1|{PHONE}"]
    assert not scope.needs_captcha and not scope.obeys_automatic_blocks


def test_the_registered_number_is_also_counted_for_every_account_registered_with_it():
    scope = scope_of("user-1", profile("0555 111 22 33", verified=False), PHONE)

    assert scope.relation == "registered" and scope.keys == [f"user-1|{PHONE}", PHONE]
    assert not scope.needs_captcha and scope.obeys_automatic_blocks


@pytest.mark.parametrize("owner", [profile(PHONE, verified=True), profile(None, verified=False), None])
def test_any_other_number_is_counted_per_caller_and_needs_a_captcha(owner):
    scope = scope_of("user-1", owner, OTHER)

    assert scope.relation == "other" and scope.keys == [f"user-1|{OTHER}"]
    assert scope.needs_captcha and scope.obeys_automatic_blocks


def counters(hits: int, window_end: int) -> dict[str, CounterRow]:
    return {"phone|k": CounterRow("phone|k", hits=hits, window_end=window_end, ttl=window_end)}


def test_a_hit_opens_a_window_when_none_is_live():
    limit = limits.Limit("phone|k", 3600, 5, PhoneHourlyLimit)

    fresh = limits.take(limit, {}, NOW)
    after_expiry = limits.take(limit, counters(5, NOW), NOW)

    assert (fresh.opens, fresh.count, fresh.window_end) == (True, 1, NOW + 3600)
    assert after_expiry.opens and after_expiry.count == 1


def test_a_hit_in_a_live_window_is_written_only_while_the_count_leaves_room():
    limit = limits.Limit("phone|k", 3600, 5, PhoneHourlyLimit, amount=2)

    hit = limits.take(limit, counters(3, NOW + 100), NOW)

    assert (hit.opens, hit.count, hit.window_end, hit.ceiling) == (False, 5, NOW + 100, 3)


def test_a_full_window_refuses_until_it_closes():
    limit = limits.Limit("phone|k", 3600, 5, PhoneHourlyLimit)

    with pytest.raises(PhoneHourlyLimit) as refused:
        limits.take(limit, counters(5, NOW + 100), NOW)

    assert refused.value.extra["retry_after"] == 100
