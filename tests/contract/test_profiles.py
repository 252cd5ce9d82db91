"""No samconfig profile can deploy a stack whose functions fail at cold start.

Each profile's parameter overrides (and the template's defaults for the rest) are resolved into
every function's environment exactly as CloudFormation would give it, and the settings are built
from it the way a cold start builds them. A profile that leaves a dev-only value outside dev fails
here, with the message the function would log, which names the template parameter to set.
"""

from __future__ import annotations

import shlex
import tomllib
from typing import Any

import pytest

from devstack.template import REGION, ROOT, Stack, load_template
from paylox.config import SettingsError, load_settings

TEMPLATE = load_template()
PARAMETERS: dict[str, dict[str, Any]] = TEMPLATE["Parameters"]
SAMCONFIG = tomllib.loads((ROOT / "samconfig.toml").read_text(encoding="utf-8"))
PROFILES = {
    name: section["deploy"]["parameters"]
    for name, section in SAMCONFIG.items()
    if isinstance(section, dict) and "deploy" in section
}


def overrides_of(profile: str) -> dict[str, str]:
    """``Key=Value Key2="a b"`` as the SAM CLI reads a profile's ``parameter_overrides``."""
    raw = PROFILES[profile].get("parameter_overrides", "")
    pairs = raw if isinstance(raw, list) else shlex.split(raw)
    return dict(pair.split("=", 1) for pair in pairs)


def cold_start_failures(overrides: dict[str, str]) -> list[str]:
    """``<function>: <settings error>`` for every function whose settings would not load."""
    stack = Stack(TEMPLATE, name=f"paylox-{overrides.get('Stage', 'dev')}", parameter_overrides=overrides)
    failures = []
    for logical_id, spec in stack.functions.items():
        try:
            load_settings({**spec.environment, "AWS_REGION": REGION})
        except SettingsError as exc:
            failures.append(f"{logical_id}: {exc}")
    return failures


def test_there_are_dev_staging_and_prod_profiles():
    assert {"dev", "staging", "prod"} <= set(PROFILES)


@pytest.mark.parametrize("profile", list(PROFILES))
def test_every_override_names_a_template_parameter_with_an_allowed_value(profile: str):
    wrong = [
        f"{key}={value}"
        for key, value in overrides_of(profile).items()
        if key not in PARAMETERS
        or ("AllowedValues" in PARAMETERS[key] and value not in map(str, PARAMETERS[key]["AllowedValues"]))
    ]

    assert wrong == [], f"profile {profile}: unknown parameters or values the template does not allow"


@pytest.mark.parametrize("profile", list(PROFILES))
def test_every_required_parameter_is_set_by_the_profile(profile: str):
    required = {key for key, spec in PARAMETERS.items() if "Default" not in spec}

    assert sorted(required - set(overrides_of(profile))) == [], f"profile {profile} leaves parameters unset"


@pytest.mark.parametrize("profile", list(PROFILES))
def test_every_function_of_the_profile_loads_its_settings(profile: str):
    assert cold_start_failures(overrides_of(profile)) == []


@pytest.mark.parametrize("profile", ["staging", "prod"])
def test_deployed_stages_send_real_sms_with_a_fallback_and_take_real_payments(profile: str):
    overrides = overrides_of(profile)

    assert overrides["SmsProvider"] == "twilio"
    assert overrides["SmsFallbackProvider"] == "messagebird"
    assert overrides["PaymentGateway"] == "jetcheckout"
    assert overrides["JetcheckoutBaseUrl"].startswith("https://")


# ------------------------------------------------------------------------------------ bad profiles
@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        ("SmsProvider", "console"),
        ("EmailProvider", "console"),
        ("PaymentGateway", "sandbox"),
        ("MalwareScanner", "dev"),
        ("MalwareScanner", "none"),
        ("JetcheckoutIpAllowlist", "127.0.0.1/32,::1/128"),
        ("JetcheckoutIpAllowlist", ""),
        ("CorsAllowOrigins", "https://app.paylox.com.tr,http://localhost:3000"),
        ("CorsAllowOrigins", "http://127.0.0.1:5173"),
        ("CorsAllowOrigins", "http://[::1]:3000"),
        ("CorsAllowOrigins", "https://web.localhost"),
        ("JetcheckoutBaseUrl", ""),
    ],
)
def test_a_hand_built_bad_prod_profile_fails_naming_the_parameter(parameter: str, value: str):
    bad = {**overrides_of("prod"), parameter: value}

    failures = cold_start_failures(bad)

    assert failures, f"prod with {parameter}={value!r} would deploy"
    assert all(parameter in failure for failure in failures), failures[0]


def test_the_dev_stage_may_use_what_only_dev_may_use():
    dev_only = {
        "Stage": "dev",
        "SmsProvider": "console",
        "EmailProvider": "console",
        "PaymentGateway": "sandbox",
        "MalwareScanner": "dev",
        "JetcheckoutIpAllowlist": "127.0.0.1/32",
        "CorsAllowOrigins": "http://localhost:3000",
    }

    assert cold_start_failures(dev_only) == []
