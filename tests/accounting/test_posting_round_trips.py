"""What one posting costs in round trips to PostgreSQL, pinned: the posting path's statements
are merged on purpose (bench/RESULTS.md, posting throughput), and a change that splits them
again, or makes their number grow with the lines, should be seen."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import asyncpg
import pytest

from tests.accounting.api import Books
from tests.conftest import GraphQLClient, TenantHandle


@contextmanager
def round_trips() -> Iterator[dict[int, list[str]]]:
    """Every statement sent to PostgreSQL meanwhile, per asyncpg connection."""
    sent: dict[int, list[str]] = defaultdict(list)
    connection = asyncpg.connection.Connection
    extended, simple = connection._execute, connection.execute

    async def _execute(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
        sent[id(self)].append(query)
        return await extended(self, query, *args, **kwargs)

    async def execute(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
        if not args:  # with arguments it goes through _execute
            sent[id(self)].append(query)
        return await simple(self, query, *args, **kwargs)

    connection._execute, connection.execute = _execute, execute
    try:
        yield sent
    finally:
        connection._execute, connection.execute = extended, simple


def posting_transaction(sent: dict[int, list[str]]) -> list[str]:
    """The first words of the transaction that inserted the journal lines (later reads of the
    payload may reuse its connection; the relay has its own)."""
    [statements] = [s for s in sent.values() if any("journal_lines" in q for q in s)]
    words = [q.split()[0].upper().rstrip(";") for q in statements]
    return words[: words.index("COMMIT") + 1]


@pytest.mark.parametrize("lines", [2, 40])
async def test_a_posting_is_six_round_trips_whatever_its_lines(
    gql: GraphQLClient, tenant: TenantHandle, lines: int
) -> None:
    books = await Books.open(gql, tenant)
    await books.sale("1.00")  # partitions and statement caches are warm
    debits = [("1110", "debit", "1.00")] * (lines - 1)
    with round_trips() as sent:
        payload = await books.entry([*debits, ("4100", "credit", f"{lines - 1}.00")])
    assert payload["errors"] == [] and payload["journalEntry"]["status"] == "POSTED"
    # BEGIN; currency + accounts + period; header + lines + balances; the month's count;
    # number + outbox + audit row; COMMIT.
    assert posting_transaction(sent) == ["BEGIN", "SELECT", "WITH", "INSERT", "WITH", "COMMIT"]
