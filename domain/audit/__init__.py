"""The audit trail: who did what, when and from where, chained so tampering shows."""
