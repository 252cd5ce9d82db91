"""What each function's bench event refers to, seeded in moto so that its first event does the work
a real first request does (``python -m bench``; the measured child only reads the event).

A fixture in ``events/`` names users (``user-buyer-1``...), transactions, disputes and documents
that do not exist in a fresh moto: measured as they are, most HTTP functions would answer 403 or
404 before their route runs, and the bench would time refusals. So, in the parent process and
outside the child's clock:

* :func:`seed` once: the fixture identities (buyer, seller, an admin, a support agent) register
  through ``UserRegisteredFunction`` (as Cognito's PostConfirmation trigger does), the buyer, the
  seller and the admin verify their phones by SMS code, and the secrets and the Cognito user the
  functions read are put in moto.
* :func:`prepare` before every run of a function, cold or restored: what that run consumes is
  made afresh rather than put back (a ``ship`` gets a newly funded transaction, a ``confirm`` a
  newly shipped one and a new release code, an OTP verify a new code, a suspension a new user...),
  counters that would make a repeat answer differently (OTP limits and quotas, idempotency records)
  are cleared, and the event is the fixture with what only now exists written in: the ids made,
  the code sent, a token signed in now (staff with their groups and TOTP).

Everything is made through the handlers themselves, as the integration steps do; where no handler
makes it, through the domain's store (a message Twilio reports on) or with the gateway or scanner
answering as in AWS (a refund whose answer was lost, a GuardDuty verdict still to come). Scheduled
jobs get something due, made with this process's clock moved back. Each function's expected
outcome is in :data:`EXPECTED` (HTTP functions 200 unless listed, others "ok"): the bench fails a
function whose first event answers anything else.
"""

from __future__ import annotations

import base64
import copy
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from itertools import count
from types import ModuleType
from typing import Any
from urllib.parse import parse_qsl

from devstack.template import ROOT

BUYER, SELLER, ADMIN, AGENT = "user-buyer-1", "user-seller-1", "user-admin-1", "user-agent-1"
STAFF = {ADMIN: "[admin]", AGENT: "[support]"}  # their Cognito groups, as the token carries them
PHONES = {BUYER: "+905551112233", SELLER: "+905559998877", ADMIN: "+905557770011", AGENT: "+905557770022"}
WEBHOOK_SECRET = "bench-webhook-secret"  # noqa: S105 - the bench's own provider secret, in moto's SSM
TWILIO_TOKEN = "bench-twilio-auth-token"  # noqa: S105 - likewise
PROVIDER_IP = "127.0.0.1"  # the template's default webhook allowlist is loopback
Event = dict[str, Any]
Prepare = Callable[[Event], Event]

#: The outcome each function's bench event must have when it does its real work: HTTP status, or
#: "ok" for a function that returns without raising. HTTP functions not listed: 200.
EXPECTED: dict[str, int | str] = {
    "TransactionCreateFunction": 201,
    "OtpSendFunction": 202,
    "OtpResendFunction": 202,
    "OtpTwilioDeliveryFunction": 204,
    "DisputeCreateFunction": 201,
    "DocumentUploadFunction": 201,
    "DocumentShareCreateFunction": 201,
    "DocumentShareRevokeFunction": 204,
    "DocumentDeleteFunction": 204,
    "DisputeEvidenceFunction": 201,
    "DisputeMessageFunction": 201,
    "AdminTransactionsExportFunction": 202,
    "DocumentShareAccessFunction": 302,
    "PaymentReturnGetFunction": 303,
    "PaymentReturnPostFunction": 303,
}


def expected(function: str, kind: str) -> int | str:
    """What ``function``'s bench event must answer (see :data:`EXPECTED`)."""
    return EXPECTED.get(function, "ok" if kind == "other" else 200)


# ---------------------------------------------------------------------------------------- helpers
_serial = count(1)


def fixture(name: str) -> Event:
    """A fresh copy of ``events/<name>``."""
    return dict(json.loads((ROOT / "events" / name).read_text(encoding="utf-8")))


def _context(name: str) -> Any:
    from devstack.lambda_context import LambdaContext

    return LambdaContext(function_name=name)


