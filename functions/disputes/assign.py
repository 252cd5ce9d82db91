"""PUT /api/dispute/{id}/assign: staff take the dispute on, or hand it to ``admin_id``."""

from paylox.disputes import assignment
from paylox.disputes.errors import AssigneeIsParty, AssigneeNotStaff, DisputeAlreadyAssigned
from paylox.disputes.schemas import AssignRequest, DisputeOut
from paylox.http import create_app, current_principal, http_handler, problem_responses

app = create_app(role="staff")


@app.put(
    "/api/dispute/<id>/assign",
    responses={
        200: {"description": "Assigned", "content": {"application/json": {"model": DisputeOut}}},
        **problem_responses(DisputeAlreadyAssigned, AssigneeIsParty, AssigneeNotStaff),
    },
)
def assign_dispute(id: str, body: AssignRequest | None = None) -> DisputeOut:
    admin_id = body.admin_id if body else None
    return DisputeOut.from_view(assignment.assign(current_principal(), id, admin_id))


handler = http_handler(app)
