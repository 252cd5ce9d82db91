"""Dashboard statistics: day buckets aggregated from the tables' streams (docs/admin.md)."""
