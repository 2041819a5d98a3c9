"""Webhooks: what BigLedger sends to outside systems, signed as the Standard Webhooks spec says.

The pure parts live here (signing, the event catalogue, what an attempt's outcome means, the
per-endpoint circuit breaker, the endpoint URL policy); tables, worker and GraphQL build on them.
"""
