"""Where the database code bypasses SQLAlchemy and talks to asyncpg itself, and why.

A posting is the API's busiest write, and at one posting per request SQLAlchemy's statement
compilation and result machinery cost more CPU than everything else in the request. So the
posting path (and a few other hot statements: stock, the month's posting count, the outbox and
audit rows of a commit) sends SQL text straight to the asyncpg connection SQLAlchemy already
holds, inside SQLAlchemy's transaction. Texts are built once per tenant schema and their shape
never depends on row counts (one array per column), so asyncpg prepares each once per connection.

- `connection.py`: `driver_connection`, the one reader of SQLAlchemy's private attributes
  (canary: tests/platform/test_library_canaries.py).
- `statement_parts.py`: parts of one statement written by different modules (the commit's last
  statement: entry number, outbox rows, audit row), each numbering its parameters from $1.
- `columns.py`: column lists of hand-written INSERTs taken from the SQLAlchemy tables.
- `posting.py`: the journal's statements (`PostingSql`) and their parameters.

Everything else in db/ goes through SQLAlchemy Core.
"""
