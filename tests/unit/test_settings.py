"""Settings as an operator deploying meets them: how each kind of value is read from the
environment, the rules a value must meet, and one cold-start error that names every problem."""

from __future__ import annotations

import dataclasses
import os

import pytest

from paylox.config import Settings, SettingsError, load_settings


def settings(**overrides: str) -> Settings:
    return load_settings({**os.environ, **overrides})


def refusal(**overrides: str) -> str:
    with pytest.raises(SettingsError) as refused:
        settings(**overrides)
    message = str(refused.value)
    assert message.startswith("invalid or missing settings: ")
    return message


# ------------------------------------------------------------------------------------ numbers
@pytest.mark.parametrize(("raw", "read"), [("5", 5), (" 5 ", 5), ("+5", 5), ("5.0", 5), ("1_000", 1000)])
def test_a_whole_number_is_read_as_before(raw: str, read: int):
    assert settings(SMS_HOURLY_BUDGET=raw).sms_hourly_budget == read


@pytest.mark.parametrize("raw", ["", "three", "5.5", "1e3", "0x10", "٥"])
def test_a_whole_number_setting_refuses_what_is_not_one(raw: str):
    assert "SMS_HOURLY_BUDGET: expected a whole number" in refusal(SMS_HOURLY_BUDGET=raw)


@pytest.mark.parametrize(("raw", "read"), [("2.5", 2.5), (" 3 ", 3.0), (".5", 0.5)])
def test_a_number_is_read_as_before(raw: str, read: float):
    assert settings(JETCHECKOUT_TIMEOUT_SECONDS=raw).jetcheckout_timeout_seconds == read


@pytest.mark.parametrize("raw", ["", "5s", "five"])
def test_a_number_setting_refuses_what_is_not_one(raw: str):
    assert "JETCHECKOUT_TIMEOUT_SECONDS: expected a number" in refusal(JETCHECKOUT_TIMEOUT_SECONDS=raw)


@pytest.mark.parametrize(
    ("variable", "raw", "says"),
    [
        ("SMS_MAX_ATTEMPTS", "7", "must be at most 6"),
        ("SMS_MAX_ATTEMPTS", "0", "must be at least 1"),
        ("OTP_CODE_TTL_SECONDS", "30", "must be at least 60"),
        ("JETCHECKOUT_TIMEOUT_SECONDS", "0", "must be greater than 0"),
        ("JETCHECKOUT_TIMEOUT_SECONDS", "9", "must be at most 8"),
        ("JETCHECKOUT_TIMEOUT_SECONDS", "nan", "must be greater than 0"),
        ("CAPTCHA_MIN_SCORE", "1.5", "must be at most 1"),
        ("DOCUMENT_DOWNLOAD_URL_SECONDS", "3600", "must be at most 300"),
    ],
)
def test_a_number_out_of_its_range_is_refused_saying_the_limit(variable: str, raw: str, says: str):
    assert f"{variable}: {says}" in refusal(**{variable: raw})


def test_the_limits_themselves_are_allowed():
    edge = settings(SMS_MAX_ATTEMPTS="6", OTP_CODE_TTL_SECONDS="60", JETCHECKOUT_TIMEOUT_SECONDS="8")

    assert (edge.sms_max_attempts, edge.otp_code_ttl_seconds, edge.jetcheckout_timeout_seconds) == (6, 60, 8.0)


# ------------------------------------------------------------------------------------ choices
@pytest.mark.parametrize("raw", ["production", "PROD", " prod", ""])
def test_an_unknown_choice_is_refused_listing_the_choices(raw: str):
    assert "PAYLOX_STAGE: expected one of dev, staging, prod" in refusal(PAYLOX_STAGE=raw)


def test_a_choice_is_read_as_written():
    assert settings(CAPTCHA_PROVIDER="hcaptcha").captcha_provider == "hcaptcha"


# ------------------------------------------------------------------------------------ text
@pytest.mark.parametrize(
    ("variable", "raw", "says"),
    [
        ("USERS_TABLE", "", "length must be at least 1"),
        ("DOCUMENTS_BUCKET", "ab", "length must be at least 3"),
        ("SMS_SENDER_ID", "P" * 35, "length must be at most 34"),
        ("SHARE_LINK_BASE_URL", "ftp://files.paylox.com.tr", "must match"),
        ("SHARE_LINK_BASE_URL", "https://paylox.com.tr/a b", "must match"),
        ("DOCUMENTS_CDN_DOMAIN", "cdn.paylox.com.tr/docs", "must match"),
        ("REDIS_URL", "http://cache:6379", "must match"),
    ],
)
def test_text_that_breaks_its_rule_is_refused(variable: str, raw: str, says: str):
    assert f"{variable}: {says}" in refusal(**{variable: raw})


