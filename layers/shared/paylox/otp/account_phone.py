"""Staff help with a user's verified phone: ``PUT /api/admin/users/{id}/phone``.

For a user who lost the phone their codes go to (``PHONE_CHANGE`` needs a code to it). Admins
only (the route says so), never on their own account (``403 SELF_ACTION``), with a reason; the
same rules as a self-service change follow: the account is emailed first, the new phone cools
off before it may approve money moves, and the change is audited ``USER_PHONE_CHANGED`` with the
admin and the reason.
"""

from __future__ import annotations

from paylox.auth import Principal
from paylox.errors import NotFound, SelfAction
from paylox.otp import blocklist
from paylox.otp.phones import normalise_for_sms
from paylox.otp.purposes import OtpPurpose
from paylox.otp.schemas import PhoneChangeRequest, UserPhoneOut
from paylox.users.phones import set_verified_phone
from paylox.users.service import find_profile


def staff_set_phone(principal: Principal, user_id: str, request: PhoneChangeRequest) -> UserPhoneOut:
    """Make ``request.phone`` the verified phone of ``user_id``, cooling off; returns the result."""
    if user_id == principal.user_id:
        raise SelfAction()
    phone = normalise_for_sms(request.phone)
    if find_profile(user_id) is None:
        raise NotFound("user")
    blocklist.ensure_not_blocked(phone, principal, purpose=OtpPurpose.PHONE_CHANGE.value)
    profile = set_verified_phone(user_id, phone, principal.actor, how="STAFF", at_once=False, reason=request.reason)
    return UserPhoneOut(
        user_id=profile.user_id,
        phone=str(profile.phone),
        phone_verified=bool(profile.phone_verified),
        confirms_from=str(profile.confirms_from),
    )
