"""Exports of the back office's transaction list as CSV or XLSX files, made by an asynchronous
worker and downloaded by the admin who asked (docs/admin.md, "Exports")."""
