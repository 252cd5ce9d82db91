"""Deep health: every dependency a stage uses, checked concurrently with short timeouts.

``HealthCheckFunction`` runs the checks every five minutes (and when ``GET /api/admin/health``
finds no result under 30 seconds old), publishes one metric per dependency and stores the report;
see docs/operations.md.
"""
