"""Documents: identity papers, invoices and dispute evidence, uploaded to S3, validated on their
bytes, scanned for malware, served through short-lived links and audited on every access.

The upload pipeline, in order: :mod:`.service` (requests), :mod:`.storage` (S3 keys and
presigned URLs), :mod:`.processing` (validation of the stored object, previews, scanning),
:mod:`.cleanup` (the scheduled sweep). See docs/documents.md for the client's view.
"""
