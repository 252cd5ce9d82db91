"""The Jetcheckout payment gateway, as the only public evidence shows its API (docs/payments.md).

Every call is ``POST <base>/api/v1/<path>`` with a JSON body that carries the merchant's
``application_key``; there is no auth header. Payment starts are signed in the body:

    hash_data = base64( SHA-256( application_key + X + amount + secret_key ) )

with ``amount`` the integer kuruş amount in decimal and X the saved-card token (our only card
form: card numbers never pass through Paylox). The secret key is never sent. ``mode`` is ``P`` in
production and ``T`` everywhere else. Answers carry a ``response_code``: ``00`` done, ``00307``
3-D Secure (the buyer goes to ``redirect_url/transaction_id``), ``00200`` status found; anything
else is an error whose ``message`` is logged, never shown. Amounts in answers are converted to
kuruş by ``JETCHECKOUT_RESPONSE_AMOUNT_UNIT`` (unconfirmed: check it in test mode).

The key and secret come from :mod:`paylox.secrets` on each call (cached for five minutes there), so
a rotation reaches warm functions without a redeploy. Bodies, keys, hashes and tokens are never
logged.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import field
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from urllib3.exceptions import NewConnectionError

from paylox import clock
from paylox.config import get_settings
from paylox.observability import logger
from paylox.payments.base import (
    GatewayPaymentStatus,
    PaymentSession,
    RefundLedger,
    RefundMethod,
    RefundRequest,
    RefundResult,
)
from paylox.payments.errors import PaymentNotFound, PaymentProviderError, PaymentProviderUnavailable, PaymentRejected
from paylox.payments.orders import InMemoryRefundLedger, refund_method
from paylox.secrets import get_secret
from paylox.values import frozen

if TYPE_CHECKING:
    import requests

CONNECT_TIMEOUT_SECONDS = 3.05
APPROVED, THREE_D_SECURE, FOUND = "00", "00307", "00200"
#: Accepted as a cancel by the evidenced client, meaning unknown: the refund is left in doubt.
CANCEL_UNCLEAR = "01"
#: How long we let a started attempt wait for the buyer (ours: the gateway states no expiry).
SESSION_TTL = timedelta(minutes=30)
AmountUnit = Literal["lira", "kurus"]
Mode = Literal["T", "P"]


class CallNotSent(PaymentProviderUnavailable):
    """The request never reached the gateway (no connection): retrying it cannot do anything twice."""


def hash_data(application_key: str, x: str, amount: int, secret_key: str) -> str:
    """The ``hash_data`` of a payment start: standard padded Base64 of the raw SHA-256 digest of
    ``application_key + x + amount + secret_key`` (UTF-8, no separators)."""
    digest = hashlib.sha256(f"{application_key}{x}{amount}{secret_key}".encode()).digest()
    return base64.b64encode(digest).decode("ascii")


def kurus_from_answer(value: object, unit: AmountUnit) -> int:
    """An amount from an answer as exact integer kuruş; anything not a whole kuruş is unreadable."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        raise _unreadable("amount")
    try:
        number = Decimal(value) * (100 if unit == "lira" else 1)
    except InvalidOperation:
        raise _unreadable("amount") from None
    if not number.is_finite() or number != number.to_integral_value():
        raise _unreadable("amount")
    return int(number)


@cache
def _http() -> requests.Session:
    # One connection pool per execution environment: warm invocations skip the TLS handshake.
    # requests is imported on the first call (not with this module): functions that import the
    # gateway without calling it, such as the health check's imports, skip its ~4 MiB.
    import requests

    return requests.Session()


@cache
def _process_ledger() -> InMemoryRefundLedger:
    return InMemoryRefundLedger()