def call(module: ModuleType, event: Event, expect: int | None = None) -> Any:
    """``module``'s handler on ``event`` in this process; its JSON body (``expect``: the status it
    must answer, or the seeding is broken and the bench stops saying where)."""
    response = module.handler(event, _context(module.__name__))
    status, body = response.get("statusCode"), response.get("body") or ""
    if expect is not None and status != expect:
        raise RuntimeError(f"seeding: {module.__name__} answered {status}, expected {expect}: {body}")
    return json.loads(body) if body.startswith(("{", "[")) else body


def signed_in(event: Event, sub: str, **changes: Any) -> Event:
    """``event`` as sent by ``sub`` with a token issued now: routes that move money want a sign-in
    (``auth_time``) under 15 minutes old, and the fixtures' tokens are from the day they were written.
    ``changes``: ``path`` (parameters, rawPath follows), ``body`` (JSON), ``headers``."""
    from paylox import clock
    from paylox.auth import MFA_CLAIM, MFA_TOTP

    event = copy.deepcopy(event)
    claims = event["requestContext"]["authorizer"]["jwt"]["claims"]
    now = clock.timestamp()
    claims.update(sub=sub, auth_time=str(now), iat=str(now), exp=str(now + 3600))
    claims.pop("cognito:groups", None)
    if sub in STAFF:  # staff sign in with TOTP, which the pool's pre-token trigger writes in the token
        claims.update({"cognito:groups": STAFF[sub], MFA_CLAIM: MFA_TOTP})
    return with_request(event, **changes)


def with_request(event: Event, **changes: Any) -> Event:
    """``event`` with new ``path`` parameters, ``body`` or extra ``headers``."""
    if "path" in changes:
        event["pathParameters"] = changes["path"]
        raw_path = event["requestContext"]["routeKey"].split(" ", 1)[1]
        for key, value in changes["path"].items():
            raw_path = raw_path.replace("{" + key + "}", value)
        event["rawPath"] = event["requestContext"]["http"]["path"] = raw_path
    if "body" in changes:
        body = changes["body"]
        event["body"] = body if isinstance(body, str) else json.dumps(body)
        event["isBase64Encoded"] = False
    event["headers"].update(changes.get("headers", {}))
    return event


def clear_counters() -> None:
    """Forget OTP limits, quotas and idempotency records: each run is a first request, and the
    seeding itself (many transactions, codes to one phone) would otherwise hit the hourly caps."""
    from paylox.aws import client

    dynamodb = client("dynamodb")
    for variable in ("OTP_LIMITS_TABLE", "IDEMPOTENCY_TABLE"):
        table = os.environ[variable]
        keys = [key["AttributeName"] for key in dynamodb.describe_table(TableName=table)["Table"]["KeySchema"]]
        for page in dynamodb.get_paginator("scan").paginate(TableName=table, ProjectionExpression=",".join(keys)):
            for item in page["Items"]:
                dynamodb.delete_item(TableName=table, Key=item)


# ------------------------------------------------------------------------------------------ users
def register(user_id: str) -> None:
    """``user_id`` confirms their sign-up: Cognito's PostConfirmation event through the function."""
    from devstack.registration import post_confirmation_event
    from functions.users import registered

    event = post_confirmation_event(user_id, email=f"{user_id}@example.com", phone=PHONES[user_id], locale="tr")
    registered.handler(event, _context("UserRegisteredFunction"))


def last_code(phone: str) -> str:
    """The code in the latest SMS to ``phone`` (the console provider's outbox in this process)."""
    from paylox import dev_outbox

    [*_, last] = [m for m in dev_outbox.read_all() if m["channel"] == "sms" and m["to"] == phone]
    return str(last["body"]).split()[-1].strip(".")[-6:]


def otp_body(sub: str, purpose: str, **binding: Any) -> dict[str, Any]:
    return {"phone": PHONES[sub], "purpose": purpose, **binding}


def sent_code(sub: str, purpose: str, **binding: Any) -> str:
    """``sub`` asks for a code (``binding``: transaction, action) and reads it off their phone."""
    from functions.otp import send

    clear_counters()  # the phone's resend cooldown
    call(send, signed_in(fixture("otp/send.json"), sub, body=otp_body(sub, purpose, **binding)), 202)
    return last_code(PHONES[sub])


