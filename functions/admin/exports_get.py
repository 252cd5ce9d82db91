"""GET /api/admin/exports/{export_id}: how an export stands, with its download link once READY
(staff; only the admin who asked for it, 404 for anyone else)."""

from paylox.errors import NotFound
from paylox.exports import service
from paylox.exports.schemas import ExportOut
from paylox.http import create_app, current_principal, http_handler, problem_responses

app = create_app(role="staff")


@app.get(
    "/api/admin/exports/<export_id>", responses={200: {"description": "The export job"}, **problem_responses(NotFound)}
)
def export_status(export_id: str) -> ExportOut:
    return service.export_status(current_principal(), export_id)


handler = http_handler(app)
