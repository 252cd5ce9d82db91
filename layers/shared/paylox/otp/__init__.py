"""One-time passwords by SMS: phone verification and transaction confirmation (docs/otp.md).

``service`` holds the flows (send, resend, verify, status); ``codes`` the code and its keyed hash;
``limits`` the rate limits and the SMS budget; ``blocklist``, ``captcha`` and ``sms`` the defences
and the delivery; ``tokens`` the verification tokens other services require. ``store`` is the only
module that reads or writes the OTP tables (:mod:`.models`).
"""
