"""PynamoDB's connections share one botocore client per configuration (paylox.db): a function that
touches five models makes one DynamoDB client, not five."""

from __future__ import annotations

from pynamodb.connection import Connection

from paylox import db
from paylox.statistics.store import DayBucket, Totals
from paylox.users.models import UserProfile


def test_the_models_and_the_transactions_share_one_client():
    clients = {
        id(UserProfile._get_connection().connection.client),
        id(DayBucket._get_connection().connection.client),
        id(Totals._get_connection().connection.client),
        id(db.connection().client),
    }

    assert len(clients) == 1


def test_a_connection_configured_otherwise_gets_a_client_of_its_own():
    default = Connection().client
    patient = Connection(read_timeout_seconds=99).client

    assert patient is not default
    assert patient.meta.config.read_timeout == 99
    assert Connection(read_timeout_seconds=99).client is patient


def test_a_client_that_lost_its_credentials_is_made_again():
    connection = Connection(connect_timeout_seconds=7)
    first = connection.client
    first._request_signer._credentials = None  # what botocore caches after a metadata hiccup

    assert Connection(connect_timeout_seconds=7).client is not first
