"""PUT /api/admin/users/{id}/suspend: an admin suspends a user, with a reason.

From the user's next request on, every route answers ``403 ACCOUNT_SUSPENDED``, and no money is
released to them as a seller (``409 SELLER_SUSPENDED``).
"""

from paylox.errors import AccountSuspended, AdminOnly, ConcurrentModification, InvalidState, NotFound, SelfAction
from paylox.http import create_app, current_principal, http_handler, problem_responses
from paylox.users import moderation
from paylox.users.schemas import SuspendRequest, UserOut

app = create_app(role="admin")


@app.put(
    "/api/admin/users/<id>/suspend",
    responses={
        200: {"description": "The profile, suspended"},
        **problem_responses(AdminOnly, AccountSuspended, SelfAction, NotFound, InvalidState, ConcurrentModification),
    },
)
def suspend(id: str, body: SuspendRequest) -> UserOut:
    return moderation.suspend(current_principal(), id, body)


handler = http_handler(app)
