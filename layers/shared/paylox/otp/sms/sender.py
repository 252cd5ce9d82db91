"""Delivery across providers: retry transient failures with bounded exponential backoff inside the
function's remaining time, then fall back to the next provider.

* transient (timeout, 429, 5xx): retried up to ``max_attempts`` per provider, waiting
  ``base, 2·base, 4·base, ...`` (each at most ``max_delay``) in between;
* provider rejected (credentials, balance, region): no retry, next provider;
* recipient rejected (invalid, landline, unsubscribed): no retry and no fallback.

Time: each later provider keeps one request timeout in reserve, and ``reserve`` seconds stay for
the work after the send, so a slow primary never leaves the fallback, or the caller, without time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from aws_lambda_powertools.metrics import MetricUnit

from paylox.observability import logger, mask_phone, metrics
from paylox.otp.sms.base import ProviderRejected, RecipientRejected, SentSms, SmsError, SmsProvider

_MIN_ATTEMPT_SECONDS = 0.5


class AllProvidersFailed(Exception):
    def __init__(self, errors: list[SmsError]) -> None:
        super().__init__("; ".join(str(error) for error in errors) or "no provider had time to try")
        self.errors = errors


def backoff_delays(max_attempts: int, base: float, cap: float) -> list[float]:
    """The waits between ``max_attempts`` attempts: ``[base, 2·base, 4·base, ...]``, each ≤ ``cap``."""
    return [min(cap, base * 2**index) for index in range(max(max_attempts - 1, 0))]


@dataclass
class SmsSender:
    providers: Sequence[SmsProvider]
    time_left: Callable[[], float]  # seconds until the function times out
    max_attempts: int = 3
    base_delay: float = 0.25
    max_delay: float = 2.0
    request_timeout: float = 4.0
    reserve: float = 1.5
    sleep: Callable[[float], None] = field(default=time.sleep)

    def send(self, to: str, body: str) -> SentSms:
        """Send through the first provider that takes the message; raises
        :class:`RecipientRejected` or :class:`AllProvidersFailed`."""
        errors: list[SmsError] = []
        for index, provider in enumerate(self.providers):
            later = len(self.providers) - index - 1
            try:
                return self._send_with_retries(provider, to, body, keep=self.reserve + later * self.request_timeout)
            except RecipientRejected:
                raise
            except SmsError as exc:
                errors.append(exc)
                # One metric for every provider that gave up on a message (alarmed: OtpSmsProviderAlarm),
                # so a failing primary is noticed while the fallback still delivers.
                metrics.add_metric(name="SmsProviderFailed", unit=MetricUnit.Count, value=1)
                logger.warning(
                    "sms provider failed",
                    extra={"provider": provider.name, "error": exc.detail, "to": mask_phone(to), "fallback": later > 0},
                )
        raise AllProvidersFailed(errors)

    def _send_with_retries(self, provider: SmsProvider, to: str, body: str, keep: float) -> SentSms:
        delays = backoff_delays(self.max_attempts, self.base_delay, self.max_delay)
        last: SmsError | None = None
        for attempt in range(self.max_attempts):
            if attempt:
                delay = delays[attempt - 1]
                if self.time_left() - keep - delay < _MIN_ATTEMPT_SECONDS:
                    break
                self.sleep(delay)
            budget = self.time_left() - keep
            if budget < _MIN_ATTEMPT_SECONDS:
                break
            try:
                return provider.send(to, body, timeout=min(self.request_timeout, budget))
            except (RecipientRejected, ProviderRejected):
                raise
            except SmsError as exc:
                last = exc
                logger.info("sms send retryable failure", extra={"provider": provider.name, "attempt": attempt + 1})
        raise last or SmsError(provider.name, "no time left to try")
