"""Which item of a move's DynamoDB transaction refused it (paylox.writes.refusal_of): DynamoDB
reports one cancellation reason per item, condition checks first and updates (the moved row, then
the claims) last. A refused check is told before a refused claim, and either before a lost race.
A write making claims (commit_claiming) is tried again only when a concurrent transaction cancelled it."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from pynamodb.exceptions import CancellationReason, TransactWriteError, VerboseClientError

from paylox.otp.errors import OtpRequired
from paylox.otp.models import TokenRow
from paylox.transactions.errors import SellerSuspended
from paylox.users.models import UserProfile
from paylox.writes import CONFLICT_TRIES, Check, Claim, Put, commit_claiming, refusal_of

SUSPENDED, NO_TOKEN = SellerSuspended(), OtpRequired()
FAILED = "ConditionalCheckFailed"
CHECK = Check(UserProfile, "seller", UserProfile.status == "ACTIVE", SUSPENDED)
CLAIM = Claim(TokenRow("token|x"), [TokenRow.used_at.set("now")], TokenRow.used_at.does_not_exist(), NO_TOKEN)
PUT = Put(TokenRow("token|y"))


def _cancelled(*codes: str | None) -> Any:
    """A TransactWriteError as PynamoDB raises it: one reason per item, in the order sent."""
    return SimpleNamespace(cancellation_reasons=[SimpleNamespace(code=code) if code else None for code in codes])


# the order sent: [check], audit record, [put], outbox item, moved row, [claim]
def test_a_refused_claim_is_told_by_its_own_refusal():
    cancelled = _cancelled(None, None, None, None, None, FAILED)
    assert refusal_of(cancelled, [CHECK, PUT, CLAIM]) is NO_TOKEN


def test_a_refused_check_is_told_before_a_refused_claim_and_a_lost_race():
    cancelled = _cancelled(FAILED, None, None, None, FAILED, FAILED)
    assert refusal_of(cancelled, [CHECK, PUT, CLAIM]) is SUSPENDED


def test_a_lost_race_of_the_row_alone_is_no_items_refusal():
    cancelled = _cancelled(None, None, None, None, FAILED, None)
    assert refusal_of(cancelled, [CHECK, PUT, CLAIM]) is None
    assert refusal_of(_cancelled(None, FAILED, None), [PUT]) is None


def _failing(*outcomes: str) -> tuple[list[int], Any]:
    """A commit that is cancelled once per outcome (the claim's reason: a failed condition, a
    conflict), then succeeds; and the list counting its tries."""
    tries: list[int] = []

    def commit() -> None:
        tries.append(1)
        if len(tries) <= len(outcomes):
            reasons = [None, CancellationReason(code=outcomes[len(tries) - 1])]
            error = {"Error": {"Code": "TransactionCanceledException", "Message": "cancelled"}}
            cause = VerboseClientError(error, "TransactWriteItems", cancellation_reasons=reasons)  # type: ignore[arg-type]
            raise TransactWriteError("cancelled", cause=cause)

    return tries, commit


def test_a_claim_refused_by_its_condition_raises_its_refusal_untried_again():
    tries, commit = _failing(FAILED)
    with pytest.raises(OtpRequired):
        commit_claiming(commit, [CLAIM])
    assert len(tries) == 1


def test_a_write_cancelled_by_a_concurrent_transaction_is_tried_again():
    tries, commit = _failing("TransactionConflict", "TransactionConflict")
    commit_claiming(commit, [CLAIM])
    assert len(tries) == 3


def test_a_write_that_keeps_conflicting_fails_after_its_tries():
    tries, commit = _failing(*["TransactionConflict"] * CONFLICT_TRIES)
    with pytest.raises(TransactWriteError):
        commit_claiming(commit, [CLAIM])
    assert len(tries) == CONFLICT_TRIES
