"""Queries behind GraphQL reads: they bypass the domain and return plain rows."""