@frozen
class JetcheckoutGateway:
    base_url: str  # e.g. https://api.jetcheckout.com
    timeout_seconds: float
    mode: Mode = "T"
    amount_unit: AmountUnit = "lira"
    api_base_url: str | None = None  # our return route's base: the browser comes back there
    session: requests.Session | None = None
    ledger: RefundLedger = field(default_factory=InMemoryRefundLedger)

    @classmethod
    def from_settings(cls, ledger: RefundLedger | None = None) -> JetcheckoutGateway:
        """The gateway of this stage: ``P`` only in prod; refunds remembered by ``ledger`` (by
        default only for the life of this execution environment)."""
        settings = get_settings()
        if not settings.jetcheckout_base_url:  # the settings validator makes this unreachable
            raise PaymentProviderError()
        return cls(
            base_url=settings.jetcheckout_base_url,
            timeout_seconds=settings.jetcheckout_timeout_seconds,
            mode="P" if settings.stage == "prod" else "T",
            amount_unit=settings.jetcheckout_response_amount_unit,
            api_base_url=settings.api_base_url,
            ledger=ledger or _process_ledger(),
        )

    # ------------------------------------------------------------------ payment start
    def create_session(
        self,
        *,
        transaction_id: str,
        amount: int,
        currency: str,
        description: str,
        buyer_email: str | None,
        order_id: str,
        card_token: str | None = None,
    ) -> PaymentSession:
        """``payment`` with a saved-card token and 3-D Secure. Without a token there is no evidenced
        way to start a payment whose card number does not pass through Paylox: refused (502)."""
        if not card_token or not self.api_base_url:
            # docs/payments.md: the evidenced API takes the card number in our request otherwise.
            logger.error(
                "jetcheckout payment needs a saved-card token and API_BASE_URL",
                extra={"order_id": order_id, "has_token": bool(card_token), "has_api_base": bool(self.api_base_url)},
            )
            raise PaymentProviderError()
        # Our browser return (GET|POST /api/payment/return/{id}) asks the gateway's status and
        # sends the buyer on to PAYMENT_RETURN_URL: what the browser posts there is never trusted.
        return_url = f"{self.api_base_url.rstrip('/')}/api/payment/return/{transaction_id}"
        key = get_secret("JETCHECKOUT_API_KEY")
        body: dict[str, Any] = {
            "application_key": key,
            "mode": self.mode,
            "order_id": order_id,
            "amount": amount,
            "currency": currency,
            "installment_count": 1,
            "card_token": card_token,
            "is_3d": True,
            "hash_data": hash_data(key, card_token, amount, get_secret("JETCHECKOUT_API_SECRET")),
            "success_url": return_url,
            "fail_url": return_url,
            "customer": {"email": buyer_email} if buyer_email else {},
        }
        data = self._post("payment", body, order_id)
        code = data["response_code"]
        if code not in (APPROVED, THREE_D_SECURE):
            raise self._refused("payment", data, order_id, PaymentProviderError())
        gateway_id = _text(data, "transaction_id")
        # 00: approved without a 3-D step; the buyer goes back to the return page, which asks the status.
        url = f"{_text(data, 'redirect_url').rstrip('/')}/{gateway_id}" if code == THREE_D_SECURE else return_url
        return PaymentSession(
            session_id=order_id,
            payment_url=url,
            expires_at=clock.isoformat(clock.now() + SESSION_TTL),
            order_id=order_id,
            gateway_transaction_id=gateway_id,
        )

    # ------------------------------------------------------------------ status
    def payment_status(self, *, order_id: str) -> GatewayPaymentStatus:
        """``payment/status``: ``00200`` is a found order; any other code is "not found" (logged)."""
        body = {"application_key": get_secret("JETCHECKOUT_API_KEY"), "order_id": order_id, "lang": "tr"}
        data = self._post("payment/status", body, order_id)
        code = data["response_code"]
        if code != FOUND:
            _log_refusal("payment/status", data, order_id)
            return GatewayPaymentStatus(order_id=order_id, found=False, response_code=code)
        amount = data.get("amount")
        return GatewayPaymentStatus(
            order_id=order_id,
            found=True,
            response_code=code,
            successful=data.get("successful") is True,
            completed=data.get("completed") is True,
            cancelled=data.get("cancelled") is True,
            amount=None if amount is None else kurus_from_answer(amount, self.amount_unit),
            currency=_optional_text(data, "currency"),
            transaction_date=_optional_text(data, "transaction_date"),
            gateway_transaction_id=_optional_text(data, "transaction_id"),
        )

    # ------------------------------------------------------------------ refund and cancel
    def refund(self, request: RefundRequest) -> RefundResult:
        """A cancel for the whole payment on its own Istanbul day, else a refund. At most once per
        intent: see :class:`~paylox.payments.base.RefundLedger`."""
        method = refund_method(request, clock.now())
        done = self.ledger.claim(request, method)
        if done is not None:
            return done
        try:
            gateway_id = request.gateway_transaction_id or self._gateway_id_of(request.order_id)
        except Exception:
            self.ledger.release(request.intent_id)  # only a status query was made: may be tried again
            raise
        try:
            result = self._give_back(request, gateway_id, method)
        except (CallNotSent, PaymentRejected):
            self.ledger.release(request.intent_id)  # nothing happened at the gateway: may be tried again
            raise
        except Exception:
            logger.error("jetcheckout refund in doubt", extra={"intent_id": request.intent_id, "method": method})
            raise  # the intent stays claimed: never sent again until someone checks
        self.ledger.settle(result)
        return result

    def _give_back(self, request: RefundRequest, gateway_id: str, method: RefundMethod) -> RefundResult:
        key = get_secret("JETCHECKOUT_API_KEY")
        if method == "cancel":
            cancel = {"application_key": key, "order_id": request.order_id, "transaction_id": gateway_id}
            data = self._post("payment/cancel", cancel, request.order_id)
            code = data["response_code"]
            if code == APPROVED:
                return RefundResult(request.intent_id, "succeeded", "cancel", request.amount)
            if code == CANCEL_UNCLEAR:  # the evidenced client counts it as cancelled: never refund on top
                raise self._refused("payment/cancel", data, request.order_id, PaymentProviderError())
            # Refused, nothing changed; no refund on top today: a retry from the next day refunds.
            raise self._refused("payment/cancel", data, request.order_id, PaymentRejected(code))
        body: dict[str, Any] = {
            "application_key": key,
            "order_id": request.order_id,
            "transaction_id": gateway_id,
            "amount": request.amount,
            "currency": request.currency,
        }
        data = self._post("payment/refund", body, request.order_id)
        if data["response_code"] != APPROVED:
            raise self._refused("payment/refund", data, request.order_id, PaymentRejected(data["response_code"]))
        return RefundResult(request.intent_id, "succeeded", "refund", request.amount)

    def _gateway_id_of(self, order_id: str) -> str:
        status = self.payment_status(order_id=order_id)
        if not status.gateway_transaction_id:
            raise PaymentNotFound()
        return status.gateway_transaction_id

    # ------------------------------------------------------------------ transport
    def _post(self, path: str, body: dict[str, Any], order_id: str) -> dict[str, Any]:
        """The answer of one call, with a ``response_code`` string; transport failures as domain errors."""
        import requests

        try:
            response = (self.session or _http()).post(
                f"{self.base_url.rstrip('/')}/api/v1/{path}",
                json=body,
                headers={"Accept": "application/json"},
                timeout=(CONNECT_TIMEOUT_SECONDS, self.timeout_seconds),
            )
        except requests.RequestException as exc:
            failure = {"path": path, "order_id": order_id, "error": type(exc).__name__}
            logger.warning("jetcheckout unreachable", extra=failure)
            raise (CallNotSent() if _never_sent(exc) else PaymentProviderUnavailable()) from exc
        return _answer(response, path, order_id)

    @staticmethod
    def _refused(path: str, data: dict[str, Any], order_id: str, error: Exception) -> Exception:
        _log_refusal(path, data, order_id)
        return error