def otp_token(sub: str, purpose: str, **binding: Any) -> str:
    """The verification token of a code ``sub`` asked for and typed: what a money move wants."""
    from functions.otp import verify

    code = sent_code(sub, purpose, **binding)
    body = {**otp_body(sub, purpose, **binding), "code": code}
    return str(call(verify, signed_in(fixture("otp/verify.json"), sub, body=body), 200)["verification_token"])


def seed_users() -> None:
    """The fixture identities: registered; the buyer's, the seller's and the admin's phones verified
    by code (money moves are confirmed by a code to a verified phone)."""
    for user_id in list(PHONES):
        register(user_id)
    for user_id in (BUYER, SELLER, ADMIN):
        otp_token(user_id, "PHONE_VERIFICATION")


def seed_secrets() -> None:
    """What the functions read from SSM (the template names the parameters; dev keeps no values)."""
    from paylox.aws import client

    ssm = client("ssm")
    for variable, value in (
        ("JETCHECKOUT_WEBHOOK_SECRET_PARAMETER", WEBHOOK_SECRET),
        ("TWILIO_AUTH_TOKEN_PARAMETER", TWILIO_TOKEN),
    ):
        ssm.put_parameter(Name=os.environ[variable], Value=value, Type="SecureString", Overwrite=True)
    # Versioned as the template declares it (the dev provisioning leaves it out): processing reads
    # the exact version S3's notification names.
    versioning = {"Status": "Enabled"}
    client("s3").put_bucket_versioning(Bucket=os.environ["DOCUMENTS_BUCKET"], VersioningConfiguration=versioning)


# ----------------------------------------------------------------------------------- transactions
def created(buyer: str = BUYER) -> str:
    """A new transaction of ``buyer`` with the seller: CREATED."""
    from functions.transactions import create

    body = {"seller_id": SELLER, "amount": 150_000, "currency": "TRY", "description": "Kamera"}
    return str(call(create, signed_in(fixture("transactions/create.json"), buyer, body=body), 201)["id"])


def pending() -> str:
    """A transaction the buyer started paying: PAYMENT_PENDING (the sandbox knows the attempt)."""
    from functions.transactions import pay

    txn_id = created()
    call(pay, signed_in(fixture("transactions/pay.json"), BUYER, path={"id": txn_id}), 200)
    return txn_id


def webhook(kind: str, txn_id: str, payment_id: str) -> Event:
    """The gateway's correctly signed ``payment.<kind>`` delivery about ``txn_id``, as sent now."""
    from paylox import clock
    from paylox.webhooks.signature import sign

    route = {"succeeded": "success", "failed": "failure", "refunded": "refund"}[kind]
    delivery = {"id": f"evt_bench_{next(_serial)}", "type": f"payment.{kind}", "created": clock.timestamp()}
    delivery["data"] = {"transaction_id": txn_id, "payment_id": payment_id, "amount": 150_000, "currency": "TRY"}
    raw = json.dumps(delivery, separators=(",", ":"))
    event = with_request(fixture(f"webhooks/{route}.json"), body=raw)
    event["headers"]["x-jetcheckout-signature"] = sign(raw.encode(), [WEBHOOK_SECRET], clock.timestamp())
    event["requestContext"]["http"]["sourceIp"] = PROVIDER_IP
    return event


def paid_at_gateway(outcome: str = "succeeded") -> tuple[str, str]:
    """A pending transaction the buyer paid (or failed to) on the sandbox's page; no webhook yet."""
    from paylox.payments import sandbox

    txn_id, payment_id = pending(), f"pay_bench_{next(_serial)}"
    sandbox.pay(txn_id, outcome, gateway_transaction_id=payment_id)  # type: ignore[arg-type]
    return txn_id, payment_id


def hint() -> Event:
    """PaymentConfirmFunction's event: the hint a webhook stored about a paid transaction."""
    from functions.webhooks import success

    txn_id, payment_id = paid_at_gateway()
    delivery = call(success, webhook("succeeded", txn_id, payment_id), 200)
    event = fixture("webhooks/confirm_hint.json")
    event["detail"].update(delivery_id=str(delivery["delivery_id"]), transaction_id=txn_id)
    return event