def test_an_empty_optional_url_is_none_and_a_given_one_is_kept():
    empty = settings(REDIS_URL="", JETCHECKOUT_BASE_URL="")
    given = settings(REDIS_URL="rediss://cache.paylox.internal:6379", SHARE_LINK_BASE_URL="")

    assert (empty.redis_url, empty.jetcheckout_base_url) == (None, None)
    assert given.redis_url == "rediss://cache.paylox.internal:6379"
    assert given.share_link_base_url == ""


def test_a_missing_variable_is_named_as_missing():
    environment = {key: value for key, value in os.environ.items() if key != "DISPUTES_TABLE"}

    with pytest.raises(SettingsError, match="DISPUTES_TABLE: missing"):
        load_settings(environment)


def test_an_unset_optional_variable_takes_its_default():
    environment = {
        key: value for key, value in os.environ.items() if key not in ("SMS_MAX_ATTEMPTS", "OTP_ALLOWED_COUNTRIES")
    }

    defaults = load_settings(environment)

    assert (defaults.sms_max_attempts, defaults.otp_allowed_countries) == (3, ["+90"])


# ------------------------------------------------------------------------------------ lists and switches
def test_a_list_is_split_on_commas_and_stripped():
    assert settings(CORS_ALLOW_ORIGINS=" https://a.paylox.com.tr ,, https://b.paylox.com.tr ,").cors_allow_origins == [
        "https://a.paylox.com.tr",
        "https://b.paylox.com.tr",
    ]
    assert settings(DISPUTE_SENIOR_ADMIN_EMAILS="").dispute_senior_admin_emails == []


@pytest.mark.parametrize("raw", ["203.0.113.0/33", "203.0.113.300/32", "jetcheckout", "2001:db8::g/32"])
def test_a_bad_cidr_block_is_refused_naming_it(raw: str):
    message = refusal(JETCHECKOUT_IP_ALLOWLIST=f"198.51.100.0/24, {raw}")

    assert "JETCHECKOUT_IP_ALLOWLIST:" in message
    assert raw in message


def test_cidr_blocks_and_single_addresses_are_allowed():
    allowlist = "198.51.100.7, 203.0.113.0/24, 2001:db8::/32"

    assert settings(JETCHECKOUT_IP_ALLOWLIST=allowlist).jetcheckout_ip_allowlist == allowlist.split(", ")


@pytest.mark.parametrize(("raw", "on"), [("True", True), (" FALSE", False)])
def test_a_switch_reads_true_or_false_in_any_case(raw: str, on: bool):
    assert settings(PROFILE_ON_FIRST_REQUEST=raw).profile_on_first_request is on


@pytest.mark.parametrize("raw", ["tru", "0", "on"])
def test_a_switch_refuses_anything_else(raw: str):
    assert "PROFILE_ON_FIRST_REQUEST: expected true or false" in refusal(PROFILE_ON_FIRST_REQUEST=raw)


# ------------------------------------------------------------------------------------ all at once
def test_every_problem_is_reported_in_one_error():
    environment = {key: value for key, value in os.environ.items() if key != "OTP_TABLE"}
    environment |= {
        "SMS_MAX_ATTEMPTS": "ten",
        "PAYLOX_STAGE": "qa",
        "JETCHECKOUT_IP_ALLOWLIST": "10.0.0.0/8,10.0.0.300",
    }

    with pytest.raises(SettingsError) as refused:
        load_settings(environment)

    message = str(refused.value)
    for problem in (
        "PAYLOX_STAGE: expected one of",
        "JETCHECKOUT_IP_ALLOWLIST:",
        "OTP_TABLE: missing",
        "SMS_MAX_ATTEMPTS: expected a whole number",
    ):
        assert problem in message


def test_every_check_across_settings_is_reported_in_one_error():
    message = refusal(CACHE_BACKEND="redis", REDIS_URL="", DOCUMENT_DELIVERY="cloudfront", DOCUMENTS_CDN_DOMAIN="")

    assert "REDIS_URL is required when CACHE_BACKEND is redis" in message
    assert "DOCUMENTS_CDN_DOMAIN is required when DOCUMENT_DELIVERY is cloudfront" in message


def test_variables_that_are_not_settings_are_ignored():
    assert settings(PAYLOX_UNKNOWN_SWITCH="maybe", LANG="C.UTF-8").stage == "dev"


def test_settings_cannot_be_changed_once_read():
    read = settings()

    with pytest.raises(dataclasses.FrozenInstanceError):
        read.stage = "prod"
    assert dataclasses.replace(read, stage="prod").stage == "prod"
    assert read.stage == "dev"
