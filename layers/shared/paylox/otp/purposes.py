"""What an OTP code is for, apart from the API's models: the flows that check a code before a money
move (a release, an override, a refund hold) need these names, not the request models, whose
module costs each of those functions' cold start a few milliseconds."""

from enum import StrEnum
from typing import Literal


class OtpPurpose(StrEnum):
    PHONE_VERIFICATION = "PHONE_VERIFICATION"
    TRANSACTION_CONFIRMATION = "TRANSACTION_CONFIRMATION"
    PHONE_CHANGE = "PHONE_CHANGE"
    ADMIN_OVERRIDE = "ADMIN_OVERRIDE"


#: Purposes whose codes approve a money move: bound to a transaction, an action and an amount, sent
#: only to the account's verified phone once it is out of its cool-off (docs/otp.md).
BOUND_PURPOSES = frozenset({OtpPurpose.TRANSACTION_CONFIRMATION, OtpPurpose.ADMIN_OVERRIDE})
#: What an ``ADMIN_OVERRIDE`` code may approve.
OverrideAction = Literal["RELEASE", "REFUND"]

#: Where a code stands, as ``GET /api/otp/status`` answers.
OtpState = Literal["pending", "approved", "expired", "max_attempts_reached", "none"]
