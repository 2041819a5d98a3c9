"""Financial reports: balance sheet, income statement, general ledger (with CSV and caching).

Each report is first computed as plain JSON-able data (amounts as decimal strings) from the
balance read models, cached in Redis (see `report_cache`), then turned into GraphQL types.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated, Any

import strawberry

from db.readmodels.accounting_reports import Books, books, general_ledger
from domain.accounting.model import Account, AccountSubtype, AccountType
from resolvers import report_cache
from resolvers.company.scope import enterable_company
from resolvers.errors import bad_input
from resolvers.ids import argument_id
from schema.accounting.report_types import (
    MAX_COLUMNS,
    BalanceSheet,
    DateRangeInput,
    GeneralLedger,
    GeneralLedgerEdge,
    GeneralLedgerLine,
    IncomeStatement,
    ReportColumn,
    ReportGroup,
    ReportLine,
    ReportSection,
)
from schema.cursors import LEDGER_LINE
from schema.permissions import guarded
from schema.relay import page_info, page_size
from schema.scalars import Money

ZERO = Decimal(0)
QUANTUM = Decimal("0.0001")
Data = dict[str, Any]


def _s(value: Decimal) -> str:
    return format(value.quantize(QUANTUM), "f")


def _m(value: str) -> Money:
    return Money(Decimal(value))


def _year_start(years: Sequence[tuple[uuid.UUID, date, date]], day: date) -> date:
    """The start of the fiscal year containing `day` (a calendar year if none is defined)."""
    for _, start, end in years:
        if start <= day <= end:
            return start
    return date(day.year, 1, 1)


_SUBTYPE_ORDER = {s.value: i for i, s in enumerate(AccountSubtype)}


def _sections(
    accounts: Sequence[Account],
    amounts: dict[uuid.UUID, list[Decimal]],
    width: int,
    keep: Any,
    title: str,
) -> Data:
    """One section: the kept accounts with a non-zero amount, grouped by subtype."""
    groups: dict[str, list[Data]] = {}
    totals = [ZERO] * width
    for account in accounts:
        values = amounts.get(account.id)
        if not keep(account) or values is None or not any(values):
            continue
        subtype = account.subtype.value if account.subtype else "other"
        groups.setdefault(subtype, []).append(
            {
                "account_id": str(account.id),
                "code": account.code,
                "name": account.name,
                "amounts": [_s(v) for v in values],
            }
        )
        totals = [t + v for t, v in zip(totals, values, strict=True)]
    out = []
    for subtype in sorted(groups, key=lambda s: _SUBTYPE_ORDER.get(s, 999)):
        lines = groups[subtype]
        sub = [sum((Decimal(x["amounts"][i]) for x in lines), ZERO) for i in range(width)]
        out.append(
            {
                "subtype": subtype,
                "title": subtype.replace("_", " ").capitalize(),
                "lines": lines,
                "totals": [_s(v) for v in sub],
            }
        )
    return {"title": title, "groups": out, "totals": [_s(v) for v in totals]}


def _normal(account: Account, net: Decimal) -> Decimal:
    """Debit - credit shown on the account's normal side."""
    return net if account.account_type in (AccountType.ASSET, AccountType.EXPENSE) else -net


_PL = (AccountType.REVENUE, AccountType.EXPENSE)


