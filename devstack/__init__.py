"""The dev stack: the whole Paylox system on one machine, no Docker and no AWS account.

It reads ``template.yaml`` (the single source of truth), creates every table, bus, queue and bucket
in an embedded moto server, and serves the HTTP API by turning requests into HTTP API v2.0 events
for the same handler modules Lambda runs. Tests reuse its template reader and provisioning.
"""
