"""GET /api/admin/dashboard/stats: the back office's statistics by day, week or month (staff).

Read from pre-aggregated day buckets and cached for five minutes; see docs/admin.md.
"""

from datetime import date
from typing import Annotated

from paylox.errors import InvalidRange, RangeTooLarge, StaffOnly
from paylox.http import Query, Response, create_app, http_handler, json_response, problem_responses
from paylox.statistics import service
from paylox.statistics.calendar import Period
from paylox.statistics.schemas import DashboardStatsOut

app = create_app(role="staff")


@app.get(
    "/api/admin/dashboard/stats",
    responses={
        200: {"description": "The statistics", "content": {"application/json": {"model": DashboardStatsOut}}},
        **problem_responses(StaffOnly, InvalidRange, RangeTooLarge),
    },
)
def dashboard_stats(
    period: Annotated[Period, Query()] = Period.DAY,
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
) -> Response[str]:
    return json_response(200, service.dashboard_stats(period, start, end))


handler = http_handler(app)
