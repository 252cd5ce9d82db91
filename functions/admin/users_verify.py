"""PUT /api/admin/users/{id}/verify: an admin records whether a user's identity is verified, with a reason."""

from paylox.errors import AccountSuspended, AdminOnly, ConcurrentModification, NotFound, SelfAction
from paylox.http import create_app, current_principal, http_handler, problem_responses
from paylox.users import moderation
from paylox.users.errors import DocumentsNotOwned
from paylox.users.schemas import UserOut, VerifyRequest

app = create_app(role="admin")


@app.put(
    "/api/admin/users/<id>/verify",
    responses={
        200: {"description": "The profile as changed"},
        **problem_responses(
            AdminOnly, AccountSuspended, SelfAction, NotFound, DocumentsNotOwned, ConcurrentModification
        ),
    },
)
def verify(id: str, body: VerifyRequest) -> UserOut:
    return moderation.set_identity(current_principal(), id, body)


handler = http_handler(app)
