"""GET /api/admin/users/{id}: a user's profile with statistics, documents and recent audit records (staff)."""

from paylox.errors import AccountSuspended, NotFound, StaffOnly
from paylox.http import create_app, current_principal, http_handler, problem_responses
from paylox.users import overview
from paylox.users.schemas import UserDetailOut

app = create_app(role="staff")


@app.get(
    "/api/admin/users/<id>",
    responses={
        200: {"description": "The profile with stats, documents and recent audit records"},
        **problem_responses(StaffOnly, AccountSuspended, NotFound),
    },
)
def get_user(id: str) -> UserDetailOut:
    return overview.user_detail(current_principal(), id)


handler = http_handler(app)