def funded() -> str:
    """A transaction whose money is in escrow: paid, the webhook's hint confirmed: FUNDED."""
    from functions.webhooks import confirm_hint

    event = hint()
    outcome = confirm_hint.handler(event, _context("PaymentConfirmFunction"))
    if outcome.get("outcome") != "CONFIRMED":
        raise RuntimeError(f"seeding: the payment of {event['detail']['transaction_id']} was not confirmed: {outcome}")
    return str(event["detail"]["transaction_id"])


def shipped() -> str:
    """A funded transaction the seller shipped: SHIPPED."""
    from functions.transactions import ship

    txn_id = funded()
    call(ship, signed_in(fixture("transactions/ship.json"), SELLER, path={"id": txn_id}), 200)
    return txn_id


def _confirm(event: Event) -> Event:
    txn_id = shipped()
    token = otp_token(BUYER, "TRANSACTION_CONFIRMATION", transaction_id=txn_id)
    return signed_in(event, BUYER, path={"id": txn_id}, headers={"x-otp-token": token})


def _return(event: Event) -> Event:
    """The buyer's browser back from the gateway's page after paying (the gateway's form and query
    name the order of the fixture's transaction: of this one now)."""
    txn_id, _ = paid_at_gateway()
    named = fixture("webhooks/payment_return_get.json")["pathParameters"]["transaction_id"]
    event = json.loads(json.dumps(event).replace(named, txn_id))
    return with_request(event, path={"transaction_id": txn_id})


TRANSACTIONS: dict[str, Prepare] = {
    "TransactionCreateFunction": lambda event: signed_in(event, BUYER),
    "TransactionGetFunction": lambda event: signed_in(event, BUYER, path={"id": created()}),
    "TransactionListFunction": lambda event: signed_in(event, BUYER),
    "TransactionPayFunction": lambda event: signed_in(event, BUYER, path={"id": created()}),
    "TransactionShipFunction": lambda event: signed_in(event, SELLER, path={"id": funded()}),
    "TransactionConfirmFunction": _confirm,
    "TransactionCancelFunction": lambda event: signed_in(event, BUYER, path={"id": created()}),
    "PaymentWebhookSuccessFunction": lambda _: webhook("succeeded", *paid_at_gateway()),
    "PaymentWebhookFailureFunction": lambda _: webhook("failed", *paid_at_gateway("failed")),
    # The refund's webhook is a hint like the others: stored, confirmed later by the gateway's status.
    "PaymentWebhookRefundFunction": lambda _: webhook("refunded", funded(), "pay_refunded"),
    "PaymentConfirmFunction": lambda _: hint(),
    "PaymentReturnGetFunction": _return,
    "PaymentReturnPostFunction": _return,
}


# ------------------------------------------------------------------------------------------- OTP
def _resend(event: Event) -> Event:
    sent_code(BUYER, "PHONE_VERIFICATION")
    clear_counters()  # the cooldown a resend waits out
    return signed_in(event, BUYER)


def _verify(event: Event) -> Event:
    body = {**otp_body(BUYER, "PHONE_VERIFICATION"), "code": sent_code(BUYER, "PHONE_VERIFICATION")}
    return signed_in(event, BUYER, body=body)


def _twilio_delivery(event: Event) -> Event:
    """Twilio reports a message it accepted from us as delivered, signed with the auth token."""
    from paylox import clock
    from paylox.otp import store

    form = base64.b64decode(event["body"]).decode()
    sid = f"SM{next(_serial):032d}"  # a message of this run's own
    form = form.replace(dict(parse_qsl(form))["MessageSid"], sid)
    now = clock.now_iso()
    message = store.new_message(
        "twilio", sid, phone=PHONES[BUYER], user_id=BUYER, purpose="PHONE_VERIFICATION", status="sent", at=now, ttl=0
    )
    message.save()
    url = f"https://{event['requestContext']['domainName']}{event['rawPath']}"
    event = with_request(event, body=form)
    event["headers"]["x-twilio-signature"] = twilio_signature(url, dict(parse_qsl(form)))
    return event


