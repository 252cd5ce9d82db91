"""The dashboard statistics as the API shows them."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from paylox.schema import ApiModel


class BucketOut(ApiModel):
    """The counters of a bucket (or of the whole range) and the rates derived from them. Money is
    integer kuruş; rates are fractions between 0 and 1, null when there is nothing to divide by."""

    transactions_created: int
    transactions_funded: int
    volume_kurus: int = Field(description="Sum of the amounts that became FUNDED: money into escrow")
    transactions_completed: int
    released_kurus: int = Field(description="Released to sellers: the amounts completed, less refunds before")
    payments_failed: int
    transactions_refunded: int = Field(description="Transactions that became REFUNDED")
    refunded_kurus: int = Field(description="Every refund recorded, partial ones included")
    transactions_cancelled: int
    disputes_opened: int
    disputes_resolved: int
    new_users: int
    payment_success_rate: float | None = Field(description="funded / (funded + payments_failed)")
    completion_rate: float | None = Field(description="completed / (completed + refunded + cancelled)")
    avg_completion_seconds: float | None = Field(
        description="Mean of completed_at - created_at over the transactions completed in the bucket"
    )


class SeriesBucketOut(BucketOut):
    bucket_start: str = Field(description="First day of the bucket (Istanbul date)")


class UserGrowthOut(ApiModel):
    new_users: int
    previous_new_users: int = Field(description="New users in the range of the same length just before")
    growth_rate: float | None = Field(description="(new_users - previous_new_users) / previous_new_users")


class DashboardStatsOut(ApiModel):
    model_config = ConfigDict(populate_by_name=True)

    period: str
    from_: str = Field(alias="from", description="First day covered (Istanbul date), widened to whole buckets")
    to: str = Field(description="Last day covered (Istanbul date), widened to whole buckets")
    timezone: str
    generated_at: str = Field(description="When these figures were computed (cached up to 5 minutes)")
    totals: BucketOut
    series: list[SeriesBucketOut] = Field(description="Every bucket of the range, empty ones as zeros")
    active_disputes: int = Field(description="Disputes not RESOLVED, now")
    users_total: int = Field(description="Registered users, now")
    user_growth: UserGrowthOut
