"""PUT /api/admin/users/{id}/unsuspend: an admin lifts a user's suspension, with a reason."""

from paylox.errors import AccountSuspended, AdminOnly, ConcurrentModification, InvalidState, NotFound, SelfAction
from paylox.http import create_app, current_principal, http_handler, problem_responses
from paylox.users import moderation
from paylox.users.schemas import SuspendRequest, UserOut

app = create_app(role="admin")


@app.put(
    "/api/admin/users/<id>/unsuspend",
    responses={
        200: {"description": "The profile, active again"},
        **problem_responses(AdminOnly, AccountSuspended, SelfAction, NotFound, InvalidState, ConcurrentModification),
    },
)
def unsuspend(id: str, body: SuspendRequest) -> UserOut:
    return moderation.unsuspend(current_principal(), id, body)


handler = http_handler(app)
