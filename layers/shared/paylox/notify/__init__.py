"""Outbound messages to people: email (SES) here, SMS in :mod:`paylox.otp.sms`."""
