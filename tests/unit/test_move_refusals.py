"""Which item of a move's DynamoDB transaction refused it (paylox.writes.refusal_of): DynamoDB
reports one cancellation reason per item, condition checks first and updates (the moved row, then
the claims) last. A refused check is told before a refused claim, and either before a lost race."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from paylox.otp.errors import OtpRequired
from paylox.otp.models import TokenRow
from paylox.transactions.errors import SellerSuspended
from paylox.users.models import UserProfile
from paylox.writes import Check, Claim, Put, refusal_of

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
