"""Users: the profile created from the identity token on a user's first authenticated request."""
