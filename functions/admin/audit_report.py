"""GET /api/admin/audit/report: what each admin and support agent did in a date range, as JSON or CSV (admins)."""

from datetime import date
from typing import Annotated, Literal

from paylox.audit_review import AuditReport, report_csv, staff_report
from paylox.errors import AccountSuspended, AdminOnly, InvalidRange, RangeTooLarge
from paylox.http import Query, Response, create_app, http_handler, json_response, problem_responses

app = create_app(role="admin")

RESPONSES = {
    200: {
        "description": "JSON `{from, to, by_action, by_actor}`; CSV rows `actor_id,actor_role,action,count`",
        "content": {"application/json": {"model": AuditReport}, "text/csv": {"schema": {"type": "string"}}},
    },
    **problem_responses(AdminOnly, AccountSuspended, InvalidRange, RangeTooLarge),
}


@app.get("/api/admin/audit/report", responses=RESPONSES)  # type: ignore[arg-type]
def report(
    from_: Annotated[date | None, Query(alias="from", description="Istanbul date; default 29 days before to")] = None,
    to: Annotated[date | None, Query(description="Istanbul date, inclusive; default today")] = None,
    format: Annotated[Literal["json", "csv"], Query()] = "json",
) -> Response[str]:
    result = staff_report(from_, to)
    if format == "json":
        return json_response(200, result.model_dump(mode="json", by_alias=True))
    filename = f"audit-report-{result.from_}-{result.to}.csv"
    return Response(
        status_code=200,
        content_type="text/csv; charset=utf-8",
        body=report_csv(result),
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


handler = http_handler(app)
