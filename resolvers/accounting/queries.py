from __future__ import annotations

import base64
import uuid
from datetime import date
from decimal import Decimal

import strawberry

from db.readmodels.accounting import (
    AccountTotals,
    accounts_page,
    entries_page,
    trial_balance,
    years_with_periods,
)
from domain.accounting.model import Side
from resolvers.accounting.report_cache import cached_chart_totals
from resolvers.company.scope import argument_id, enterable_company
from resolvers.errors import bad_input
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
    TrialBalanceLine,
)
from schema.permissions import guarded
from schema.relay import InvalidCursor, PageInfo, clamp_first, decode_cursor, encode_cursor
from schema.scalars import Money

ZERO = Decimal(0)


def _code_cursor(code: str, account_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(f"{code}|{account_id}".encode()).decode()


def _decode_code_cursor(cursor: str) -> tuple[str, uuid.UUID]:
    try:
        code, _, account_id = base64.urlsafe_b64decode(cursor.encode()).decode().rpartition("|")
        return code, uuid.UUID(account_id)
    except (ValueError, UnicodeDecodeError):
        raise bad_input("`after` is not a cursor returned by this API.", "after") from None


def _page_size(first: int | None) -> int:
    try:
        return clamp_first(first)
    except ValueError as exc:
        raise bad_input(str(exc), "first") from None


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
        size = _page_size(first)
        position = _decode_code_cursor(after) if after else None
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
        edges = [AccountEdge(cursor=_code_cursor(a.code, a.id), node=Account.of(a)) for a in page]
        return AccountConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=len(rows) > size,
                has_previous_page=position is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
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
        size = _page_size(first)
        try:
            position = decode_cursor(after) if after else None
        except InvalidCursor as exc:
            raise bad_input(str(exc), "after") from None
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
                cursor=encode_cursor(r["created_at"], r["id"]), node=JournalEntry.from_row(r)
            )
            for r in page
        ]
        return JournalEntryConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=len(rows) > size,
                has_previous_page=position is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
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
        currency, rows = await trial_balance(info.context.tenant_engine, company, as_of)
        if currency is None:
            return None
        lines = []
        total_debit = total_credit = ZERO
        for r in rows:
            net = r.debit - r.credit
            debit, credit = (net, ZERO) if net >= 0 else (ZERO, -net)
            total_debit += debit
            total_credit += credit
            lines.append(
                TrialBalanceLine(
                    account=Account.of(r.account),
                    debit=_money(debit),
                    credit=_money(credit),
                    total_debits=_money(r.debit),
                    total_credits=_money(r.credit),
                )
            )
        return TrialBalance(
            company_id=strawberry.ID(str(company)),
            as_of=as_of,
            currency_code=currency,
            lines=lines,
            total_debit=_money(total_debit),
            total_credit=_money(total_credit),
            balanced=total_debit == total_credit,
        )
