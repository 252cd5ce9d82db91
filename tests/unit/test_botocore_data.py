"""The layer's cut of botocore's data changes nothing a call sees: the same operations, shapes,
endpoints and signing as botocore's own data, for every service the layer uses, in every partition."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import botocore
import botocore.session
import pytest
from botocore.loaders import Loader

from paylox import aws, botocore_data

# Each service's call that goes out first in a function, with parameters that serialise.
CALLS: dict[str, tuple[str, dict[str, Any]]] = {
    "cognito-idp": ("admin_get_user", {"UserPoolId": "eu-central-1_abc", "Username": "u"}),
    "dynamodb": ("get_item", {"TableName": "t", "Key": {"pk": {"S": "a"}}}),
    "events": ("put_events", {"Entries": [{"Source": "s", "DetailType": "d", "Detail": "{}"}]}),
    "lambda": ("invoke", {"FunctionName": "f", "Payload": b"{}"}),
    "s3": ("get_object", {"Bucket": "paylox-documents", "Key": "a/b.pdf"}),
    "ses": ("send_email", {"Source": "a@b.c", "Destination": {}, "Message": {"Subject": {"Data": "s"}, "Body": {}}}),
    "sqs": ("get_queue_url", {"QueueName": "q"}),
    "ssm": ("get_parameter", {"Name": "/paylox/x", "WithDecryption": True}),
}
# One region of each partition the layer's endpoint data keeps.
REGIONS = ("eu-central-1", "us-east-1", "cn-north-1", "us-gov-west-1")


class Sent(Exception):
    """Raised instead of sending: the request as it would have gone out."""

    def __init__(self, request: Any) -> None:
        self.url, self.headers = request.url, dict(request.headers)


def _stop_before_sending(request: Any, **_: Any) -> None:
    raise Sent(request)


@pytest.fixture(scope="module")
def cut(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("botocore-data")
    botocore_data.write(str(directory))
    return directory


@pytest.fixture
def layer_session(cut: Path, monkeypatch: pytest.MonkeyPatch) -> botocore.session.Session:
    monkeypatch.setattr(botocore_data, "DIRECTORY", str(cut))
    session = botocore.session.Session()
    assert botocore_data.install(session)
    return session


@pytest.fixture(autouse=True)
def _real_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    # Resolved as in Lambda: no endpoint override, fixed credentials (nothing is sent).
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_CONFIG_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")


def signing(sent: Sent) -> tuple[str, str]:
    """The credential scope (date left out) and the signed headers of a request's signature."""
    authorization = sent.headers["Authorization"]
    if isinstance(authorization, bytes):
        authorization = authorization.decode()
    found = re.search(r"Credential=[^/]+/\d+/([^,]+), SignedHeaders=([^,]+)", authorization)
    assert found, authorization
    return found.group(1), found.group(2)


def request_of(session: botocore.session.Session, service: str, region: str) -> Sent:
    client = session.create_client(service, region_name=region)
    client.meta.events.register_first("before-send", _stop_before_sending)  # before moto
    operation, params = CALLS[service]
    with pytest.raises(Sent) as sent:
        getattr(client, operation)(**params)
    return sent.value


def test_every_service_of_the_layer_has_a_call_here():
    assert set(CALLS) == set(botocore_data.SERVICES)


@pytest.mark.parametrize("region", REGIONS)
@pytest.mark.parametrize("service", botocore_data.SERVICES)
def test_a_call_goes_to_the_same_endpoint_signed_the_same_way(layer_session, service, region):
    stock = request_of(botocore.session.Session(), service, region)
    layer = request_of(layer_session, service, region)

    assert layer.url == stock.url
    per_request = {"X-Amz-Date", "Authorization", "amz-sdk-invocation-id"}
    signed = {k: v for k, v in stock.headers.items() if k not in per_request}
    assert {k: v for k, v in layer.headers.items() if k in signed} == signed
    # Signed for the same region and service name, over the same headers.
    assert signing(layer) == signing(stock)


@pytest.mark.parametrize("service", botocore_data.SERVICES)
def test_each_model_keeps_every_operation_and_shape_and_drops_only_documentation(cut, service):
    stock = Loader()
    version = stock.determine_latest_version(service, "service-2")
    original = stock.load_data(f"{service}/{version}/service-2")
    written = json.loads((cut / service / version / "service-2.json").read_text())

    assert written["operations"].keys() == original["operations"].keys()
    assert written["shapes"].keys() == original["shapes"].keys()
    assert written == botocore_data._undocumented(original)
    assert "documentation" not in json.dumps([written["operations"], written["shapes"]])
    assert len(json.dumps(written)) < len(json.dumps(original))


def test_the_endpoints_keep_every_partition_and_only_the_layers_services(cut):
    original = Loader().load_data("endpoints")
    written = json.loads((cut / "endpoints.json").read_text())

    assert [p["partition"] for p in written["partitions"]] == [p["partition"] for p in original["partitions"]]
    aws_partition = next(p for p in written["partitions"] if p["partition"] == "aws")
    # SES is "email" in the endpoint data: its endpoint prefix, not its name.
    expected = {"cognito-idp", "dynamodb", "email", "events", "lambda", "s3", "sqs", "ssm"}
    assert set(aws_partition["services"]) == expected
    for cut_partition, partition in zip(written["partitions"], original["partitions"], strict=True):
        assert {k: v for k, v in cut_partition.items() if k != "services"} == {
            k: v for k, v in partition.items() if k != "services"
        }
        for name, entry in cut_partition["services"].items():
            assert entry == partition["services"][name]


def test_data_cut_from_another_botocore_is_not_read(cut, tmp_path, monkeypatch):
    stale = tmp_path / "stale"
    stale.mkdir()
    (stale / "BOTOCORE_VERSION").write_text("1.0.0\n")
    monkeypatch.setattr(botocore_data, "DIRECTORY", str(stale))
    session = botocore.session.Session()

    assert botocore_data.install(session) is False
    assert len(session.get_component("data_loader").list_available_services("service-2")) > 100
    assert request_of(session, "dynamodb", "eu-central-1").url == "https://dynamodb.eu-central-1.amazonaws.com/"


def test_a_directory_cut_halfway_is_not_read(tmp_path, monkeypatch):
    monkeypatch.setattr(botocore_data, "DIRECTORY", str(tmp_path))  # no version written yet

    assert botocore_data.install(botocore.session.Session()) is False


def test_the_layer_makes_no_client_of_a_service_outside_its_data():
    with pytest.raises(ValueError, match=r"'sts' is not in paylox\.botocore_data\.SERVICES"):
        aws.new_client("sts")


def test_the_working_tree_has_the_cut_of_its_own_botocore():
    # `make venv` writes it, as the layer's build does: without it, tests and the bench would
    # measure and exercise botocore's full data instead of what Lambda runs.
    version = Path(botocore_data.DIRECTORY, "BOTOCORE_VERSION").read_text().strip()

    assert version == botocore.__version__
