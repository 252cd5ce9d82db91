"""Personal data at rest (issue 15, identity and data at rest): the buckets that hold it are
encrypted with keys of our own, their access is logged, and the alarm topic is encrypted with a key
CloudWatch may use."""

from __future__ import annotations

from typing import Any

import pytest

from devstack.stack import dev_stack

RESOURCES: dict[str, Any] = dev_stack().template["Resources"]


def _policies(function_id: str) -> list[Any]:
    return list(RESOURCES[function_id]["Properties"].get("Policies") or [])


def _key_statements(key_id: str) -> dict[str, dict[str, Any]]:
    statements = RESOURCES[key_id]["Properties"]["KeyPolicy"]["Statement"]
    flat = [item["Fn::If"][1] if "Fn::If" in item else item for item in statements]
    return {statement["Sid"]: statement for statement in flat}


@pytest.mark.parametrize(("bucket", "key"), [("DocumentsBucket", "DocumentsKey"), ("ExportsBucket", "ExportsKey")])
def test_buckets_of_personal_data_use_a_rotating_key_of_our_own_and_log_access(bucket: str, key: str):
    properties = RESOURCES[bucket]["Properties"]
    [rule] = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]

    assert rule["ServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": {"Fn::GetAtt": [key, "Arn"]},
    }
    assert RESOURCES[key]["Properties"]["EnableKeyRotation"] is True
    assert properties["LoggingConfiguration"]["DestinationBucketName"] == {"Ref": "AccessLogsBucket"}


def test_access_logs_use_s3_managed_keys_and_expire():
    properties = RESOURCES["AccessLogsBucket"]["Properties"]
    [rule] = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    [expiry] = properties["LifecycleConfiguration"]["Rules"]

    # The log delivery cannot write with a customer-managed key.
    assert rule["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
    assert (expiry["Status"], expiry["ExpirationInDays"]) == ("Enabled", {"Ref": "LogRetentionDays"})


def test_every_function_that_reads_or_writes_documents_may_use_their_key():
    bucket_policies = {"DocumentPipelinePolicy", "DocumentObjectsReadPolicy"}
    users = [
        function_id
        for function_id, resource in RESOURCES.items()
        if resource["Type"] == "AWS::Serverless::Function"
        and any(isinstance(p, dict) and p.get("Ref") in bucket_policies for p in _policies(function_id))
    ]

    assert len(users) >= 6
    missing = [fid for fid in users if {"Ref": "DocumentsKeyUsePolicy"} not in _policies(fid)]
    assert missing == []
    exports = ["AdminExportsGetFunction", "AdminExportWorkerFunction"]
    assert [fid for fid in exports if {"Ref": "ExportsKeyUsePolicy"} not in _policies(fid)] == []


def test_the_documents_key_admits_cloudfront_and_guardduty_reads_with_it():
    cloudfront = _key_statements("DocumentsKey")["TheDocumentsDistributionDecryptsWhatItServes"]
    assert (cloudfront["Principal"], cloudfront["Action"]) == ({"Service": "cloudfront.amazonaws.com"}, "kms:Decrypt")
    assert "AWS:SourceArn" in cloudfront["Condition"]["ArnLike"]

    scan_policy = RESOURCES["DocumentsMalwareProtectionRole"]["Properties"]["Policies"][0]["PolicyDocument"]
    [decrypt] = [s for s in scan_policy["Statement"] if s["Sid"] == "DecryptScannedObjects"]
    assert decrypt["Resource"] == {"Fn::GetAtt": ["DocumentsKey", "Arn"]}


def test_the_alarm_topic_is_encrypted_with_a_key_cloudwatch_may_use():
    assert RESOURCES["AlarmTopic"]["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": ["AlarmTopicKey", "Arn"]}
    cloudwatch = _key_statements("AlarmTopicKey")["CloudWatchAlarmsPublishToTheTopic"]
    assert cloudwatch["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert set(cloudwatch["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}
