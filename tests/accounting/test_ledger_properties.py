"""Property: whatever sequence of creates, posts and reversals users send — good or bad — the
books keep every invariant. Runs the real handlers against the real database (each example in
a fresh company) and compares the database with a simple model of what should have happened:

- the trial balance balances (debits = credits);
- each account's read-model balance (monthly and daily) equals the sum of its posted lines,
  and equals what the model expects;
- a reversed entry and its reversal net to zero on every account;
- entry numbers run 1..n without gaps; refused commands change nothing.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from db.readmodels.accounting import trial_balance
from db.unit_of_work import SqlUnitOfWork
from domain.accounting import handlers
from domain.accounting.commands import (
    ClosePeriod,
    CreateFiscalYear,
    CreateJournalEntry,
    PostJournalEntry,
    ReverseJournalEntry,
)
from domain.accounting.model import LineInput
from domain.company.commands import CreateCompany
from domain.company.handlers import create_company
from domain.identity.access import AccessGrants, Permission
from domain.identity.plans import plan_named
from domain.shared.errors import DomainError
from domain.shared.events import EventMetadata, EventOrigin
from tests.conftest import LiveServer, TenantHandle

CODES = ("1110", "1200", "2100", "4100", "6200", "3100")
OPEN_MONTHS = (1, 3, 4, 5)  # February is closed before the sequence runs
ZERO = Decimal(0)

amounts = st.decimals(
    min_value=Decimal("0.0001"), max_value=Decimal("99999999.9999"), places=4
).filter(lambda d: d > 0)
days = st.builds(date, st.just(2026), st.sampled_from((*OPEN_MONTHS, 2)), st.integers(1, 28))
mostly = st.sampled_from((True, True, True, False))  # mostly true: most entries get posted
rarely = st.sampled_from((False, False, False, False, True))
pairs = st.lists(
    st.tuples(st.sampled_from(CODES), st.sampled_from(CODES), amounts), min_size=1, max_size=3
)
create = st.tuples(st.just("create"), pairs, days, mostly, rarely)  # ..., post?, unbalanced?
post = st.tuples(st.just("post"), st.integers(0, 50))
reverse = st.tuples(st.just("reverse"), st.integers(0, 50), st.one_of(st.none(), days))
operations = st.lists(st.one_of(create, create, post, reverse), min_size=3, max_size=12)


@dataclass
class Model:
    """What the books should hold: per entry its status and per-account net effect."""

    entries: list[uuid.UUID] = field(default_factory=list)
    status: dict[uuid.UUID, str] = field(default_factory=dict)
    effect: dict[uuid.UUID, dict[uuid.UUID, Decimal]] = field(default_factory=dict)
    day: dict[uuid.UUID, date] = field(default_factory=dict)
    net: dict[uuid.UUID, Decimal] = field(default_factory=lambda: defaultdict(Decimal))

    def book(self, entry: uuid.UUID) -> None:
        for account, amount in self.effect[entry].items():
            self.net[account] += amount


class Ledger:
    def __init__(self, live: LiveServer, tenant: TenantHandle) -> None:
        services = live.services
        self.engine: AsyncEngine = services.engines.for_schema(tenant.schema)
        self.cipher = services.cipher
        self.tenant = tenant
        self.grants = AccessGrants(
            user_id=tenant.admin_id, tenant_permissions=(Permission.of("*:*"),), all_companies=True
        )

    def origin(self) -> EventOrigin:
        request = uuid.uuid4().hex
        return EventOrigin(
            tenant_id=self.tenant.id,
            user_id=self.tenant.admin_id,
            correlation_id=request,
            metadata=EventMetadata(source="property-test", request_id=request),
        )

    async def run(self, handler: Any, command: Any, **options: Any) -> Any:
        origin = self.origin()
        uow = SqlUnitOfWork(self.engine, origin, cipher=self.cipher)
        return await handler(command, uow, origin, self.grants, **options)

    async def new_company(self) -> tuple[uuid.UUID, dict[str, uuid.UUID]]:
        company = await self.run(
            create_company,
            CreateCompany(name="Property Sdn Bhd", currency_code="MYR"),
            limits=plan_named("enterprise").limits,
        )
        year = await self.run(
            handlers.create_fiscal_year,
            CreateFiscalYear(company_id=company.id, start_date=date(2026, 1, 1)),
        )
        await self.run(handlers.close_period, ClosePeriod(period_id=year.periods[1].id))
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                text(
                    f'SELECT account_code, id FROM "{self.tenant.schema}".chart_of_accounts '
                    "WHERE company_id = :c"
                ),
                {"c": company.id},
            )
            accounts = {code: account_id for code, account_id in rows}
        return company.id, accounts


def lines_of(
    pairs: list[tuple[str, str, Decimal]], accounts: dict[str, uuid.UUID], unbalanced: bool
) -> tuple[LineInput, ...]:
    out: list[LineInput] = []
    for debit, credit, amount in pairs:
        out.append(LineInput(accounts[debit], debit=amount))
        out.append(LineInput(accounts[credit], credit=amount))
    if unbalanced:
        last = out[-1]
        out[-1] = LineInput(last.account_id, credit=(last.credit or ZERO) + Decimal("0.0001"))
    return tuple(out)


def effect_of(lines: tuple[LineInput, ...]) -> dict[uuid.UUID, Decimal]:
    out: dict[uuid.UUID, Decimal] = defaultdict(Decimal)
    for line in lines:
        assert line.account_id is not None
        out[line.account_id] += (line.debit or ZERO) - (line.credit or ZERO)
    return out


async def apply(
    ledger: Ledger,
    company: uuid.UUID,
    accounts: dict[str, uuid.UUID],
    model: Model,
    op: tuple[Any, ...],
) -> None:
    if op[0] == "create":
        _, pairs, day, post_it, unbalanced = op
        lines = lines_of(pairs, accounts, unbalanced)
        command = CreateJournalEntry(
            company_id=company, transaction_date=day, lines=lines, post=post_it
        )
        refused = unbalanced or (post_it and day.month == 2)
        try:
            entry = await ledger.run(handlers.create_journal_entry, command)
        except DomainError as exc:
            assert refused, exc.errors
            expected = "UNBALANCED" if unbalanced else "PERIOD_CLOSED"
            assert expected in {e.code.value for e in exc.errors}
            return
        assert not refused
        model.entries.append(entry.id)
        model.status[entry.id] = "posted" if post_it else "draft"
        model.effect[entry.id] = effect_of(lines)
        model.day[entry.id] = day
        if post_it:
            model.book(entry.id)
        return
    if not model.entries:
        return
    target = model.entries[op[1] % len(model.entries)]
    if op[0] == "post":
        ok = model.status[target] == "draft" and model.day[target].month != 2
        try:
            await ledger.run(handlers.post_journal_entry, PostJournalEntry(entry_id=target))
        except DomainError as exc:
            assert not ok, exc.errors
            return
        assert ok
        model.status[target] = "posted"
        model.book(target)
        return
    when = op[2] or model.day[target]
    ok = model.status[target] == "posted" and when.month != 2
    try:
        _, mirror = await ledger.run(
            handlers.reverse_journal_entry,
            ReverseJournalEntry(entry_id=target, reversal_date=op[2]),
        )
    except DomainError as exc:
        assert not ok, exc.errors
        return
    assert ok
    model.status[target] = "reversed"
    model.entries.append(mirror.id)
    model.status[mirror.id] = "posted"
    model.effect[mirror.id] = {a: -v for a, v in model.effect[target].items()}
    model.day[mirror.id] = when
    model.book(mirror.id)


async def check(ledger: Ledger, company: uuid.UUID, model: Model) -> None:
    s = ledger.tenant.schema
    async with ledger.engine.connect() as conn:
        lines = {
            r.account_id: (r.debit, r.credit)
            for r in await conn.execute(
                text(
                    f"SELECT l.account_id, sum(l.base_debit) AS debit, "
                    f'sum(l.base_credit) AS credit FROM "{s}".journal_lines l '
                    f'JOIN "{s}".transactions t ON t.id = l.transaction_id '
                    "WHERE t.company_id = :c AND t.status IN ('posted', 'reversed') "
                    "GROUP BY l.account_id"
                ),
                {"c": company},
            )
        }
        monthly = {
            r.account_id: (r.debit, r.credit)
            for r in await conn.execute(
                text(
                    f"SELECT account_id, sum(debit_total) AS debit, sum(credit_total) AS credit "
                    f'FROM "{s}".account_balances WHERE company_id = :c GROUP BY account_id'
                ),
                {"c": company},
            )
        }
        daily = {
            r.account_id: (r.debit, r.credit)
            for r in await conn.execute(
                text(
                    f"SELECT account_id, sum(debit_total) AS debit, sum(credit_total) AS credit "
                    f'FROM "{s}".account_daily_balances WHERE company_id = :c '
                    "GROUP BY account_id"
                ),
                {"c": company},
            )
        }
        entries = (
            await conn.execute(
                text(
                    f'SELECT id, status, entry_number, reversal_of, reversed_by FROM "{s}".'
                    "transactions WHERE company_id = :c"
                ),
                {"c": company},
            )
        ).all()

    # Read models = lines, both granularities; and = the model's expectation.
    assert monthly == lines == daily
    for account, (debit, credit) in lines.items():
        assert debit - credit == model.net[account], account
    for account, net in model.net.items():
        if net != 0:
            assert account in lines
    # Trial balance balances (and is served from the read model).
    _, rows = await trial_balance(ledger.engine, company, date(2026, 12, 31))
    assert sum(r.debit for r in rows) == sum(r.credit for r in rows)
    assert {r.account.id: (r.debit, r.credit) for r in rows} == lines
    # Statuses as the model says; every reversal pairs with its original and nets to zero.
    assert {r.id: r.status for r in entries} == model.status
    by_id = {r.id: r for r in entries}
    for r in entries:
        if r.status == "reversed":
            mirror = by_id[r.reversed_by]
            assert mirror.reversal_of == r.id and mirror.status in ("posted", "reversed")
            combined: dict[uuid.UUID, Decimal] = defaultdict(Decimal)
            for e in (r.id, mirror.id):
                for account, amount in model.effect[e].items():
                    combined[account] += amount
            assert set(combined.values()) <= {ZERO}
    # Gapless numbering of what was posted.
    numbers = sorted(int(r.entry_number.rsplit("-", 1)[1]) for r in entries if r.entry_number)
    assert numbers == list(range(1, len(numbers) + 1))
    assert all(r.entry_number is None for r in entries if r.status == "draft")


@pytest.fixture(scope="module")
async def ledger(live_server: LiveServer, make_tenant: Any) -> Ledger:
    """One tenant for every example; each example opens a company of its own."""
    return Ledger(live_server, await make_tenant("prop", plan="enterprise"))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=operations)
async def test_random_sequences_keep_every_invariant(
    ledger: Ledger, ops: list[tuple[Any, ...]]
) -> None:
    company, accounts = await ledger.new_company()
    model = Model()
    for op in ops:
        await apply(ledger, company, accounts, model, op)
    await check(ledger, company, model)
