"""GET /api/admin/health (staff): whether every dependency of the stage answers.

The stored report when under 30 seconds old, else a fresh one from ``HealthCheckFunction``; 200
when every dependency is ok, 503 otherwise. See docs/operations.md.
"""

from paylox.errors import StaffOnly, Unauthorized
from paylox.health.schemas import HealthReport
from paylox.health.service import current_report
from paylox.http import Response, create_app, http_handler, json_response, problem_responses

app = create_app(role="staff")


@app.get(
    "/api/admin/health",
    responses={
        200: {"description": "Every dependency is ok", "content": {"application/json": {"model": HealthReport}}},
        503: {
            "description": "A dependency is degraded or down (same body)",
            "content": {"application/json": {"model": HealthReport}},
        },
        **problem_responses(Unauthorized, StaffOnly),
    },
)
def admin_health() -> Response[str]:
    report = current_report()
    return json_response(200 if report.all_ok else 503, report)


handler = http_handler(app)
