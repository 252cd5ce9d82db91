"""Outbound messages to people: email here, SMS in :mod:`paylox.otp.sms`.

Every notifier has one shape (copy ``paylox/disputes/notifications.py``):

1. the bus consumer ``functions/<domain>/notify.py`` parses its EventBridge event with
   :func:`paylox.events.envelope.parse_bus_event` into ``<Domain>Event`` (a
   :class:`~paylox.events.envelope.BusEvent` with a typed ``detail``);
2. ``<domain>/notifications.py`` looks the recipients up (:mod:`paylox.notify.recipients`) and
   plans the emails with a pure ``plan(event, recipients...) -> list[Email]`` whose texts come
   from ``<domain>/emails.py``; each :class:`~paylox.notify.email.Email` carries its key,
   ``<event id>:<template>:<address>``, where the event id is ``detail.event_id`` (the event's own
   id, the same however often it is delivered), never the EventBridge envelope's ``id``;
3. :func:`paylox.notify.once.send_emails` sends each at most once per key.

Staff alerts are one event, :data:`paylox.notify.alerts.ALERT_EVENT`, whatever domain raises them.
"""
