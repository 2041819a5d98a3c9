"""Clients of exchange-rate sources (the connector's PullSource): Bank Negara Malaysia's shape."""
