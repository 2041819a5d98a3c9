from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import strawberry

from db.readmodels.accounting import (
    AccountTotals,
    accounts_page,
    entries_page,
    years_with_periods,
)
from domain.accounting.model import Side
from resolvers.accounting.trial_balance import trial_balance_report
from resolvers.company.scope import enterable_company
from resolvers.ids import argument_id
from resolvers.report_cache import cached_chart_totals
from schema.accounting.types import (
    Account,
    AccountConnection,
    AccountEdge,
    AccountNode,
    FiscalYear,
    JournalEntry,
    JournalEntryConnection,
    JournalEntryEdge,
    JournalEntryFilter,
    TrialBalance,
)
from schema.cursors import CREATED_AT, NAME
from schema.permissions import guarded
from schema.relay import page_info, page_size
from schema.scalars import Money

ZERO = Decimal(0)


def _money(value: Decimal) -> Money:
    return Money(value.quantize(Decimal("0.0001")))


def _tree(rows: list[AccountTotals]) -> list[AccountNode]:
    """Depth-first, siblings in code order; each node's totals include its descendants'."""
    by_id = {r.account.id: r for r in rows}
    children: dict[uuid.UUID | None, list[AccountTotals]] = {}
    for r in rows:
        parent = r.account.parent_id if r.account.parent_id in by_id else None
        children.setdefault(parent, []).append(r)
    out: list[AccountNode] = []

    def visit(r: AccountTotals, depth: int, path: frozenset[uuid.UUID]) -> tuple[Decimal, Decimal]:
        node_at = len(out)
        out.append(
            AccountNode(
                account=Account.of(r.account),
                depth=depth,
                debit=_money(ZERO),
                credit=_money(ZERO),
                net=_money(ZERO),
                balance=_money(ZERO),
            )
        )
        debit, credit = r.debit, r.credit
        for child in children.get(r.account.id, []):
            if child.account.id not in path:  # (the domain keeps the tree acyclic)
                d, c = visit(child, depth + 1, path | {child.account.id})
                debit, credit = debit + d, credit + c
        net = debit - credit
        node = out[node_at]
        node.debit, node.credit, node.net = _money(debit), _money(credit), _money(net)
        node.balance = _money(net if r.account.normal_side is Side.DEBIT else -net)
        return debit, credit

    for root in children.get(None, []):
        visit(root, 0, frozenset({root.account.id}))
    return out


@strawberry.type
class AccountingQueries:
    @strawberry.field(**guarded("account:read", "A company's accounts in code order."))
    async def accounts(
        self,
        info: strawberry.Info,
        company_id: strawberry.ID,
        first: int | None = 50,
        after: str | None = None,
        include_inactive: bool = True,
    ) -> AccountConnection:
        size = page_size(first)
        position = NAME.decode(after) if after else None
        company = enterable_company(info, company_id)
        rows = (
            await accounts_page(
                info.context.tenant_engine,
                company_id=company,
                first=size,
                after=position,
                include_inactive=include_inactive,
            )
            if company is not None
            else []
        )
        page = rows[:size]
        edges = [AccountEdge(cursor=NAME.encode(a.code, a.id), node=Account.of(a)) for a in page]
        return AccountConnection(
            edges=edges,
            page_info=page_info(edges, len(rows) > size, position is not None),
        )

    @strawberry.field(**guarded("account:read", "One account, or null."))
    async def account(self, info: strawberry.Info, id: strawberry.ID) -> Account | None:
        found = await info.context.loaders.account_by_id.load(argument_id(id, "id"))
        if found is None or not info.context.grants.can_enter(found.company_id):
            return None
        return Account.of(found)

    @strawberry.field(
        **guarded(
            "account:read",
            "The chart of accounts as a tree, each account with its posted totals to date "
            "rolled up to its parents (from the balance read model).",
        )
    )
    async def account_hierarchy(
        self, info: strawberry.Info, company_id: strawberry.ID
    ) -> list[AccountNode]:
        company = enterable_company(info, company_id)
        if company is None:
            return []
        return _tree(await cached_chart_totals(info, company))

    @strawberry.field(**guarded("period:read", "A company's fiscal years and their periods."))
    async def fiscal_years(
        self, info: strawberry.Info, company_id: strawberry.ID
    ) -> list[FiscalYear]:
        company = enterable_company(info, company_id)
        if company is None:
            return []
        return [
            FiscalYear.from_rows(year, periods)
            for year, periods in await years_with_periods(info.context.tenant_engine, company)
        ]

    @strawberry.field(**guarded("journal:read", "A company's journal entries, oldest first."))
    async def journal_entries(
        self,
        info: strawberry.Info,
        company_id: strawberry.ID,
        filter: JournalEntryFilter | None = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> JournalEntryConnection:
        size = page_size(first)
        position = CREATED_AT.decode(after) if after else None
        company = enterable_company(info, company_id)
        rows = (
            await entries_page(
                info.context.tenant_engine,
                company_id=company,
                first=size,
                after=position,
                status=filter.status.value if filter and filter.status else None,
                date_from=filter.date_from if filter else None,
                date_to=filter.date_to if filter else None,
            )
            if company is not None
            else []
        )
        page = rows[:size]
        edges = [
            JournalEntryEdge(
                cursor=CREATED_AT.encode(r["created_at"], r["id"]), node=JournalEntry.from_row(r)
            )
            for r in page
        ]
        return JournalEntryConnection(
            edges=edges,
            page_info=page_info(edges, len(rows) > size, position is not None),
        )

    @strawberry.field(**guarded("journal:read", "One journal entry with its lines, or null."))
    async def journal_entry(self, info: strawberry.Info, id: strawberry.ID) -> JournalEntry | None:
        row = await info.context.loaders.journal_entry_by_id.load(argument_id(id, "id"))
        if row is None or not info.context.grants.can_enter(row["company_id"]):
            return None
        return JournalEntry.from_row(row)

    @strawberry.field(
        **guarded(
            "report:read",
            "Each account's posted totals up to and including `asOf`, as debit or credit "
            "balances in base currency; the columns always add up to the same total.",
        )
    )
    async def trial_balance(
        self, info: strawberry.Info, company_id: strawberry.ID, as_of: date
    ) -> TrialBalance | None:
        company = enterable_company(info, company_id)
        if company is None:
            return None
        return await trial_balance_report(info, company, as_of)
