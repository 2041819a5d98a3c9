"""What follows each event: the one registry of effects.

Domain events recorded by aggregates are the only trigger of side effects. Nothing in a resolver
or a CLI command invalidates, counts or notifies by hand: it commits a command, and the effects
registered here for the events it recorded run at their stage. To see everything that happens
when, say, `InvoicePosted` occurs, read `EFFECTS_BY_EVENT["InvoicePosted"]`
(`tests/platform/test_effects_registry.py` pins the whole table, so adding an effect is a
visible diff).

This module declares; it implements nothing (the domain imports no database or Redis). Each
stage's runner binds names to implementations in its own room and refuses to start when a
declared name has none:

- `AFTER_COMMIT`: in the committing process right after its COMMIT; best effort (a crash in
  between skips it). Implemented in `db/effects.py`.
- `ON_PUBLISH`: in the outbox relay, in the Redis pipeline that publishes the event; at least
  once, and before any subscriber can see the event. Implemented in `db/effects.py`.
- `ASYNC`: in a Celery worker, from the outbox; exactly once per (event id, effect) through the
  claim in `processed_events`. Implemented in `workers/handlers/`.

In-transaction work (the books' balances, the supplier's balance, stock levels) is done by the
command handlers through their repositories, inside the unit of work, and is not an effect: it
is part of the command (see "Sub-ledger balances" in `docs/architecture.md`).

An `ASYNC` effect's name is stored in `processed_events` and `outbox`-handling rows: never rename
one that has run in production.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from domain.accounting import events as accounting
from domain.company.events import COMPANY_CREATED
from domain.identity.events import ACCESS_CHANGES
from domain.sales.events import BALANCE_EVENTS


class Stage(StrEnum):
    AFTER_COMMIT = "after_commit"
    ON_PUBLISH = "on_publish"
    ASYNC = "async"


@dataclass(frozen=True)
class Effect:
    name: str
    stage: Stage
    purpose: str
    events: frozenset[str]


# The company's books changed: cached reports of that company are stale. Postings of every
# context (invoices, payments, receipts, stock adjustments, revaluations, year-end) post their
# entry through `JournalEntry.post`, which records `TransactionPosted`.
BOOKS_POSTED = frozenset({accounting.TRANSACTION_POSTED, accounting.JOURNAL_ENTRY_REVERSED})
# The CSV import records one `JournalImported` per committed batch.
BOOKS_CHANGED = BOOKS_POSTED | {accounting.JOURNAL_IMPORTED}
CHART_CHANGED = frozenset({accounting.ACCOUNT_CREATED, accounting.ACCOUNT_UPDATED})

EFFECTS: tuple[Effect, ...] = (
    Effect(
        "reports.books_changed",
        Stage.AFTER_COMMIT,
        "bump the company's books version: the next report is computed afresh (read-your-writes"
        " for the client that committed)",
        BOOKS_POSTED,
    ),
    Effect(
        "reports.books_imported",
        Stage.ON_PUBLISH,
        "the same bump for the CSV import's batches, committed by a process without the API's"
        " Redis: the relay bumps before trialBalanceChanged subscribers hear of the batch",
        frozenset({accounting.JOURNAL_IMPORTED}),
    ),
    Effect(
        "reports.chart_changed",
        Stage.AFTER_COMMIT,
        "bump the company's chart version: the cached account hierarchy is stale",
        CHART_CHANGED,
    ),
    Effect(
        "access.version",
        Stage.ON_PUBLISH,
        "mark the tenant's cached grants stale before subscribers see the change, so their"
        " re-check cannot read grants from before it",
        ACCESS_CHANGES,
    ),
    Effect(
        "usage.count_company",
        Stage.ASYNC,
        "count the tenant's companies (usage counters)",
        frozenset({COMPANY_CREATED}),
    ),
    Effect(
        "sales.customer_balance",
        Stage.ASYNC,
        "add the event's balanceChange to the customer's balance read model",
        BALANCE_EVENTS,
    ),
)


def _by_event(effects: Iterable[Effect]) -> dict[str, tuple[Effect, ...]]:
    table: dict[str, tuple[Effect, ...]] = {}
    for effect in effects:
        for event_type in sorted(effect.events):
            table[event_type] = (*table.get(event_type, ()), effect)
    return table


EFFECTS_BY_EVENT: dict[str, tuple[Effect, ...]] = _by_event(EFFECTS)


def effects_of(event_type: str, stage: Stage) -> tuple[str, ...]:
    """The names of the effects of `event_type` that run at `stage`, in registry order."""
    return tuple(e.name for e in EFFECTS_BY_EVENT.get(event_type, ()) if e.stage is stage)


def names_at(stage: Stage) -> frozenset[str]:
    return frozenset(e.name for e in EFFECTS if e.stage is stage)
