"""Telling the admins that something needs a person: one event name, whatever domain raises it.

A publisher puts ``AdminAlert`` on the bus with its own source (``paylox.<domain>``) and a
``detail.kind`` saying what happened (``AMOUNT_MISMATCH``, ...) beside the facts to act on; the
notifier subscribed to that source's alerts emails ``ADMIN_NOTIFICATION_EMAILS``, parsing it as
:class:`~paylox.notify.alert_event.AlertEvent` (apart: a publisher needs the name, not the parser).
"""

from __future__ import annotations

ALERT_EVENT = "AdminAlert"
