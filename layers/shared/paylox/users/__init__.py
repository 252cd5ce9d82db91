"""Users: profiles made when a user registers (Cognito PostConfirmation), checked on every request."""
