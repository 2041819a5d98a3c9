"""Financial report types: balance sheet, income statement, general ledger.

Comparative periods: every report has `columns` (the first is the requested date or range,
then each `compareTo` in the order given) and every amount row has `amounts`, one per column
in the same order. Amounts are `Money` in the company's base currency. Each report also has a
`csv` field: the same report as CSV text (amounts as plain decimal strings)."""

from __future__ import annotations

from datetime import date

import strawberry

from schema.accounting.types import PeriodError
from schema.limits import bounded_list
from schema.relay import PageInfo
from schema.scalars import Money

# For the query cost estimate: at most 12 columns; a subtype group rarely holds more than 20
# accounts and a section spans at most 10 subtypes (estimates, not limits on the answer).
MAX_COLUMNS = 12
COLUMNS = MAX_COLUMNS
GROUPS = 10
GROUP_LINES = 20


@strawberry.input(description="A date range, both ends included.")
class DateRangeInput:
    from_: date = strawberry.field(name="from")
    to: date


@strawberry.type(description="A report column: a date (balance sheet) or a date range.")
class ReportColumn:
    label: str
    from_: date | None = strawberry.field(name="from")
    to: date


@strawberry.type(description="One account's amounts, one per column (normal-side positive).")
class ReportLine:
    account_id: strawberry.ID | None = strawberry.field(
        description="Null for computed lines (earnings not yet closed)."
    )
    code: str | None
    name: str
    amounts: list[Money] = bounded_list(COLUMNS)


@strawberry.type(description="Accounts of one subtype with their subtotal per column.")
class ReportGroup:
    subtype: str
    title: str
    lines: list[ReportLine] = bounded_list(GROUP_LINES)
    totals: list[Money] = bounded_list(COLUMNS)


@strawberry.type
class ReportSection:
    title: str
    groups: list[ReportGroup] = bounded_list(GROUPS)
    totals: list[Money] = bounded_list(COLUMNS)


@strawberry.type(
    description="Assets = liabilities + equity at each date. Equity includes the current "
    "fiscal year's earnings not yet closed (and any earlier unclosed years' earnings)."
)
class BalanceSheet:
    company_id: strawberry.ID
    currency_code: str
    columns: list[ReportColumn] = bounded_list(COLUMNS)
    assets: ReportSection
    liabilities: ReportSection
    equity: ReportSection
    current_year_earnings: list[Money] = bounded_list(
        COLUMNS,
        description="Net income from the start of the fiscal year containing the column's "
        "date up to that date (already inside equity's totals).",
    )
    total_liabilities_and_equity: list[Money] = bounded_list(COLUMNS)
    balanced: list[bool] = bounded_list(COLUMNS)
    csv: str = strawberry.field(description="The report as CSV text.")


@strawberry.type(
    description="Revenue - cost of sales = gross profit; gross profit - operating expenses "
    "(every other expense) = net income. Year-end closing entries are left out."
)
class IncomeStatement:
    company_id: strawberry.ID
    currency_code: str
    columns: list[ReportColumn] = bounded_list(COLUMNS)
    revenue: ReportSection
    cost_of_sales: ReportSection
    gross_profit: list[Money] = bounded_list(COLUMNS)
    operating_expenses: ReportSection
    net_income: list[Money] = bounded_list(COLUMNS)
    csv: str = strawberry.field(description="The report as CSV text.")


@strawberry.type(description="A posted line of the account, with the balance after it.")
class GeneralLedgerLine:
    date: date
    entry_id: strawberry.ID
    entry_number: str | None
    line_number: int
    description: str | None
    debit: Money
    credit: Money
    running_balance: Money = strawberry.field(description="debit - credit to date.")


@strawberry.type
class GeneralLedgerEdge:
    cursor: str
    node: GeneralLedgerLine


@strawberry.type(
    description="One account's posted lines between two dates (base currency), in date order, "
    "paged with first/after. Balances are debit - credit."
)
class GeneralLedger:
    account_id: strawberry.ID
    code: str
    name: str
    currency_code: str
    from_: date = strawberry.field(name="from")
    to: date
    opening_balance: Money = strawberry.field(description="Everything before `from`.")
    closing_balance: Money = strawberry.field(description="Everything up to `to`.")
    edges: list[GeneralLedgerEdge]
    page_info: PageInfo
    csv: str = strawberry.field(
        description="This page as CSV text (an opening row, the lines, a closing row)."
    )


@strawberry.input
class CloseFiscalYearInput:
    fiscal_year_id: strawberry.ID
    retained_earnings_account_id: strawberry.ID = strawberry.field(
        description="The equity account the year's net income moves to."
    )


@strawberry.type
class CloseFiscalYearPayload:
    closing_entry_id: strawberry.ID | None = strawberry.field(
        description="The posted closing entry (null if the year had no income or expense)."
    )
    closed_periods: int = strawberry.field(description="How many periods the year has.")
    errors: list[PeriodError]
