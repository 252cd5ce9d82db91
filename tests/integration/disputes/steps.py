"""The steps dispute tests are written in: disputes opened and acted on through their HTTP
handlers, events carried to the notify function, emails read back from the dev outbox (the dev
stack's console email provider). The steps other domains share (a funded transaction, a user's
profile) are in ``tests/integration/steps.py``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from devstack.lambda_context import LambdaContext
from devstack.stack import dev_stack
from functions.admin import disputes_list as admin_disputes_list
from functions.disputes import assign, create, evidence, get, message, notify, request_info, resolve, sla
from paylox import clock, dev_outbox
from paylox.errors import DomainError, NotFound
from paylox.ids import new_id
from paylox.payments.base import RefundRequest, RefundResult
from paylox.payments.orders import refund_method, transaction_of_order
from tests.apigw import ADMIN, AGENT, BUYER, HttpResult, api_event, invoke, load_event
from tests.integration.bus import EventTap
from tests.integration.steps import funded_transaction

ADMIN_2 = "user-admin-2"
STAFF = {ADMIN: ("admin",), ADMIN_2: ("admin",), AGENT: ("support",)}


# ------------------------------------------------------------------------------------ disputes
def event_as(name: str, by: str, **kwargs: Any) -> dict[str, Any]:
    """The fixture ``name`` sent by ``by``, with their Cognito groups if they are staff and none
    otherwise (the staff endpoints' fixtures are an admin's calls)."""
    event = api_event(name, sub=by, groups=STAFF.get(by, ()), **kwargs)
    if by not in STAFF:
        event["requestContext"]["authorizer"]["jwt"]["claims"].pop("cognito:groups", None)
    return event


def open_dispute(txn_id: str, by: str = BUYER, **body: Any) -> HttpResult:
    payload = {
        "transaction_id": txn_id,
        "reason": "NOT_AS_DESCRIBED",
        "description": "Ürün çizik geldi.",
        **body,
    }
    return invoke(create, event_as("disputes/create.json", by, body=payload))


def opened(txn_id: str | None = None, by: str = BUYER, **body: Any) -> dict[str, Any]:
    result = open_dispute(txn_id or funded_transaction(), by, **body)
    assert result.status == 201, result.raw
    return result.json


def seen_as_staff(user_id: str) -> None:
    """``user_id`` signs in with their staff token and opens the admin's dispute list: from now on
    their profile knows them as staff (Cognito groups exist only in tokens)."""
    event = api_event("admin/disputes_list.json", sub=user_id, groups=STAFF[user_id])
    listed = invoke(admin_disputes_list, event)
    assert listed.status == 200, listed.raw


def get_dispute(dispute_id: str, by: str = BUYER) -> HttpResult:
    return invoke(get, event_as("disputes/get.json", by, path={"id": dispute_id}))


def do(action: str, dispute_id: str, by: str, body: Any = None, headers: dict[str, str] | None = None) -> HttpResult:
    """Call a dispute endpoint (``assign``, ``request_info``, ``message``, ``evidence``, ``resolve``)."""
    module = {
        "assign": assign,
        "request_info": request_info,
        "message": message,
        "evidence": evidence,
        "resolve": resolve,
    }[action]
    event = event_as(f"disputes/{action}.json", by, body=body, path={"id": dispute_id}, headers=headers)
    return invoke(module, event)


def under_review(by: str = ADMIN) -> dict[str, Any]:
    dispute = opened()
    result = do("assign", dispute["id"], by, {})
    assert result.status == 200, result.raw
    return result.json


def awaiting(party: str = "SELLER") -> dict[str, Any]:
    dispute = under_review()
    result = do("request_info", dispute["id"], ADMIN, {"from": party, "message": "Kargo fotoğraflarını ekleyin."})
    assert result.status == 200, result.raw
    return result.json


def run_sla() -> dict[str, int]:
    """The scheduled function, invoked the way EventBridge Scheduler invokes it."""
    result: dict[str, int] = sla.handler(
        load_event("disputes/sla.json"), LambdaContext(function_name="sla", timeout_seconds=120)
    )
    return result


def events_of(view: dict[str, Any]) -> list[str]:
    return [entry["event"] for entry in view["timeline"]]


# ------------------------------------------------------------------------------------ fakes
class DocumentNotAvailable(DomainError):
    code = "DOCUMENT_NOT_AVAILABLE"
    status = 409
    en = "This document cannot be downloaded yet."
    tr = "Bu belge henüz indirilemez."


@dataclass
class FakeDocument:
    id: str
    owner_id: str
    filename: str
    content_type: str
    downloadable: bool = True


@dataclass
class FakeDocuments:
    """The documents domain as disputes see it: owned, downloadable documents by id."""

    documents: dict[str, FakeDocument] = field(default_factory=dict)

    def upload(self, owner_id: str, filename: str = "kargo.jpg", *, downloadable: bool = True) -> str:
        document = FakeDocument(new_id("doc"), owner_id, filename, "image/jpeg", downloadable)
        self.documents[document.id] = document
        return document.id

    def get_downloadable_document(self, owner_id: str, document_id: str) -> FakeDocument:
        document = self.documents.get(document_id)
        if document is None or document.owner_id != owner_id:
            raise NotFound("document")
        if not document.downloadable:
            raise DocumentNotAvailable()
        return document


@dataclass
class FakeGateway:
    """The payment gateway's refund call, recorded. Like the provider, it answers a repeated
    refund intent with the refund it already made. ``failures`` refunds fail before one succeeds;
    ``lost_answers`` refunds are made but their answer never arrives (a timeout)."""

    failures: int = 0
    lost_answers: int = 0
    refunds: list[dict[str, Any]] = field(default_factory=list)
    keys: list[str | None] = field(default_factory=list)  # the refund intent id of every call
    made: dict[str, RefundResult] = field(default_factory=dict)  # by refund intent id

    def refund(self, request: RefundRequest) -> RefundResult:
        self.keys.append(request.intent_id)
        if self.failures:
            self.failures -= 1
            raise ConnectionError("gateway unavailable")
        if request.intent_id in self.made:
            return self.made[request.intent_id]
        order = transaction_of_order(request.order_id)
        self.refunds.append({"transaction_id": order[0] if order else request.order_id, "amount": request.amount})
        result = RefundResult(request.intent_id, "succeeded", refund_method(request, clock.now()), request.amount)
        self.made[request.intent_id] = result
        if self.lost_answers:
            self.lost_answers -= 1
            raise TimeoutError("the answer was lost")
        return result

    def last_refund_id(self) -> str:
        return list(self.made.values())[-1].refund_id

    def create_session(self, **_: Any) -> Any:  # not used by disputes
        raise NotImplementedError


# ------------------------------------------------------------------------------------ bus and mail
class DisputeEvents(EventTap):
    """The bus as the notify function sees it: a queue subscribed with the template's own rule."""

    def __init__(self) -> None:
        pattern = dev_stack().functions["DisputeNotifyFunction"].events["DisputeEvents"]["Properties"]["Pattern"]
        super().__init__(pattern=pattern, name="dispute-events-under-test")

    def types(self) -> list[str]:
        return [event["detail-type"] for event in self.drain()]

    def deliver(self) -> list[dict[str, Any]]:
        """Hand every pending event to the notify function, as the EventBridge rule does."""
        events = self.drain()
        for event in events:
            notify.handler(event, LambdaContext(function_name="notify"))
        return events


def sent_emails() -> list[dict[str, Any]]:
    """Every email sent, as (to, subject, body), in send order."""
    return [
        {"to": sent["to"], "subject": sent["subject"], "body": sent["body"]}
        for sent in dev_outbox.read_all()
        if sent["channel"] == "email"
    ]


def emails_to(address: str) -> list[dict[str, Any]]:
    return [email for email in sent_emails() if email["to"] == address]
