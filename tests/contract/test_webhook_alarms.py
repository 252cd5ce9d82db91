"""Internet noise cannot raise an alarm: only allowlisted senders' refusals count towards one."""

from __future__ import annotations

from devstack.stack import dev_stack

RESOURCES = dev_stack().template["Resources"]


def alarms_on(metric: str) -> list[dict[str, object]]:
    return [
        resource["Properties"]
        for resource in RESOURCES.values()
        if resource["Type"] == "AWS::CloudWatch::Alarm" and resource["Properties"].get("MetricName") == metric
    ]


def test_the_rejection_alarm_counts_allowlisted_senders_and_notifies_the_alarm_topic():
    [alarm] = alarms_on("WebhookRejected")

    assert alarm is RESOURCES["WebhookRejectionsAlarm"]["Properties"]
    assert alarm["AlarmActions"] == alarm["OKActions"] == [{"Ref": "AlarmTopic"}]


def test_no_alarm_watches_refusals_from_outside_the_allowlist():
    assert alarms_on("WebhookRefusedOutsideAllowlist") == []
    assert not any(
        "WebhookRefusedOutsideAllowlist" in str(resource["Properties"].get("Metrics", ""))
        for resource in RESOURCES.values()
        if resource["Type"] == "AWS::CloudWatch::Alarm"
    )
