"""The pool's pre-token-generation trigger: staff with TOTP on get ``paylox:mfa``, nobody else."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import pytest

from devstack.lambda_context import LambdaContext
from functions.users import pre_token
from paylox.users.mfa import add_mfa_claim
from tests.apigw import load_event


class FakePool:
    """A pool answering ``AdminGetUser`` with the MFA settings it was given, counting the calls."""

    def __init__(self, settings: list[str]) -> None:
        self.settings = settings
        self.asked: list[tuple[str, str]] = []

    def admin_get_user(self, *, UserPoolId: str, Username: str) -> Mapping[str, Any]:
        self.asked.append((UserPoolId, Username))
        return {"Username": Username, "UserMFASettingList": self.settings} if self.settings else {"Username": Username}


def _event(groups: list[str]) -> dict[str, Any]:
    event = load_event("users/pre_token.json")
    event["request"]["groupConfiguration"]["groupsToOverride"] = groups
    return event


@pytest.mark.parametrize("group", ["admin", "support"])
def test_staff_with_totp_get_the_claim(group: str):
    pool = FakePool(["SOFTWARE_TOKEN_MFA"])
    answered = add_mfa_claim(_event([group]), pool)
    assert answered["response"]["claimsOverrideDetails"] == {"claimsToAddOrOverride": {"paylox:mfa": "totp"}}
    assert pool.asked == [("eu-central-1_PayloxDev", "3f1b9c2e-8d47-4a6e-b0c5-71e2d9a4f806")]


@pytest.mark.parametrize("settings", [[], ["SMS_MFA"]])
def test_staff_without_totp_get_no_claim(settings: list[str]):
    answered = add_mfa_claim(_event(["admin"]), FakePool(settings))
    assert answered["response"]["claimsOverrideDetails"] == {"claimsToSuppress": ["paylox:mfa"]}


def test_other_users_cost_no_call_to_the_pool_and_get_no_claim():
    pool = FakePool(["SOFTWARE_TOKEN_MFA"])
    answered = add_mfa_claim(_event(["beta-testers"]), pool)
    assert answered["response"]["claimsOverrideDetails"] == {"claimsToSuppress": ["paylox:mfa"]}
    assert pool.asked == []


def test_the_rest_of_the_event_comes_back_unchanged(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(pre_token, "client", lambda service: FakePool(["SOFTWARE_TOKEN_MFA"]))
    event = _event(["admin"])
    before = copy.deepcopy(event)
    answered = pre_token.handler(event, LambdaContext(function_name="pre_token"))
    answered_response, before_response = answered.pop("response"), before.pop("response")
    assert answered == before and before_response == {"claimsOverrideDetails": None}
    assert answered_response["claimsOverrideDetails"]["claimsToAddOrOverride"] == {"paylox:mfa": "totp"}
