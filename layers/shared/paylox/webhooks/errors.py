"""What a webhook sender can be told. Codes are part of the provider integration (docs/webhooks.md)."""

from __future__ import annotations

from paylox.errors import ConcurrentModification, DomainError


class IpNotAllowed(DomainError):
    code = "IP_NOT_ALLOWED"
    status = 403
    en = "Requests to this endpoint are accepted from the payment provider's addresses only."
    tr = "Bu uç noktaya yalnızca ödeme sağlayıcısının adreslerinden istek kabul edilir."


class InvalidSignature(DomainError):
    code = "INVALID_SIGNATURE"
    status = 401
    en = "The X-Jetcheckout-Signature header is missing or does not match the request body."
    tr = "X-Jetcheckout-Signature başlığı eksik ya da istek gövdesiyle eşleşmiyor."


class TimestampOutOfWindow(DomainError):
    code = "TIMESTAMP_OUT_OF_WINDOW"
    status = 401
    en = "The signature timestamp is more than {tolerance_seconds} seconds away from our clock."
    tr = "İmza zaman damgası saatimizden {tolerance_seconds} saniyeden fazla uzak."

    def __init__(self, tolerance_seconds: int) -> None:
        super().__init__(tolerance_seconds=tolerance_seconds)


class PayloadTooLarge(DomainError):
    code = "PAYLOAD_TOO_LARGE"
    status = 413
    en = "The event body is larger than {max_bytes} bytes."
    tr = "Olay gövdesi {max_bytes} bayttan büyük."

    def __init__(self, max_bytes: int) -> None:
        super().__init__(max_bytes=max_bytes)


class MalformedEvent(DomainError):
    code = "MALFORMED_JSON"
    status = 400
    en = "The request body is not a valid JSON object."
    tr = "İstek gövdesi geçerli bir JSON nesnesi değil."


class InvalidEvent(DomainError):
    code = "VALIDATION_ERROR"
    status = 422
    en = "The event did not pass validation."
    tr = "Olay doğrulanamadı."

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__(errors=errors)


class EventTypeMismatch(DomainError):
    code = "EVENT_TYPE_MISMATCH"
    status = 400
    en = "Events of type '{event_type}' are not accepted at the '{route}' webhook."
    tr = "'{event_type}' türündeki olaylar '{route}' webhook adresinde kabul edilmez."

    def __init__(self, route: str, event_type: str) -> None:
        super().__init__(route=route, event_type=event_type)


class EventIdReused(DomainError):
    code = "EVENT_ID_REUSED"
    status = 409
    en = "Event {event_id} was already received with a different body."
    tr = "{event_id} olayı daha önce farklı bir gövdeyle alındı."

    def __init__(self, event_id: str) -> None:
        super().__init__(event_id=event_id)


class AmountMismatch(DomainError):
    code = "AMOUNT_MISMATCH"
    status = 422
    en = "The event's amount or currency does not match the transaction ({reason}); it was not applied."
    tr = "Olayın tutarı veya para birimi işlemle eşleşmiyor ({reason}); uygulanmadı."

    def __init__(self, reason: str, delivery_id: str) -> None:
        super().__init__(reason=reason, delivery_id=delivery_id)


#: Every refusal a delivery can get, for the webhook routes' OpenAPI responses.
DELIVERY_ERRORS: tuple[type[DomainError], ...] = (
    MalformedEvent,
    EventTypeMismatch,
    InvalidSignature,
    TimestampOutOfWindow,
    IpNotAllowed,
    EventIdReused,
    ConcurrentModification,
    PayloadTooLarge,
    InvalidEvent,
    AmountMismatch,
)
