"""Banking: bank statements imported into a ledger bank account, and their reconciliation.

A bank account is an existing ledger account of subtype bank or cash, in the company's base
currency (accounts carry no currency of their own). The pure parts live here: the parsed
statement and its balance check (`statement.py`), the matching rules (`matching.py`), the
reconciliation identity (`reconciliation.py`); parsers are in adapters/bank_statements/.
"""
