"""GET /api/admin/transactions/export: an export of the transaction list as CSV or XLSX (admin-only).

Answers ``202`` with the job at once; the file is made by ``AdminExportWorkerFunction`` and read
through ``GET /api/admin/exports/{export_id}`` (docs/admin.md, "Exports").
"""

from typing import Annotated, Literal

from paylox.errors import InvalidRequest
from paylox.exports import service
from paylox.exports.schemas import ExportAccepted
from paylox.http import Query, Response, create_app, current_principal, http_handler, json_response, problem_responses
from paylox.transactions.schemas import STATUSES, Statuses, TransactionListQuery

app = create_app(role="admin")


@app.get(
    "/api/admin/transactions/export",
    responses={
        202: {"description": "Export started", "content": {"application/json": {"model": ExportAccepted}}},
        **problem_responses(InvalidRequest),
    },
)
def export(
    query: Annotated[TransactionListQuery, Query()],
    status: Annotated[Statuses | None, Query(description=STATUSES)] = None,
    format: Annotated[Literal["csv", "xlsx"], Query()] = "csv",
) -> Response[str]:
    return json_response(202, service.request_export(current_principal(), format, query.filters(status)))


handler = http_handler(app)
