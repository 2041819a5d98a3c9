"""Audit log types."""
