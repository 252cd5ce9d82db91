"""Payment webhooks from Jetcheckout: verified, deduplicated, stored, then applied to transactions.

``signature`` and ``allowlist`` are the pure checks, ``rules`` the pure decision of what an event
means for a transaction, ``store`` the DynamoDB side (deliveries, event-id claims) and ``service``
the order in which it all happens. The scheme for the provider is in docs/webhooks.md.
"""