def twilio_signature(url: str, form: dict[str, str]) -> str:
    """Twilio's X-Twilio-Signature of the callback, computed with the token seeded in SSM."""
    from twilio.request_validator import RequestValidator

    return str(RequestValidator(TWILIO_TOKEN).compute_signature(url, form))


OTP: dict[str, Prepare] = {
    "OtpSendFunction": lambda event: signed_in(event, BUYER),  # prepare() clears the cooldown
    "OtpResendFunction": _resend,
    "OtpVerifyFunction": _verify,
    "OtpStatusFunction": lambda event: signed_in(event, BUYER),
    "OtpTwilioDeliveryFunction": _twilio_delivery,
}


# -------------------------------------------------------------------------------------- documents
PDF = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
)


def upload_started(purpose: str = "KYC") -> str:
    """The buyer asked for an upload form and their browser posted the file: the object is in the
    upload prefix and S3's notification not yet handled (AWAITING_UPLOAD)."""
    from functions.documents import upload
    from paylox.aws import client

    body = {"filename": "kimlik.pdf", "content_type": "application/pdf", "size": len(PDF), "purpose": purpose}
    started = call(upload, signed_in(fixture("documents/upload.json"), BUYER, body=body), 201)
    form = started["upload"]
    client("s3").put_object(Bucket=os.environ["DOCUMENTS_BUCKET"], Key=form["fields"]["key"], Body=PDF)
    return str(started["id"])


def s3_notification(document_id: str) -> Event:
    """S3's ObjectCreated event for the upload (DocumentProcessFunction's event)."""
    from paylox.aws import client

    key = f"uploads/{document_id}"
    head = client("s3").head_object(Bucket=os.environ["DOCUMENTS_BUCKET"], Key=key)
    event = fixture("documents/process.json")
    record = event["Records"][0]
    record["s3"]["bucket"]["name"] = os.environ["DOCUMENTS_BUCKET"]
    record["s3"]["object"].update(key=key, size=len(PDF), eTag=head["ETag"].strip('"'))
    record["s3"]["object"]["versionId"] = head.get("VersionId") or record["s3"]["object"].pop("versionId")
    return event


def available(purpose: str = "KYC") -> str:
    """A document of the buyer's, uploaded, checked and scanned clean (the dev scanner): AVAILABLE."""
    from functions.documents import process

    document_id = upload_started(purpose)
    process.handler(s3_notification(document_id), _context("DocumentProcessFunction"))
    return document_id


def shared() -> tuple[str, str, str]:
    """A share link of an available document: (document id, share id, token)."""
    from functions.documents import share_create

    document_id = available()
    event = signed_in(fixture("documents/share_create.json"), BUYER, path={"id": document_id})
    link = call(share_create, event, 201)
    return document_id, str(link["id"]), str(link["token"])


def _upload(event: Event) -> Event:
    body = {**json.loads(event["body"]), "transaction_id": created()}
    return signed_in(event, BUYER, body=body)


def _share_revoke(event: Event) -> Event:
    document_id, share_id, _ = shared()
    return signed_in(event, BUYER, path={"id": document_id, "share_id": share_id})


def _document_verify(event: Event) -> Event:
    body = {**json.loads(event["body"]), "document_id": available()}
    return signed_in(event, ADMIN, body=body)


DOCUMENTS: dict[str, Prepare] = {
    "DocumentUploadFunction": _upload,
    "DocumentGetFunction": lambda event: signed_in(event, BUYER, path={"id": available()}),
    "DocumentDeleteFunction": lambda event: signed_in(event, BUYER, path={"id": available()}),
    "DocumentVerifyFunction": _document_verify,
    "DocumentAuditFunction": lambda event: signed_in(event, BUYER, path={"id": available()}),
    "DocumentShareCreateFunction": lambda event: signed_in(event, BUYER, path={"id": available()}),
    "DocumentShareRevokeFunction": _share_revoke,
    "DocumentShareAccessFunction": lambda event: with_request(event, path={"token": shared()[2]}),
    "DocumentProcessFunction": lambda _: s3_notification(upload_started()),
}


