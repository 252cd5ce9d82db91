"""A dispute from complaint to resolution, as the parties, the staff and the clock live it, over
real HTTP against the dev stack: the escrow funded by a signed payment webhook, the dispute opened,
discussed, answered with an uploaded document, escalated by the schedule and resolved, the money
moved and everyone emailed."""

from __future__ import annotations

import pytest

from tests import document_files as files
from tests.e2e.steps import emails, funded_transaction, new_user

pytestmark = pytest.mark.e2e

ADMINS = "ops@paylox.com.tr"  # the dev stack's AdminNotificationEmails (and the escalation list)
SLA_FUNCTION = "DisputeSlaFunction"
HOUR = 3600


def test_a_dispute_from_complaint_to_resolution(stack):
    # Given a funded escrow between a buyer and a seller who both have signed in
    buyer, seller, admin, stranger = (new_user(role) for role in ("buyer", "seller", "admin", "stranger"))
    buyer_mail, seller_mail = f"{buyer}@example.com", f"{seller}@example.com"
    buyer_token, seller_token = stack.token(buyer, email=buyer_mail), stack.token(seller, email=seller_mail)
    admin_token = stack.token(admin, groups=("admin",), email=f"{admin}@paylox.com.tr")
    assert stack.request("GET", "/api/transaction/list", token=seller_token).status_code == 200
    txn = funded_transaction(stack, buyer_token, seller, amount=150_000)
    assert stack.request("GET", f"/api/transaction/{txn['id']}", token=buyer_token).json()["status"] == "FUNDED"

    # When the buyer opens a dispute
    opened = stack.request(
        "POST",
        "/api/dispute/create",
        token=buyer_token,
        json={"transaction_id": txn["id"], "reason": "DAMAGED", "description": "Lens çizik ve kırık geldi."},
    )

    # Then it is OPENED, the transaction is frozen, and the admins hear of it at once
    assert opened.status_code == 201, opened.text
    dispute = opened.json()
    dispute_id = dispute["id"]
    assert dispute["status"] == "OPENED"
    assert stack.request("GET", f"/api/transaction/{txn['id']}", token=buyer_token).json()["status"] == "DISPUTED"
    frozen = stack.request("POST", f"/api/transaction/{txn['id']}/ship", token=seller_token)
    assert (frozen.status_code, frozen.json()["code"]) == (409, "INVALID_STATE")
    [to_admins] = stack.wait_for(lambda: emails(stack, ADMINS, f"Yeni itiraz: {dispute_id}"))
    assert "Lens çizik ve kırık geldi." in to_admins["body"]
    update = f"İtirazınızda gelişme: {dispute_id}"
    stack.wait_for(lambda: emails(stack, buyer_mail, update) and emails(stack, seller_mail, update))

    # And a second dispute on the same transaction is refused; a stranger cannot see this one
    again = stack.request(
        "POST",
        "/api/dispute/create",
        token=seller_token,
        json={"transaction_id": txn["id"], "reason": "OTHER", "description": "Ben de itiraz ediyorum."},
    )
    assert (again.status_code, again.json()["code"]) == (409, "DISPUTE_ALREADY_OPEN")
    assert stack.request("GET", f"/api/dispute/{dispute_id}", token=stack.token(stranger)).status_code == 404

    # When the seller answers, an admin takes the dispute on and asks the seller for proof
    said = stack.request(
        "POST", f"/api/dispute/{dispute_id}/message", token=seller_token, json={"body": "Sağlam paketledim."}
    )
    assert said.status_code == 201, said.text
    taken = stack.request("PUT", f"/api/dispute/{dispute_id}/assign", token=admin_token, json={})
    assert (taken.status_code, taken.json()["status"], taken.json()["assigned_to"]) == (200, "UNDER_REVIEW", admin)
    asked = stack.request(
        "PUT",
        f"/api/dispute/{dispute_id}/request-info",
        token=admin_token,
        json={"from": "SELLER", "message": "Kargoya verirken çektiğiniz fotoğrafları ekleyin."},
    )
    assert (asked.status_code, asked.json()["status"]) == (200, "PENDING_INFO")
    [question] = stack.wait_for(lambda: emails(stack, seller_mail, f"İtirazınız için bilginiz gerekiyor: {dispute_id}"))
    assert "Kargoya verirken çektiğiniz fotoğrafları ekleyin." in question["body"]

    # When a day passes without an answer, the schedule reminds the seller (once, however often it runs)
    reminder = f"Hatırlatma (1): itirazınız yanıtınızı bekliyor: {dispute_id}"
    stack.advance_clock(24 * HOUR + 60)
    stack.run(SLA_FUNCTION)
    stack.run(SLA_FUNCTION)
    stack.wait_for(lambda: emails(stack, seller_mail, reminder))
    assert len(emails(stack, seller_mail, reminder)) == 1

    # And when the seller answers with an uploaded document, the dispute is back under review
    upload = stack.request(
        "POST",
        "/api/document/upload",
        token=seller_token,
        data={"purpose": "DISPUTE_EVIDENCE"},
        files={"file": ("kargo-fotograflari.pdf", files.pdf(), "application/pdf")},
    )
    assert upload.status_code == 201, upload.text
    answered = stack.request(
        "POST",
        f"/api/dispute/{dispute_id}/evidence",
        token=seller_token,
        json={"document_id": upload.json()["id"], "note": "Kargoya verirken çekildi."},
    )
    assert (answered.status_code, answered.json()["status"]) == (201, "UNDER_REVIEW")
    [evidence] = answered.json()["evidence"]
    assert (evidence["filename"], evidence["submitted_by"]) == ("kargo-fotograflari.pdf", seller)

    # When 48 hours pass unresolved, the schedule escalates it to the senior admins, once
    stack.advance_clock(24 * HOUR)
    stack.run(SLA_FUNCTION)
    stack.run(SLA_FUNCTION)
    escalated = stack.request("GET", f"/api/dispute/{dispute_id}", token=buyer_token).json()
    assert escalated["status"] == "ESCALATED"
    assert [entry["event"] for entry in escalated["timeline"]].count("DisputeEscalated") == 1
    stack.wait_for(lambda: emails(stack, ADMINS, f"Üst yönetime aktarılan itiraz: {dispute_id}"))

    # When the admin, signed in two days ago, tries to split the money
    split = {"outcome": "SPLIT", "buyer_amount": 40_000, "note": "Lens hasarı kanıtlandı; kısmi iade."}
    stale = stack.request("PUT", f"/api/dispute/{dispute_id}/resolve", token=admin_token, json=split)

    # Then moving money needs a recent sign-in, while reading does not
    assert (stale.status_code, stale.json()["code"]) == (403, "REAUTH_REQUIRED"), stale.text
    assert stack.request("GET", f"/api/dispute/{dispute_id}", token=admin_token).status_code == 200

    # When the admin signs in again and splits the money
    admin_token = stack.token(admin, groups=("admin",), email=f"{admin}@paylox.com.tr")
    resolved = stack.request("PUT", f"/api/dispute/{dispute_id}/resolve", token=admin_token, json=split)

    # Then the dispute is final, the buyer is partly refunded and the seller gets the rest
    assert resolved.status_code == 200, resolved.text
    resolution = resolved.json()["resolution"]
    assert (resolved.json()["status"], resolution["settlement"]) == ("RESOLVED", "SETTLED")
    assert (resolution["buyer_amount"], resolution["seller_amount"]) == (40_000, 110_000)
    settled = stack.request("GET", f"/api/transaction/{txn['id']}", token=seller_token).json()
    assert (settled["status"], settled["refunded_amount"]) == ("COMPLETED", 40_000)
    late = stack.request(
        "POST", f"/api/dispute/{dispute_id}/message", token=buyer_token, json={"body": "Ama ben tam iade istiyorum."}
    )
    assert (late.status_code, late.json()["code"]) == (409, "DISPUTE_RESOLVED")

    # And the seller is told what was released to them, not the whole escrow
    [released] = stack.wait_for(lambda: emails(stack, seller_mail, "Paylox: Ödemeniz serbest bırakıldı"))
    assert "1.100,00 TL" in released["body"]

    # And both parties learn the outcome
    outcome = f"İtirazınız sonuçlandı: {dispute_id}"
    for address in (buyer_mail, seller_mail):
        [mail] = stack.wait_for(lambda address=address: emails(stack, address, outcome))
        assert "Alıcıya iade edilen: 400,00 TL" in mail["body"]
        assert "Satıcıya aktarılan: 1.100,00 TL" in mail["body"]

    # And the whole story is on the timeline, in order
    story = [entry["event"] for entry in resolved.json()["timeline"]]
    assert story == [
        "DisputeOpened",
        "MessagePosted",
        "DisputeAssigned",
        "DisputeInfoRequested",
        "DisputeInfoReminder",
        "EvidenceSubmitted",
        "DisputeInfoProvided",
        "DisputeEscalated",
        "DisputeResolved",
        "DisputeSettled",
    ]