def _balance_sheet_data(b: Books, dates: list[date]) -> Data:
    width = len(dates)
    starts = [_year_start(b.years, d) for d in dates]
    at_d, before_year = b.nets[:width], b.nets[width:]
    amounts: dict[uuid.UUID, list[Decimal]] = {}
    current, prior = [ZERO] * width, [ZERO] * width
    for account in b.accounts:
        if account.account_type in _PL:
            for i in range(width):
                # earnings = credit - debit of revenue and expense accounts
                total = -at_d[i].get(account.id, ZERO)
                before = -before_year[i].get(account.id, ZERO)
                current[i] += total - before
                prior[i] += before
        else:
            amounts[account.id] = [
                _normal(account, at_d[i].get(account.id, ZERO)) for i in range(width)
            ]
    assets = _sections(
        b.accounts, amounts, width, lambda a: a.account_type is AccountType.ASSET, "Assets"
    )
    liabilities = _sections(
        b.accounts, amounts, width, lambda a: a.account_type is AccountType.LIABILITY, "Liabilities"
    )
    equity = _sections(
        b.accounts, amounts, width, lambda a: a.account_type is AccountType.EQUITY, "Equity"
    )
    earnings_lines = [
        {
            "account_id": None,
            "code": None,
            "name": "Current-year earnings",
            "amounts": [_s(v) for v in current],
        }
    ]
    if any(prior):
        earnings_lines.append(
            {
                "account_id": None,
                "code": None,
                "name": "Prior years' earnings not closed",
                "amounts": [_s(v) for v in prior],
            }
        )
    earnings_total = [c + p for c, p in zip(current, prior, strict=True)]
    equity["groups"].append(
        {
            "subtype": "earnings",
            "title": "Earnings not yet closed",
            "lines": earnings_lines,
            "totals": [_s(v) for v in earnings_total],
        }
    )
    equity_total = [Decimal(t) + e for t, e in zip(equity["totals"], earnings_total, strict=True)]
    equity["totals"] = [_s(v) for v in equity_total]
    l_and_e = [Decimal(lt) + e for lt, e in zip(liabilities["totals"], equity_total, strict=True)]
    return {
        "currency": b.currency,
        "columns": [
            {"label": f"As of {d.isoformat()}", "from": None, "to": d.isoformat()} for d in dates
        ],
        "assets": assets,
        "liabilities": liabilities,
        "equity": equity,
        "current_year_earnings": [_s(v) for v in current],
        "total_liabilities_and_equity": [_s(v) for v in l_and_e],
        "balanced": [Decimal(a) == le for a, le in zip(assets["totals"], l_and_e, strict=True)],
        "year_starts": [s.isoformat() for s in starts],
    }


def _income_statement_data(b: Books, ranges: list[tuple[date, date]]) -> Data:
    width = len(ranges)
    at_end, before_start = b.nets[:width], b.nets[width:]
    amounts: dict[uuid.UUID, list[Decimal]] = {}
    for account in b.accounts:
        if account.account_type in _PL:
            amounts[account.id] = [
                _normal(
                    account,
                    at_end[i].get(account.id, ZERO)
                    - before_start[i].get(account.id, ZERO)
                    - b.closing[i].get(account.id, ZERO),
                )
                for i in range(width)
            ]

    def cos(a: Account) -> bool:
        return a.account_type is AccountType.EXPENSE and a.subtype is AccountSubtype.COST_OF_SALES

    revenue = _sections(
        b.accounts, amounts, width, lambda a: a.account_type is AccountType.REVENUE, "Revenue"
    )
    cost = _sections(b.accounts, amounts, width, cos, "Cost of sales")
    opex = _sections(
        b.accounts,
        amounts,
        width,
        lambda a: a.account_type is AccountType.EXPENSE and not cos(a),
        "Operating expenses",
    )
    gross = [
        Decimal(r) - Decimal(c) for r, c in zip(revenue["totals"], cost["totals"], strict=True)
    ]
    net = [g - Decimal(o) for g, o in zip(gross, opex["totals"], strict=True)]
    return {
        "currency": b.currency,
        "columns": [
            {
                "label": f"{f.isoformat()} to {t.isoformat()}",
                "from": f.isoformat(),
                "to": t.isoformat(),
            }
            for f, t in ranges
        ],
        "revenue": revenue,
        "cost_of_sales": cost,
        "gross_profit": [_s(v) for v in gross],
        "operating_expenses": opex,
        "net_income": [_s(v) for v in net],
    }


# -- CSV -----------------------------------------------------------------------------------------


def _csv(columns: list[Data], sections: list[Data], totals: list[tuple[str, list[str]]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "group", "code", "account", *[c["label"] for c in columns]])
    for section in sections:
        for group in section["groups"]:
            for line in group["lines"]:
                writer.writerow(
                    [
                        section["title"],
                        group["title"],
                        line["code"] or "",
                        line["name"],
                        *line["amounts"],
                    ]
                )
            writer.writerow(
                [section["title"], group["title"], "", f"Total {group['title']}", *group["totals"]]
            )
        writer.writerow([section["title"], "", "", f"Total {section['title']}", *section["totals"]])
    for label, values in totals:
        writer.writerow(["", "", "", label, *values])
    return out.getvalue()


