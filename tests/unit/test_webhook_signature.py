"""The webhook signature scheme and the IP allowlist: pure checks, no AWS."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from paylox.webhooks.allowlist import ip_allowed, parse_networks
from paylox.webhooks.errors import InvalidSignature, TimestampOutOfWindow
from paylox.webhooks.signature import (
    MAX_SIGNATURES,
    compute_signature,
    parse_signature_header,
    sign,
    verify_signature,
)

NOW = 1795683600
BODY = b'{"id":"evt_1","type":"payment.succeeded"}'
CURRENT, PREVIOUS = "whsec_current", "whsec_previous"


def test_the_digest_is_hmac_sha256_over_timestamp_dot_raw_body():
    expected = hmac.new(CURRENT.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()

    assert compute_signature(CURRENT, NOW, BODY) == expected
    assert sign(BODY, [CURRENT], NOW) == f"t={NOW},v1={expected}"


def test_the_documented_example_verifies():
    # docs/webhooks.md, "Worked example" (the body of events/webhooks/success.json).
    body = (
        b'{"id":"evt_success_01JD3Z9A","type":"payment.succeeded","created":1795683600,"data":{"transaction_id":'
        b'"txn_01JD3Z8Q4V7C2N5R0M6K9T1B3F","payment_id":"pay_8f3a2c1d","amount":150000,"currency":"TRY"}}'
    )
    header = "t=1795683600,v1=2aab0444a32fb5ea1d697ae38dcbc2a395573fedd30973924217d361719ba686"

    assert sign(body, ["whsec_example_only"], 1795683600) == header
    assert verify_signature(header, body, ["whsec_example_only"], now=1795683600 + 300).secret_index == 0


def test_a_valid_signature_verifies_with_the_current_secret():
    verified = verify_signature(sign(BODY, [CURRENT], NOW), BODY, [CURRENT, PREVIOUS], now=NOW)

    assert verified.timestamp == NOW and verified.secret_index == 0


def test_during_a_rotation_either_secret_and_either_entry_verifies():
    old_only = verify_signature(sign(BODY, [PREVIOUS], NOW), BODY, [CURRENT, PREVIOUS], now=NOW)
    both = verify_signature(sign(BODY, [PREVIOUS, CURRENT], NOW), BODY, [CURRENT, PREVIOUS], now=NOW)

    assert old_only.secret_index == 1
    assert both.secret_index == 0  # the current secret is preferred when both match


def test_after_a_rotation_the_old_secret_fails():
    with pytest.raises(InvalidSignature):
        verify_signature(sign(BODY, [PREVIOUS], NOW), BODY, [CURRENT], now=NOW)


def test_one_matching_entry_among_several_is_enough():
    header = f"t={NOW},v1={'0' * 64},v1=zz,v1={compute_signature(CURRENT, NOW, BODY)}"

    assert verify_signature(header, BODY, [CURRENT], now=NOW).secret_index == 0


@pytest.mark.parametrize(
    "body",
    [BODY + b" ", BODY.replace(b"succeeded", b"failed"), b"", BODY.upper()],
)
def test_any_change_to_the_raw_body_breaks_the_signature(body):
    with pytest.raises(InvalidSignature):
        verify_signature(sign(BODY, [CURRENT], NOW), body, [CURRENT], now=NOW)


def test_the_signed_timestamp_cannot_be_swapped():
    header = sign(BODY, [CURRENT], NOW).replace(f"t={NOW}", f"t={NOW + 1}")

    with pytest.raises(InvalidSignature):
        verify_signature(header, BODY, [CURRENT], now=NOW)


@pytest.mark.parametrize(("skew", "ok"), [(0, True), (300, True), (-300, True), (301, False), (-301, False)])
def test_the_window_is_five_minutes_in_both_directions_inclusive(skew, ok):
    header = sign(BODY, [CURRENT], NOW + skew)

    if ok:
        assert verify_signature(header, BODY, [CURRENT], now=NOW).timestamp == NOW + skew
    else:
        with pytest.raises(TimestampOutOfWindow):
            verify_signature(header, BODY, [CURRENT], now=NOW)


def test_the_signature_is_judged_before_the_timestamp():
    stale_forgery = sign(BODY, ["guess"], NOW - 10_000)

    with pytest.raises(InvalidSignature):
        verify_signature(stale_forgery, BODY, [CURRENT], now=NOW)


def test_the_header_tolerates_spaces_and_ignores_other_schemes():
    digest = compute_signature(CURRENT, NOW, BODY)
    parsed = parse_signature_header(f" t={NOW} , v0=abc ,v1={digest.upper()} , v2=future")

    assert parsed.timestamp == NOW
    assert parsed.signatures == (bytes.fromhex(digest),)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "garbage",
        f"t={NOW}",  # no v1
        "v1=" + "a" * 64,  # no t
        f"t={NOW},t={NOW},v1={'a' * 64}",  # two timestamps
        f"t=-1,v1={'a' * 64}",
        f"t=1.5,v1={'a' * 64}",
        f"t=now,v1={'a' * 64}",
        f"t={NOW},v1=abc",  # only a malformed digest
        f"t={NOW},v1",  # an item without "="
        f"t={NOW}," + ",".join(["v1=" + "a" * 64] * (MAX_SIGNATURES + 1)),
        f"t={NOW},v1={'a' * 64}," + "x" * 3000,
    ],
)
def test_unusable_headers_are_invalid_signatures(header):
    with pytest.raises(InvalidSignature):
        parse_signature_header(header)


# ---------------------------------------------------------------- allowlist


NETWORKS = parse_networks(("203.0.113.0/24", "198.51.100.7/32", "2001:db8::/32", "10.0.0.1/8"))


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("203.0.113.0", True),
        ("203.0.113.255", True),
        ("203.0.114.0", False),
        ("198.51.100.7", True),
        ("198.51.100.8", False),
        ("10.200.1.1", True),  # host bits in "10.0.0.1/8" are tolerated: the block is 10.0.0.0/8
        ("2001:db8::1", True),
        ("2001:db9::1", False),
        ("::ffff:203.0.113.9", True),  # IPv4 seen through an IPv6 socket
        ("::ffff:192.0.2.1", False),
        ("not-an-ip", False),
        ("", False),
        (None, False),
    ],
)
def test_the_allowlist_matches_cidr_blocks(address, allowed):
    assert ip_allowed(address, NETWORKS) is allowed


def test_an_empty_allowlist_lets_nobody_in():
    assert not ip_allowed("127.0.0.1", parse_networks(()))
