"""Test harness shared by every tier.

The environment is fixed here, before any test module imports a handler: fake AWS credentials,
moto started for the whole session (a client made when a handler module is imported, as
Powertools' idempotency layer made its own, must already talk to moto), and the functions' environment
resolved from ``template.yaml`` exactly as the dev stack resolves it, with the dev stack's movable
clock (``devstack.dev_clock``) installed, so tests move time the way ``POST /_dev/clock`` does.
"""

from __future__ import annotations

import os

os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_SESSION_TOKEN="testing",
    AWS_REGION="eu-central-1",
    AWS_DEFAULT_REGION="eu-central-1",
    POWERTOOLS_TRACE_DISABLED="true",
    POWERTOOLS_METRICS_DISABLED="true",
    POWERTOOLS_LOG_LEVEL="WARNING",
)
os.environ.pop("AWS_ENDPOINT_URL", None)  # tests talk to moto in process, never to a server

from moto import mock_aws

from bench import aws_calls
from devstack.moto_atomic import make_dynamodb_atomic

aws_calls.install()  # before any client exists: tests count round trips (bench/aws_calls.py)

make_dynamodb_atomic()
_moto = mock_aws()
_moto.start()

from devstack import dev_clock  # noqa: E402
from devstack.stack import dev_stack  # noqa: E402

os.environ.update(dev_stack().environment())
dev_clock.install()
