"""The OTP's budget and provider alarms notify someone: the alarm topic, on alarm and on recovery."""

from __future__ import annotations

import pytest

from devstack.stack import dev_stack

RESOURCES = dev_stack().template["Resources"]


@pytest.mark.parametrize(
    ("metric", "when"),
    [
        ("SmsBudgetExhausted", "the hourly SMS budget refused a code"),
        ("SmsUnavailable", "no provider could send a code"),
        ("SmsProviderFailed", "a provider gave up on a code (the fallback took over)"),
    ],
)
def test_otp_sms_alarms_notify_the_alarm_topic(metric, when):
    [alarm] = [
        resource["Properties"]
        for resource in RESOURCES.values()
        if resource["Type"] == "AWS::CloudWatch::Alarm" and resource["Properties"].get("MetricName") == metric
    ]

    assert {"Name": "service", "Value": "otp"} in alarm["Dimensions"], when
    assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}], when
    assert alarm["OKActions"] == [{"Ref": "AlarmTopic"}], when
