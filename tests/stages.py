"""What a deployed stage (staging, prod) must set instead of the dev stack's values: the settings
refuse console SMS and email, the sandbox gateway, the dev scanner, loopback webhooks and localhost
CORS outside dev (docs/operations.md). Tests that build a deployed stage's settings start here."""

DEPLOYED_STAGE_ENVIRONMENT = {
    "SMS_PROVIDER": "twilio",
    "EMAIL_PROVIDER": "ses",
    "PAYMENT_GATEWAY": "jetcheckout",
    "JETCHECKOUT_BASE_URL": "https://api.jetcheckout.example",
    "DOCUMENT_SCANNER": "guardduty",
    "JETCHECKOUT_IP_ALLOWLIST": "192.0.2.0/24",
    "CORS_ALLOW_ORIGINS": "https://app.paylox.com.tr",
}
