"""Audit log: queries and the recording of every mutation."""
