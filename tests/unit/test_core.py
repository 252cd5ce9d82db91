"""The small cross-cutting pieces every service relies on."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from botocore.exceptions import ClientError

from devstack import dev_clock
from paylox import clock, secrets
from paylox.auth import parse_groups, principal_from_event
from paylox.config import SettingsError, get_settings, load_settings
from paylox.ids import is_id, new_id
from paylox.observability import mask_email, mask_phone
from paylox.secrets import get_optional_secret, get_secret


@pytest.fixture(autouse=True)
def real_time():
    dev_clock.reset()
    yield
    dev_clock.reset()


def test_ids_are_prefixed_and_sort_by_creation_time():
    first = new_id("txn")
    dev_clock.advance(0.002)
    second = new_id("txn")

    assert first.startswith("txn_") and len(first) == 30
    assert first < second
    assert is_id(first, "txn") and not is_id(first, "dsp")
    assert not is_id("txn_lowercase0000000000000000")


def test_ids_made_in_the_same_millisecond_keep_the_order_they_were_made_in(monkeypatch):
    frozen = clock.now()
    monkeypatch.setattr(clock, "now", lambda: frozen)

    ids = [new_id("aud") for _ in range(500)]

    assert ids == sorted(ids)
    assert len(set(ids)) == 500


def test_the_clock_only_moves_forward_and_ids_follow_it():
    before = clock.now()
    dev_clock.advance(3600)

    assert (clock.now() - before).total_seconds() >= 3600
    assert dev_clock.offset_seconds() == 3600
    with pytest.raises(ValueError, match="forward"):
        dev_clock.advance(-1)


def test_the_clock_is_the_real_time_unless_the_dev_stack_installs_its_own():
    clock.use(clock.real_time)  # as in AWS, where nothing installs the dev clock
    try:
        dev_clock.advance(3600)
        assert abs((clock.now() - datetime.now(UTC)).total_seconds()) < 5
    finally:
        dev_clock.install()

    assert (clock.now() - datetime.now(UTC)).total_seconds() < 5  # installed afresh: no offset yet


def test_iso_timestamps_are_utc_with_z_and_round_trip():
    moment = clock.now()
    text = clock.isoformat(moment)

    assert text.endswith("Z")
    assert abs((clock.parse_iso(text) - moment).total_seconds()) < 0.001


@pytest.mark.parametrize(
    ("raw", "groups"),
    [
        ("[admin support]", {"admin", "support"}),
        ("admin", {"admin"}),
        (["support"], {"support"}),
        ("admin,support", {"admin", "support"}),
        (None, set()),
        ("[]", set()),
    ],
)
def test_cognito_groups_in_every_shape_the_authorizer_sends(raw, groups):
    assert parse_groups(raw) == frozenset(groups)


def test_principal_roles_from_claims():
    claims = {"sub": "u1", "cognito:groups": "[support]", "paylox:mfa": "totp", "auth_time": "1795683500"}
    event = {"requestContext": {"authorizer": {"jwt": {"claims": claims}}}}

    principal = principal_from_event(event)

    assert principal is not None
    assert principal.role == "support"
    assert principal.is_staff and not principal.is_admin
    assert principal.auth_time == 1795683500
    assert principal_from_event({"requestContext": {}}) is None


def test_staff_without_the_totp_claim_are_plain_users():
    claims = {"sub": "u1", "cognito:groups": "[admin]", "paylox:mfa": "sms"}
    principal = principal_from_event({"requestContext": {"authorizer": {"jwt": {"claims": claims}}}})

    assert principal is not None
    assert (principal.role, principal.is_staff, principal.is_admin, principal.mfa) == ("user", False, False, False)


def test_missing_settings_fail_loudly_naming_what_is_missing(monkeypatch):
    monkeypatch.delenv("TRANSACTIONS_TABLE")
    get_settings.cache_clear()
    try:
        with pytest.raises(SettingsError, match="TRANSACTIONS_TABLE"):
            get_settings()
    finally:
        get_settings.cache_clear()


def test_admin_emails_are_a_comma_separated_list():
    settings = load_settings({**_minimal_env(), "ADMIN_NOTIFICATION_EMAILS": "a@paylox.com.tr, b@paylox.com.tr,"})

    assert settings.admin_notification_emails == ["a@paylox.com.tr", "b@paylox.com.tr"]


@pytest.mark.parametrize(("raw", "on"), [("true", True), ("false", False), ("TRUE", True), (" false ", False)])
def test_profile_on_first_request_is_a_true_or_false_switch(raw, on):
    settings = load_settings({**_minimal_env(), "PROFILE_ON_FIRST_REQUEST": raw})

    assert settings.profile_on_first_request is on


@pytest.mark.parametrize("raw", [None, "", "yes", "1", "off", "auto"])
def test_profile_on_first_request_has_no_default_and_no_guessing(raw):
    env = {**_minimal_env(), "PROFILE_ON_FIRST_REQUEST": raw}
    if raw is None:
        del env["PROFILE_ON_FIRST_REQUEST"]

    with pytest.raises(SettingsError, match="PROFILE_ON_FIRST_REQUEST"):
        load_settings(env)


def test_secrets_come_from_the_environment_locally_and_fail_when_unconfigured(monkeypatch):
    monkeypatch.setenv("SOME_SECRET", "s3cr3t")
    monkeypatch.delenv("OTHER_SECRET", raising=False)
    monkeypatch.delenv("OTHER_SECRET_PARAMETER", raising=False)

    assert get_secret("SOME_SECRET") == "s3cr3t"
    assert get_optional_secret("OTHER_SECRET") is None
    with pytest.raises(SettingsError, match="OTHER_SECRET"):
        get_secret("OTHER_SECRET")


def test_an_optional_secret_whose_parameter_does_not_exist_is_none_and_ssm_is_not_asked_again(monkeypatch):
    asked = []

    def missing(name, **_):
        asked.append(name)
        raise ClientError({"Error": {"Code": "ParameterNotFound", "Message": name}}, "GetParameter")

    monkeypatch.setattr(secrets, "_fetch", missing)
    monkeypatch.setattr(secrets, "_absent_until", {})
    monkeypatch.delenv("ROTATING_SECRET", raising=False)
    monkeypatch.setenv("ROTATING_SECRET_PARAMETER", "/paylox/dev/rotating-previous")

    assert get_optional_secret("ROTATING_SECRET") is None
    assert get_optional_secret("ROTATING_SECRET") is None
    assert asked == ["/paylox/dev/rotating-previous"]
    monkeypatch.setenv("ROTATING_SECRET", "from-the-environment")
    assert get_optional_secret("ROTATING_SECRET") == "from-the-environment"


def test_a_secret_from_parameter_store_is_asked_once_per_five_minutes(monkeypatch):
    reads: list[str] = []
    now = [1000.0]
    monkeypatch.setattr(secrets, "_fetch", lambda name: reads.append(name) or f"value-{len(reads)}")
    monkeypatch.setattr(secrets, "_cached", {})
    monkeypatch.setattr(secrets.time, "monotonic", lambda: now[0])
    monkeypatch.delenv("ROTATING_SECRET", raising=False)
    monkeypatch.setenv("ROTATING_SECRET_PARAMETER", "/paylox/dev/rotating")

    assert get_secret("ROTATING_SECRET") == "value-1"
    now[0] += 299
    assert get_secret("ROTATING_SECRET") == "value-1"
    now[0] += 2  # a rotation reaches a warm function within five minutes
    assert get_secret("ROTATING_SECRET") == "value-2"
    assert reads == ["/paylox/dev/rotating"] * 2


def test_other_failures_of_an_optional_secret_are_not_hidden(monkeypatch):
    def denied(name, **_):
        raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": name}}, "GetParameter")

    monkeypatch.setattr(secrets, "_fetch", denied)
    monkeypatch.setattr(secrets, "_absent_until", {})
    monkeypatch.delenv("ROTATING_SECRET", raising=False)
    monkeypatch.setenv("ROTATING_SECRET_PARAMETER", "/paylox/dev/rotating-previous")

    with pytest.raises(ClientError, match="AccessDenied"):
        get_optional_secret("ROTATING_SECRET")


class _FakeSsm:
    """GetParameters as SSM answers it: the values found, and the names that do not exist."""

    def __init__(self, stored: dict[str, str]) -> None:
        self.stored = stored
        self.calls: list[list[str]] = []

    def get_parameters(self, Names: list[str], WithDecryption: bool) -> dict[str, object]:
        self.calls.append(sorted(Names))
        return {
            "Parameters": [{"Name": name, "Value": self.stored[name]} for name in Names if name in self.stored],
            "InvalidParameters": [name for name in Names if name not in self.stored],
        }


def test_secrets_read_together_cost_one_call_and_are_kept_five_minutes(monkeypatch):
    ssm = _FakeSsm({"/paylox/dev/current": "current-1"})
    now = [1000.0]
    monkeypatch.setattr(secrets, "client", lambda service: ssm)
    monkeypatch.setattr(secrets, "_fetch", lambda name: pytest.fail(f"read {name} alone"))
    monkeypatch.setattr(secrets, "_cached", {})
    monkeypatch.setattr(secrets, "_absent_until", {})
    monkeypatch.setattr(secrets.time, "monotonic", lambda: now[0])
    for name, parameter in (("CURRENT_SECRET", "/paylox/dev/current"), ("PREVIOUS_SECRET", "/paylox/dev/previous")):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv(f"{name}_PARAMETER", parameter)

    secrets.prefetch("CURRENT_SECRET", "PREVIOUS_SECRET")
    first = (get_secret("CURRENT_SECRET"), get_optional_secret("PREVIOUS_SECRET"))
    now[0] += 299
    secrets.prefetch("CURRENT_SECRET", "PREVIOUS_SECRET")  # everything is held: no call
    ssm.stored.update({"/paylox/dev/current": "current-2", "/paylox/dev/previous": "current-1"})  # a rotation
    now[0] += 2
    secrets.prefetch("CURRENT_SECRET", "PREVIOUS_SECRET")
    rotated = (get_secret("CURRENT_SECRET"), get_optional_secret("PREVIOUS_SECRET"))

    assert first == ("current-1", None)
    assert rotated == ("current-2", "current-1")
    assert ssm.calls == [["/paylox/dev/current", "/paylox/dev/previous"]] * 2


def test_a_required_secret_missing_from_ssm_still_fails_when_read(monkeypatch):
    ssm = _FakeSsm({})

    def missing(name, **_):
        raise ClientError({"Error": {"Code": "ParameterNotFound", "Message": name}}, "GetParameter")

    monkeypatch.setattr(secrets, "client", lambda service: ssm)
    monkeypatch.setattr(secrets, "_fetch", missing)
    monkeypatch.setattr(secrets, "_cached", {})
    monkeypatch.setattr(secrets, "_absent_until", {})
    monkeypatch.delenv("CURRENT_SECRET", raising=False)
    monkeypatch.setenv("CURRENT_SECRET_PARAMETER", "/paylox/dev/current")

    secrets.prefetch("CURRENT_SECRET")

    with pytest.raises(ClientError, match="ParameterNotFound"):
        get_secret("CURRENT_SECRET")


def test_a_secret_in_the_environment_is_not_asked_of_ssm(monkeypatch):
    ssm = _FakeSsm({})
    monkeypatch.setattr(secrets, "client", lambda service: ssm)
    monkeypatch.setenv("LOCAL_SECRET", "from-the-environment")
    monkeypatch.setenv("LOCAL_SECRET_PARAMETER", "/paylox/dev/local")
    monkeypatch.delenv("UNCONFIGURED_SECRET", raising=False)
    monkeypatch.delenv("UNCONFIGURED_SECRET_PARAMETER", raising=False)

    secrets.prefetch("LOCAL_SECRET", "UNCONFIGURED_SECRET")

    assert ssm.calls == []
    assert get_secret("LOCAL_SECRET") == "from-the-environment"


def test_personal_data_is_masked_for_logs():
    assert mask_phone("+905551112233") == "+90******2233"
    assert mask_email("ayse.yilmaz@example.com") == "a***@example.com"
    assert mask_phone(None) == ""


def _minimal_env() -> dict[str, str]:
    return {
        "PAYLOX_STAGE": "dev",
        "AWS_REGION": "eu-central-1",
        "USERS_TABLE": "u",
        "TRANSACTIONS_TABLE": "t",
        "AUDIT_TABLE": "a",
        "IDEMPOTENCY_TABLE": "i",
        "EVENT_BUS_NAME": "b",
        "OTP_TABLE": "o",
        "OTP_LIMITS_TABLE": "ol",
        "OTP_BLOCKLIST_TABLE": "ob",
        "DOCUMENTS_TABLE": "d",
        "DOCUMENT_SHARES_TABLE": "s",
        "DOCUMENTS_BUCKET": "bucket",
        "DOCUMENT_SCANNER": "none",
        "SHARE_LINK_BASE_URL": "",
        "WEBHOOK_DELIVERIES_TABLE": "w",
        "JETCHECKOUT_IP_ALLOWLIST": "127.0.0.1/32",
        "DISPUTES_TABLE": "dsp",
        "PROFILE_ON_FIRST_REQUEST": "false",
        "OUTBOX_TABLE": "out",
        "HEALTH_TABLE": "health",
        "CACHE_TABLE": "c",
        "STATISTICS_TABLE": "st",
        "EXPORTS_TABLE": "exp",
        "EXPORTS_BUCKET": "exports",
    }
