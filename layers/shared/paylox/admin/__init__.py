"""The back office: what staff read and do across domains (docs/admin.md)."""