# --------------------------------------------------------------------------------------- disputes
def opened() -> str:
    """A dispute the buyer opened on a funded transaction, with a photo as evidence: OPEN."""
    from functions.disputes import create

    body = {**json.loads(fixture("disputes/create.json")["body"]), "transaction_id": funded()}
    body["evidence_document_ids"] = [available("DISPUTE_EVIDENCE")]
    return str(call(create, signed_in(fixture("disputes/create.json"), BUYER, body=body), 201)["id"])


def under_review() -> str:
    """An open dispute the admin took: UNDER_REVIEW."""
    from functions.disputes import assign

    dispute_id = opened()
    call(assign, signed_in(fixture("disputes/assign.json"), ADMIN, path={"id": dispute_id}), 200)
    return dispute_id


def _dispute_create(event: Event) -> Event:
    body = {**json.loads(event["body"]), "transaction_id": funded()}
    body["evidence_document_ids"] = [available("DISPUTE_EVIDENCE")]
    return signed_in(event, BUYER, body=body)


def _evidence(event: Event) -> Event:
    body = {**json.loads(event["body"]), "document_id": available("DISPUTE_EVIDENCE")}
    return signed_in(event, BUYER, path={"id": opened()}, body=body)


DISPUTES: dict[str, Prepare] = {
    "DisputeCreateFunction": _dispute_create,
    "DisputeGetFunction": lambda event: signed_in(event, BUYER, path={"id": opened()}),
    "DisputeEvidenceFunction": _evidence,
    "DisputeMessageFunction": lambda event: signed_in(event, BUYER, path={"id": opened()}),
    "DisputeAssignFunction": lambda event: signed_in(event, ADMIN, path={"id": opened()}),
    "DisputeRequestInfoFunction": lambda event: signed_in(event, ADMIN, path={"id": under_review()}),
    "DisputeResolveFunction": lambda event: signed_in(event, ADMIN, path={"id": under_review()}),
    "AdminDisputesListFunction": lambda event: signed_in(event, ADMIN),
}


# ------------------------------------------------------------------------------------ back office
def new_user() -> str:
    """A user registered just now, for an admin action that changes them (suspend, phone...)."""
    user_id = f"bench-user-{next(_serial)}"
    PHONES[user_id] = f"+9055540{len(PHONES):05d}"  # a number of their own, like every user here
    register(user_id)
    return user_id


def _unsuspend(event: Event) -> Event:
    from functions.admin import users_suspend

    user_id = new_user()
    call(users_suspend, signed_in(fixture("admin/users_suspend.json"), ADMIN, path={"id": user_id}), 200)
    return signed_in(event, ADMIN, path={"id": user_id})


def unused_phone() -> str:
    """A number no bench user has: blocking a user's would refuse their codes in later runs."""
    return f"+9055530{next(_serial):05d}"


def _blocked_phone() -> str:
    """A number the admin blocked just now."""
    from functions.admin import otp_blocklist_put

    phone = unused_phone()
    call(otp_blocklist_put, signed_in(fixture("admin/otp_blocklist_put.json"), ADMIN, path={"phone": phone}), 200)
    return phone


def export_requested() -> str:
    """A CSV export of transactions the admin asked for (PENDING; the worker not run yet)."""
    from functions.admin import transactions_export

    return str(call(transactions_export, signed_in(fixture("admin/transactions_export.json"), ADMIN), 202)["export_id"])


def _export_worker(event: Event) -> Event:
    event["detail"].update(export_id=export_requested(), requested_by=ADMIN)
    return event


def _mark_funded(event: Event) -> Event:
    """The gateway took the payment but its webhook was lost: the admin marks it funded."""
    txn_id, _ = paid_at_gateway()
    event = signed_in(event, ADMIN, path={"id": txn_id})
    event["headers"].pop("x-otp-token", None)  # MARK_FUNDED moves no money out: no code asked
    return event