def _never_sent(exc: requests.RequestException) -> bool:
    """True only when no connection was made, so the gateway cannot have seen the request."""
    import requests

    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(exc, requests.ConnectionError) and isinstance(reason, NewConnectionError)


def _answer(response: requests.Response, path: str, order_id: str) -> dict[str, Any]:
    status = response.status_code
    if status == 429 or status >= 500:
        logger.warning("jetcheckout unavailable", extra={"path": path, "order_id": order_id, "status": status})
        raise PaymentProviderUnavailable()
    try:
        data = response.json(parse_float=Decimal)  # exact amounts: never through a float
    except ValueError:
        data = None
    if status != 200 or not isinstance(data, dict) or not isinstance(data.get("response_code"), str):
        logger.error("jetcheckout answer unreadable", extra={"path": path, "order_id": order_id, "status": status})
        raise PaymentProviderError()
    return data


def _log_refusal(path: str, data: dict[str, Any], order_id: str) -> None:
    logger.warning(
        "jetcheckout refused",
        extra={
            "path": path,
            "order_id": order_id,
            "response_code": data.get("response_code"),
            "provider_message": str(data.get("message", ""))[:300],
        },
    )


def _unreadable(name: str) -> PaymentProviderError:
    logger.error("jetcheckout answer has an unreadable field", extra={"field": name})
    return PaymentProviderError()


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # an id may come as a number
    if not isinstance(value, str) or not value:
        raise _unreadable(name)
    return value


def _optional_text(data: dict[str, Any], name: str) -> str | None:
    return None if data.get(name) in (None, "") else _text(data, name)
