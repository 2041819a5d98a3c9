"""Clients of outside systems (webhook receivers, rate feeds, MyInvois), behind domain ports.

Each is a plain async class tested against a local server that speaks the real protocol.
"""
