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

- `IN_TRANSACTION`: in the command's transaction, before its COMMIT (a read model a command's
  rule reads, or rows that must commit with the event: webhook messages). Implemented in
  `db/projections/`.
- `AFTER_COMMIT`: in the committing process right after its COMMIT; best effort (a crash in
  between skips it). Implemented in `db/effects.py`.
- `ON_PUBLISH`: in the outbox relay, in the Redis pipeline that publishes the event; at least
  once, and before any subscriber can see the event. Implemented in `db/effects.py`.
- `ASYNC`: in a Celery worker, from the outbox; exactly once per (event id, effect) through the
  claim in `processed_events`. Implemented in `workers/handlers/`.

Sub-ledger balances follow one rule: a balance a command's rule reads is exact, so it is
written in that command's transaction — the books' balances and the supplier's balance by the
command handlers through their repositories, the customer's balance as the IN_TRANSACTION effect
of the sales events that carry a `balanceChange`.

An effect's name is stored in `processed_events` (every stage that writes the database claims
by it): never rename one that has run in production.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from domain.accounting import events as accounting
from domain.company.events import COMPANY_CREATED
from domain.identity.events import ACCESS_CHANGES
from domain.sales.events import BALANCE_EVENTS
from domain.webhooks.event_types import BY_DOMAIN_EVENT as WEBHOOK_EVENTS


class Stage(StrEnum):
    IN_TRANSACTION = "in_transaction"
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
        Stage.IN_TRANSACTION,
        "add the event's balanceChange to the customer's balance read model (the next posting's"
        " credit-limit check reads it: a sub-ledger balance a rule reads is exact)",
        BALANCE_EVENTS,
    ),
    Effect(
        "webhooks.messages",
        Stage.IN_TRANSACTION,
        "one webhook message per enabled endpoint subscribed to the event, written by the"
        " commit's final statement: an event and its deliveries commit together; the sender"
        " (workers/webhooks.py) posts them, woken by the relay",
        frozenset(WEBHOOK_EVENTS),
    ),
)


def _by_event(effects: Iterable[Effect]) -> dict[str, tuple[Effect, ...]]:
    table: dict[str, tuple[Effect, ...]] = {}
    for effect in effects:
        for event_type in sorted(effect.events):
            table[event_type] = (*table.get(event_type, ()), effect)
    return table


EFFECTS_BY_EVENT: dict[str, tuple[Effect, ...]] = _by_event(EFFECTS)


@cache  # asked for every event of every commit; the registry never changes
def effects_of(event_type: str, stage: Stage) -> tuple[str, ...]:
    """The names of the effects of `event_type` that run at `stage`, in registry order."""
    return tuple(e.name for e in EFFECTS_BY_EVENT.get(event_type, ()) if e.stage is stage)


def names_at(stage: Stage) -> frozenset[str]:
    return frozenset(e.name for e in EFFECTS if e.stage is stage)
