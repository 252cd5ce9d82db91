"""GET /api/admin/audit/list: the audit log, newest first, by actor, action, resource and dates (admins)."""

from datetime import date
from typing import Annotated

from paylox.audit_review import AuditFilter, AuditRecordOut, TimeRange, list_records
from paylox.errors import AccountSuspended, AdminOnly, InvalidCursor, InvalidRange, RangeTooLarge
from paylox.http import Query, create_app, http_handler, problem_responses
from paylox.paging import DEFAULT_LIMIT, Limit, Page

app = create_app(role="admin")


@app.get(
    "/api/admin/audit/list",
    responses={
        200: {"description": "Audit records, newest first"},
        **problem_responses(AdminOnly, AccountSuspended, InvalidCursor, InvalidRange, RangeTooLarge),
    },
)
def list_audit(
    actor_id: Annotated[str | None, Query(max_length=128)] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    resource_id: Annotated[str | None, Query(max_length=256)] = None,
    from_: Annotated[date | None, Query(alias="from", description="On or after (Istanbul date)")] = None,
    to: Annotated[date | None, Query(description="On or before (Istanbul date)")] = None,
    limit: Annotated[Limit, Query()] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query()] = None,
) -> Page[AuditRecordOut]:
    span = TimeRange.of_istanbul_dates(from_, to)
    filters = AuditFilter(actor_id=actor_id, action=action, resource_id=resource_id, range=span)
    return list_records(filters, limit, cursor)


handler = http_handler(app)