# -- to GraphQL ----------------------------------------------------------------------------------


def _section(d: Data) -> ReportSection:
    return ReportSection(
        title=d["title"],
        totals=[_m(v) for v in d["totals"]],
        groups=[
            ReportGroup(
                subtype=g["subtype"],
                title=g["title"],
                totals=[_m(v) for v in g["totals"]],
                lines=[
                    ReportLine(
                        account_id=strawberry.ID(x["account_id"]) if x["account_id"] else None,
                        code=x["code"],
                        name=x["name"],
                        amounts=[_m(v) for v in x["amounts"]],
                    )
                    for x in g["lines"]
                ],
            )
            for g in d["groups"]
        ],
    )


def _columns(d: Data) -> list[ReportColumn]:
    return [
        ReportColumn(
            label=c["label"],
            from_=date.fromisoformat(c["from"]) if c["from"] else None,
            to=date.fromisoformat(c["to"]),
        )
        for c in d["columns"]
    ]


def _check_width(count: int) -> None:
    if count > MAX_COLUMNS:
        raise bad_input(f"At most {MAX_COLUMNS - 1} comparative periods.", "compareTo")


@strawberry.type
class ReportQueries:
    @strawberry.field(
        **guarded(
            "report:read",
            "Assets, liabilities and equity at `asOf` (and at each `compareTo` date, side by "
            "side), grouped by subtype; equity includes the current year's earnings. Null if "
            "you may not see the company. Cached 15 minutes; any posting refreshes it.",
        )
    )
    async def balance_sheet(
        self,
        info: strawberry.Info,
        company_id: strawberry.ID,
        as_of: date,
        compare_to: list[date] | None = None,
    ) -> BalanceSheet | None:
        company = enterable_company(info, company_id)
        if company is None:
            return None
        dates = [as_of, *(compare_to or [])]
        _check_width(len(dates))

        async def compute() -> Data | None:
            b = await books(
                info.context.tenant_engine,
                company,
                lambda years: [*dates, *(_year_start(years, d) - timedelta(days=1) for d in dates)],
            )
            return _balance_sheet_data(b, dates) if b is not None else None

        data = await report_cache.cached(
            info, company, "balance_sheet", [d.isoformat() for d in dates], compute
        )
        if data is None:
            return None
        sections = [data["assets"], data["liabilities"], data["equity"]]
        return BalanceSheet(
            company_id=strawberry.ID(str(company)),
            currency_code=data["currency"],
            columns=_columns(data),
            assets=_section(data["assets"]),
            liabilities=_section(data["liabilities"]),
            equity=_section(data["equity"]),
            current_year_earnings=[_m(v) for v in data["current_year_earnings"]],
            total_liabilities_and_equity=[_m(v) for v in data["total_liabilities_and_equity"]],
            balanced=data["balanced"],
            csv=_csv(
                data["columns"],
                sections,
                [("Total liabilities and equity", data["total_liabilities_and_equity"])],
            ),
        )

    @strawberry.field(
        **guarded(
            "report:read",
            "Revenue, cost of sales, gross profit, operating expenses and net income between "
            "`from` and `to` (both included), and for each `compareTo` range side by side. "
            "Null if you may not see the company. Cached 15 minutes; any posting refreshes it.",
        )
    )
    async def income_statement(
        self,
        info: strawberry.Info,
        company_id: strawberry.ID,
        from_: Annotated[date, strawberry.argument(name="from")],
        to: date,
        compare_to: list[DateRangeInput] | None = None,
    ) -> IncomeStatement | None:
        company = enterable_company(info, company_id)
        if company is None:
            return None
        ranges = [(from_, to), *((r.from_, r.to) for r in compare_to or [])]
        _check_width(len(ranges))
        for index, (start, end) in enumerate(ranges):
            if start > end:
                field = "from" if index == 0 else f"compareTo.{index - 1}"
                raise bad_input("A range's start is after its end.", field)

        async def compute() -> Data | None:
            b = await books(
                info.context.tenant_engine,
                company,
                lambda _years: [
                    *(e for _, e in ranges),
                    *(s - timedelta(days=1) for s, _ in ranges),
                ],
                ranges,
            )
            return _income_statement_data(b, ranges) if b is not None else None

        data = await report_cache.cached(
            info,
            company,
            "income_statement",
            [[s.isoformat(), e.isoformat()] for s, e in ranges],
            compute,
        )
        if data is None:
            return None
        sections = [data["revenue"], data["cost_of_sales"], data["operating_expenses"]]
        return IncomeStatement(
            company_id=strawberry.ID(str(company)),
            currency_code=data["currency"],
            columns=_columns(data),
            revenue=_section(data["revenue"]),
            cost_of_sales=_section(data["cost_of_sales"]),
            gross_profit=[_m(v) for v in data["gross_profit"]],
            operating_expenses=_section(data["operating_expenses"]),
            net_income=[_m(v) for v in data["net_income"]],
            csv=_csv(
                data["columns"],
                sections,
                [("Gross profit", data["gross_profit"]), ("Net income", data["net_income"])],
            ),
        )

    @strawberry.field(
        **guarded(
            "report:read",
            "One account's posted lines from `from` to `to` with the opening balance (from the "
            "balance read models), a running balance and the closing balance. Null if you may "
            "not see the account.",
        )
    )
    async def general_ledger(
        self,
        info: strawberry.Info,
        account_id: strawberry.ID,
        from_: Annotated[date, strawberry.argument(name="from")],
        to: date,
        first: int | None = 50,
        after: str | None = None,
    ) -> GeneralLedger | None:
        size = page_size(first)
        key = argument_id(account_id, "accountId")
        if from_ > to:
            raise bad_input("`from` is after `to`.", "from")
        position = LEDGER_LINE.decode(after) if after else None
        account = await info.context.loaders.account_by_id.load(key)
        if account is None or not info.context.grants.can_enter(account.company_id):
            return None

        async def compute() -> Data:
            currency, opening, closing, start, page = await general_ledger(
                info.context.tenant_engine, account, from_, to, first=size, after=position
            )
            running = start
            lines = []
            for line in page[:size]:
                running += line.debit - line.credit
                lines.append(
                    {
                        "cursor": LEDGER_LINE.encode(
                            line.transaction_date, line.transaction_id, line.line_number
                        ),
                        "date": line.transaction_date.isoformat(),
                        "entry_id": str(line.transaction_id),
                        "entry_number": line.entry_number,
                        "line_number": line.line_number,
                        "description": line.description,
                        "debit": _s(line.debit),
                        "credit": _s(line.credit),
                        "running": _s(running),
                    }
                )
            return {
                "currency": currency,
                "opening": _s(opening),
                "closing": _s(closing),
                "lines": lines,
                "more": len(page) > size,
            }

        data = await report_cache.cached(
            info,
            account.company_id,
            "general_ledger",
            [str(account.id), from_.isoformat(), to.isoformat(), size, after],
            compute,
        )
        edges = [
            GeneralLedgerEdge(
                cursor=x["cursor"],
                node=GeneralLedgerLine(
                    date=date.fromisoformat(x["date"]),
                    entry_id=strawberry.ID(x["entry_id"]),
                    entry_number=x["entry_number"],
                    line_number=x["line_number"],
                    description=x["description"],
                    debit=_m(x["debit"]),
                    credit=_m(x["credit"]),
                    running_balance=_m(x["running"]),
                ),
            )
            for x in data["lines"]
        ]
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["date", "entry", "line", "description", "debit", "credit", "balance"])
        writer.writerow([from_.isoformat(), "", "", "Opening balance", "", "", data["opening"]])
        for x in data["lines"]:
            writer.writerow(
                [
                    x["date"],
                    x["entry_number"] or "",
                    x["line_number"],
                    x["description"] or "",
                    x["debit"],
                    x["credit"],
                    x["running"],
                ]
            )
        writer.writerow([to.isoformat(), "", "", "Closing balance", "", "", data["closing"]])
        return GeneralLedger(
            account_id=strawberry.ID(str(account.id)),
            code=account.code,
            name=account.name,
            currency_code=data["currency"],
            from_=from_,
            to=to,
            opening_balance=_m(data["opening"]),
            closing_balance=_m(data["closing"]),
            edges=edges,
            page_info=page_info(edges, data["more"], position is not None),
            csv=out.getvalue(),
        )