def _refund_held(event: Event) -> Event:
    """A funded transaction whose admin refund reached the gateway, which made it, and whose answer
    was lost (the refund held in doubt, as tests/integration/test_admin_refund_holds.py makes it):
    the admin clears the hold with their code."""
    from unittest import mock

    from functions.admin import transactions_override
    from paylox.payments import ledger, sandbox
    from paylox.payments.base import RefundRequest, RefundResult
    from paylox.payments.errors import PaymentProviderUnavailable

    def lost_answer(self: Any, request: RefundRequest) -> RefundResult:
        ledger.DynamoRefundLedger().claim(request, "refund")
        sandbox.record_refund(request.order_id, request.amount, "refund", refund_id=request.intent_id)
        raise PaymentProviderUnavailable()

    txn_id = funded()
    binding = {"transaction_id": txn_id, "action": "REFUND"}
    refund = signed_in(fixture("admin/transactions_override.json"), ADMIN, path={"id": txn_id})
    refund = with_request(refund, body={"action": "REFUND", "reason": "Buyer returned the item (ticket 4714)"})
    refund["headers"]["x-otp-token"] = otp_token(ADMIN, "ADMIN_OVERRIDE", **binding)
    with mock.patch.object(sandbox.SandboxGateway, "refund", lost_answer):
        call(transactions_override, refund, 503)
    token = otp_token(ADMIN, "ADMIN_OVERRIDE", **binding)
    return signed_in(event, ADMIN, path={"id": txn_id}, headers={"x-otp-token": token})


ADMIN_ROUTES: dict[str, Prepare] = {
    "AdminOtpBlocklistListFunction": lambda event: signed_in(event, ADMIN),
    "AdminOtpBlocklistPutFunction": lambda event: signed_in(event, ADMIN, path={"phone": unused_phone()}),
    "AdminOtpBlocklistDeleteFunction": lambda event: signed_in(event, ADMIN, path={"phone": _blocked_phone()}),
    "AdminUsersPhoneFunction": lambda event: signed_in(event, ADMIN, path={"id": new_user()}),
    "AdminUsersListFunction": lambda event: signed_in(event, AGENT),
    "AdminUsersGetFunction": lambda event: signed_in(event, AGENT, path={"id": BUYER}),
    "AdminUsersTransactionsFunction": lambda event: signed_in(event, AGENT, path={"id": BUYER}),
    "AdminUsersVerifyFunction": lambda event: signed_in(event, ADMIN, path={"id": new_user()}),
    "AdminUsersSuspendFunction": lambda event: signed_in(event, ADMIN, path={"id": new_user()}),
    "AdminUsersUnsuspendFunction": _unsuspend,
    "AdminAuditListFunction": lambda event: signed_in(event, ADMIN),
    "AdminAuditReportFunction": lambda event: signed_in(event, ADMIN),
    "AdminTransactionsListFunction": lambda event: signed_in(event, ADMIN),
    "AdminTransactionsDetailsFunction": lambda event: signed_in(event, ADMIN, path={"id": funded()}),
    "AdminTransactionsOverrideFunction": _mark_funded,
    "AdminTransactionsRefundHoldClearFunction": _refund_held,
    "AdminTransactionsExportFunction": lambda event: signed_in(event, ADMIN),
    "AdminExportsGetFunction": lambda event: signed_in(event, ADMIN, path={"export_id": export_requested()}),
    "AdminExportWorkerFunction": _export_worker,
    "AdminHealthFunction": lambda event: signed_in(event, ADMIN),
    "AdminDashboardStatsFunction": lambda event: signed_in(event, ADMIN),
}


# -------------------------------------------------------------------------- Cognito and AWS events
_pool: dict[str, str] = {}


def seed_user_pool() -> None:
    """The user pool the pre-token trigger asks about, with the fixture's admin on TOTP (its id is
    moto's, so each run's event names it)."""
    from paylox.aws import client

    cognito = client("cognito-idp")
    pool_id = cognito.create_user_pool(PoolName="paylox-bench")["UserPool"]["Id"]
    username = fixture("users/pre_token.json")["userName"]
    cognito.admin_create_user(UserPoolId=pool_id, Username=username)
    # TOTP goes on as an authenticator app turns it on: signed in, a token associated and verified.
    flows = ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    app = cognito.create_user_pool_client(UserPoolId=pool_id, ClientName="bench", ExplicitAuthFlows=flows)
    password = "Bench-Passw0rd!"  # noqa: S105 - a user of moto's pool
    cognito.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=password, Permanent=True)
    signed = cognito.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=app["UserPoolClient"]["ClientId"],
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )
    access = signed["AuthenticationResult"]["AccessToken"]
    cognito.associate_software_token(AccessToken=access)
    cognito.verify_software_token(AccessToken=access, UserCode="123456")
    totp = {"Enabled": True, "PreferredMfa": True}
    cognito.admin_set_user_mfa_preference(UserPoolId=pool_id, Username=username, SoftwareTokenMfaSettings=totp)
    _pool["id"] = pool_id


