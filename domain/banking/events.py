"""Event types the banking context emits."""

# A bank statement was imported (its lines stored, auto-matched): webhooks and subscribers hear
# of it; the lines and matches are read through the API (the event stays thin).
BANK_STATEMENT_IMPORTED = "BankStatementImported"
ALL = (BANK_STATEMENT_IMPORTED,)
