"""Identity & Access: tenants' users, sign-in, tokens."""
