"""PUT /api/admin/users/{id}/phone: an admin sets a user's verified phone, with a reason.

Admins only (403 ADMIN_ONLY otherwise), signed in within 15 minutes (403 REAUTH_REQUIRED): the
phone decides where the codes that approve the user's releases go, so a stolen admin session must
not be able to set it. The account is emailed and the phone cools off before it may approve a
release, as after a self-service PHONE_CHANGE (docs/otp.md).
"""

from paylox.errors import NotFound, SelfAction
from paylox.http import create_app, current_principal, http_handler, problem_responses
from paylox.otp import account_phone
from paylox.otp.errors import PhoneBlocked, PhoneCountryNotAllowed, PhoneInvalid, PhoneNotMobile
from paylox.otp.schemas import PhoneChangeRequest, UserPhoneOut
from paylox.users.errors import EmailUnavailable

app = create_app(role="admin", fresh_auth=True)  # it decides where release codes go


@app.put(
    "/api/admin/users/<id>/phone",
    responses={
        200: {"description": "The new verified phone"},
        **problem_responses(
            SelfAction, NotFound, PhoneBlocked, PhoneInvalid, PhoneNotMobile, PhoneCountryNotAllowed, EmailUnavailable
        ),
    },
)
def set_phone(id: str, body: PhoneChangeRequest) -> UserPhoneOut:
    return account_phone.staff_set_phone(current_principal(), id, body)


handler = http_handler(app)
