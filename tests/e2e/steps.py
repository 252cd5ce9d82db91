"""The steps end-to-end tests share, taken over real HTTP against the dev stack as a client (or,
for webhooks, Jetcheckout) takes them. ``stack`` is the ``DevStack`` of ``conftest.py``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import requests

from devstack.state import STATE_DIR_ENV
from devstack.template import ROOT
from paylox import clock
from paylox.otp.captcha import DEV_CAPTCHA_TOKEN
from paylox.webhooks.signature import sign
from tests.sms import code_in, sms_to

WEBHOOK_SECRET = "e2e-webhook-secret"  # JETCHECKOUT_WEBHOOK_SECRET the e2e fixture gives the dev stack

Stack = Any  # tests.e2e.conftest.DevStack; not imported, so that conftest may import these steps


# ------------------------------------------------------------------------------------ the command line
def paylox(*args: str, state_dir: Path) -> subprocess.CompletedProcess[str]:
    """``paylox ...`` as a developer runs it, against the dev stack whose state is ``state_dir``."""
    return subprocess.run(  # noqa: S603 - our own command line, fixed arguments
        [sys.executable, "-m", "devstack.cli", *args],
        cwd=ROOT,
        env={**os.environ, STATE_DIR_ENV: str(state_dir)},
        capture_output=True,
        text=True,
        timeout=120,
    )


# ------------------------------------------------------------------------------------ users and outbox
def new_user(role: str) -> str:
    """A user id nobody in this run has used: the dev stack lives for the whole session."""
    return f"e2e-{role}-{uuid.uuid4().hex[:8]}"


def registered_user(stack: Stack, role: str, **claims: Any) -> str:
    """A fresh user who has signed up (``email``, ``phone``, ``locale`` as ``claims``) and not yet
    called the API, e.g. a seller a buyer names."""
    user = new_user(role)
    stack.register(user, **claims)
    return user


def emails(stack: Stack, to: str, subject: str) -> list[dict[str, Any]]:
    """The emails to ``to`` with ``subject`` in the dev outbox so far."""
    return [m for m in stack.outbox() if m["channel"] == "email" and m["to"] == to and m["subject"] == subject]


# ------------------------------------------------------------------------------------ OTP
def send_code(
    stack: Stack, token: str, phone: str | None, purpose: str = "PHONE_VERIFICATION", **extra: Any
) -> requests.Response:
    """Ask for a code to ``phone`` (``None``: the account's verified phone; ``extra``: ``transaction_id``...)."""
    body = {**({"phone": phone} if phone else {}), "purpose": purpose, **extra}
    response: requests.Response = stack.request("POST", "/api/otp/send", token=token, json=body)
    return response


def verify_code(
    stack: Stack, token: str, phone: str | None, code: str, purpose: str = "PHONE_VERIFICATION", **extra: Any
) -> requests.Response:
    """Type ``code`` (``extra``: ``transaction_id``, ``new_code``)."""
    body = {**({"phone": phone} if phone else {}), "purpose": purpose, "code": code, **extra}
    response: requests.Response = stack.request("POST", "/api/otp/verify", token=token, json=body)
    return response


def last_code(stack: Stack, phone: str) -> str:
    """The code in the latest SMS to ``phone``, waiting for it to arrive."""
    messages = stack.wait_for(lambda: sms_to(stack.outbox(), phone))
    return code_in(messages[-1]["body"])


def wait_out_cooldown(stack: Stack) -> None:
    """Move the stack's clock past the one-SMS-per-minute cooldown of a number."""
    stack.advance_clock(61)


def verify_phone(stack: Stack, token: str, phone: str) -> None:
    """The user proves ``phone`` by SMS (``PHONE_VERIFICATION``): their verified phone from now on.
    A number not on the account needs a captcha: the app shows one when asked (the dev stack's
    documented token stands for a solved one)."""
    sent = send_code(stack, token, phone)
    if sent.status_code == 428 and sent.json()["code"] == "CAPTCHA_REQUIRED":
        sent = send_code(stack, token, phone, captcha_token=DEV_CAPTCHA_TOKEN)
    assert sent.status_code == 202, sent.text
    verified = verify_code(stack, token, phone, last_code(stack, phone))
    assert verified.status_code == 200, verified.text
    wait_out_cooldown(stack)


def confirmation_token(stack: Stack, token: str, txn_id: str, phone: str) -> str:
    """What the buyer's app does before releasing ``txn_id``: a code to the account's verified
    ``phone`` (verified first if it is not yet), bound to the transaction and amount, verified."""
    sent = send_code(stack, token, None, "TRANSACTION_CONFIRMATION", transaction_id=txn_id)
    if sent.status_code == 409 and sent.json()["code"] == "PHONE_NOT_VERIFIED":
        verify_phone(stack, token, phone)
        sent = send_code(stack, token, None, "TRANSACTION_CONFIRMATION", transaction_id=txn_id)
    assert sent.status_code == 202, sent.text
    code = last_code(stack, phone)
    verified = verify_code(stack, token, None, code, "TRANSACTION_CONFIRMATION", transaction_id=txn_id)
    assert verified.status_code == 200, verified.text
    wait_out_cooldown(stack)
    return str(verified.json()["verification_token"])


# ------------------------------------------------------------------------------------ payment provider
def stack_now(stack: Stack) -> int:
    """The dev stack's clock (which tests move forward), as a Unix timestamp."""
    response = stack.request("GET", "/_dev/clock")
    assert response.status_code == 200, response.text
    return int(clock.parse_iso(response.json()["now"]).timestamp())


def payment_event(event_type: str, txn: dict[str, Any], **data: Any) -> dict[str, Any]:
    """A Jetcheckout event about ``txn`` (its full amount unless ``data`` says otherwise)."""
    return {
        "id": f"evt_{uuid.uuid4().hex}",
        "type": event_type,
        "created": 0,
        "data": {
            "transaction_id": txn["id"],
            "payment_id": "pay_e2e",
            "amount": txn["amount"],
            "currency": "TRY",
            **data,
        },
    }


def webhook(stack: Stack, route: str, event: dict[str, Any], *, secret: str = WEBHOOK_SECRET) -> requests.Response:
    """Play Jetcheckout: ``event`` signed with ``secret`` at the stack's clock, posted from loopback
    (the dev allowlist)."""
    body = json.dumps(event, separators=(",", ":")).encode("utf-8")
    signature = sign(body, [secret], stack_now(stack))
    response: requests.Response = stack.request(
        "POST",
        f"/api/payment/webhook/{route}",
        data=body,
        headers={"Content-Type": "application/json", "X-Jetcheckout-Signature": signature},
    )
    return response


# ------------------------------------------------------------------------------------ transactions
def new_transaction(
    stack: Stack, buyer_token: str, seller: str, amount: int = 150_000, description: str = "Fotoğraf makinesi"
) -> dict[str, Any]:
    """The buyer opens a transaction with ``seller``: CREATED."""
    created = stack.request(
        "POST",
        "/api/transaction/create",
        token=buyer_token,
        json={"seller_id": seller, "amount": amount, "currency": "TRY", "description": description},
    )
    assert created.status_code == 201, created.text
    return dict(created.json())


def paying_transaction(stack: Stack, buyer_token: str, seller: str, amount: int = 150_000) -> dict[str, Any]:
    """A transaction the buyer has started paying: PAYMENT_PENDING."""
    txn = new_transaction(stack, buyer_token, seller, amount)
    paid = stack.request("POST", f"/api/transaction/{txn['id']}/pay", token=buyer_token)
    assert paid.status_code == 200, paid.text
    assert paid.json()["transaction"]["status"] == "PAYMENT_PENDING"
    return dict(paid.json()["transaction"])


def gateway_pay(stack: Stack, txn_id: str, outcome: str = "succeeded", **extra: Any) -> dict[str, Any]:
    """The buyer finishes (or fails) the latest attempt on the sandbox gateway's page; the sandbox
    records it and sends its signed webhook (``POST /_dev/gateway/pay``)."""
    paid = stack.request("POST", "/_dev/gateway/pay", json={"transaction_id": txn_id, "outcome": outcome, **extra})
    assert paid.status_code == 200, paid.text
    return dict(paid.json())


def status_of(stack: Stack, txn_id: str, token: str) -> str:
    got = stack.request("GET", f"/api/transaction/{txn_id}", token=token)
    assert got.status_code == 200, got.text
    return str(got.json()["status"])


def funded_transaction(stack: Stack, buyer_token: str, seller: str, amount: int = 150_000) -> dict[str, Any]:
    """A transaction whose money is in escrow: the buyer paid on the sandbox gateway's page, its
    webhook told the stack, and its status query confirmed it (FUNDED)."""
    txn = paying_transaction(stack, buyer_token, seller, amount)
    paid = gateway_pay(stack, txn["id"])
    assert paid["delivered"] is True, paid
    stack.wait_for(lambda: status_of(stack, txn["id"], buyer_token) == "FUNDED")
    return txn
