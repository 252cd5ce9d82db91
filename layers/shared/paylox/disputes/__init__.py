"""Disputes: a party's complaint about a funded transaction, from opening to resolution.

While a dispute is open the transaction is ``DISPUTED`` (its money frozen); every waiting state
has an owner and a deadline (:mod:`paylox.disputes.sla`), and every step is on the timeline, in
the audit log and announced on the event bus for the notification function.
"""