def _pre_token(event: Event) -> Event:
    event["userPoolId"] = _pool["id"]
    return event


def _signed_up(event: Event) -> Event:
    """Someone new confirms their sign-up (the fixture's user is registered by the first run)."""
    user_id = f"bench-signup-{next(_serial)}"
    event["userName"] = user_id
    event["request"]["userAttributes"].update(sub=user_id, email=f"{user_id}@example.com")
    return event


def _scan_result(event: Event) -> Event:
    """GuardDuty's verdict on an upload processed while the scan was under way (PENDING_SCAN): in
    AWS the scanner is GuardDuty, whose answer comes as this event; the dev scanner answers at once."""
    from unittest import mock

    from functions.documents import process
    from paylox.documents import processing
    from paylox.documents.scanning import GuardDutyScanner

    document_id = upload_started()
    notification = s3_notification(document_id)
    with mock.patch.object(processing, "get_scanner", GuardDutyScanner):
        process.handler(notification, _context("DocumentProcessFunction"))
    details = event["detail"]["s3ObjectDetails"]
    uploaded = notification["Records"][0]["s3"]
    details.update(bucketName=uploaded["bucket"]["name"], objectKey=uploaded["object"]["key"])
    details["versionId"] = uploaded["object"].get("versionId")
    event["detail"]["scanResultDetails"] = {"scanResultStatus": "NO_THREATS_FOUND", "threats": None}
    return event


# ------------------------------------------------------------------------------- scheduled work
@contextmanager
def long_ago(seconds: float) -> Iterator[None]:
    """This process's Paylox clock ``seconds`` back, as the dev stack's clock moves it: what is
    made meanwhile is as old as a scheduled job finds it in production (the child keeps real time)."""
    from paylox import clock

    clock.use(lambda: clock.real_time() - timedelta(seconds=seconds))
    try:
        yield
    finally:
        clock.use(clock.real_time)


def _overdue_dispute(event: Event) -> Event:
    """A dispute nobody resolved within the escalation time: the SLA run escalates it."""
    from paylox.config import get_settings

    with long_ago(get_settings().dispute_escalation_hours * 3600 + 600):
        opened()
    return event


def _stale_payment(event: Event) -> Event:
    """A payment the buyer made at the gateway whose webhook never came: the reconciliation run
    asks the gateway and settles it."""
    from paylox.config import get_settings

    with long_ago(get_settings().payment_reconcile_after_minutes * 60 + 60):
        paid_at_gateway()
    return event


def _abandoned_upload(event: Event) -> Event:
    """An upload form asked for and never used: the cleanup expires the document."""
    from functions.documents import upload

    body = {"filename": "kimlik.pdf", "content_type": "application/pdf", "size": len(PDF), "purpose": "KYC"}
    with long_ago(2 * 3600):
        call(upload, signed_in(fixture("documents/upload.json"), BUYER, body=body), 201)
    return event


AWS_EVENTS: dict[str, Prepare] = {
    "DisputeSlaFunction": _overdue_dispute,
    "PaymentReconcileFunction": _stale_payment,
    "DocumentCleanupFunction": _abandoned_upload,
    "PreTokenFunction": _pre_token,
    "UserRegisteredFunction": _signed_up,
    "DocumentScanResultFunction": _scan_result,
}


PREPARE: dict[str, Prepare] = {**TRANSACTIONS, **OTP, **DOCUMENTS, **DISPUTES, **ADMIN_ROUTES, **AWS_EVENTS}


def seed() -> None:
    """Once, before any run: the identities, their phones and the secrets the functions read."""
    seed_secrets()
    seed_users()
    seed_user_pool()


def prepare(function: str, event: Event) -> Event:
    """``function``'s event for its next run, with what that run consumes made afresh."""
    clear_counters()
    prepared = PREPARE.get(function)
    event = prepared(copy.deepcopy(event)) if prepared else event
    clear_counters()
    return event
