"""Standard charts of accounts a new company starts with.

The Malaysian SME chart follows the usual layout of Malaysian private-company accounts (MPERS):
four-digit codes, one thousand per type, with the statutory payroll liabilities (EPF, SOCSO,
EIS, PCB) and Sales and Service Tax. Headers (codes ending in 000) group their sub-accounts.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from domain.accounting.model import Account, AccountSubtype, AccountType, ChartOfAccounts


class ChartTemplate(StrEnum):
    MALAYSIAN_SME = "MALAYSIAN_SME"
    EMPTY = "EMPTY"


_A, _L, _E, _R, _X = (
    AccountType.ASSET,
    AccountType.LIABILITY,
    AccountType.EQUITY,
    AccountType.REVENUE,
    AccountType.EXPENSE,
)
S = AccountSubtype

# (code, name, type, subtype, parent code) — parents come before their children.
MALAYSIAN_SME: tuple[tuple[str, str, AccountType, AccountSubtype | None, str | None], ...] = (
    ("1000", "Assets", _A, None, None),
    ("1100", "Current Assets", _A, S.CURRENT_ASSET, "1000"),
    ("1110", "Cash at Bank", _A, S.BANK, "1100"),
    ("1120", "Cash in Hand", _A, S.CASH, "1100"),
    ("1200", "Trade Receivables", _A, S.RECEIVABLE, "1100"),
    ("1210", "Other Receivables and Deposits", _A, S.RECEIVABLE, "1100"),
    ("1220", "Prepayments", _A, S.PREPAYMENT, "1100"),
    ("1230", "Advances to Suppliers", _A, S.PREPAYMENT, "1100"),
    ("1300", "Inventory", _A, S.INVENTORY, "1100"),
    ("1500", "Non-Current Assets", _A, S.NON_CURRENT_ASSET, "1000"),
    ("1510", "Property, Plant and Equipment", _A, S.FIXED_ASSET, "1500"),
    ("1520", "Accumulated Depreciation", _A, S.FIXED_ASSET, "1500"),
    ("2000", "Liabilities", _L, None, None),
    ("2100", "Trade Payables", _L, S.PAYABLE, "2000"),
    ("2110", "Other Payables and Accruals", _L, S.CURRENT_LIABILITY, "2000"),
    ("2120", "Goods Received Not Invoiced", _L, S.CURRENT_LIABILITY, "2000"),
    ("2130", "Advances from Customers", _L, S.CURRENT_LIABILITY, "2000"),
    ("2200", "SST Payable", _L, S.TAX, "2000"),
    ("2210", "Income Tax Payable", _L, S.TAX, "2000"),
    ("2300", "EPF Payable", _L, S.CURRENT_LIABILITY, "2000"),
    ("2310", "SOCSO and EIS Payable", _L, S.CURRENT_LIABILITY, "2000"),
    ("2320", "PCB (Monthly Tax Deduction) Payable", _L, S.CURRENT_LIABILITY, "2000"),
    ("2400", "Amount Due to Directors", _L, S.CURRENT_LIABILITY, "2000"),
    ("2500", "Long-Term Borrowings", _L, S.NON_CURRENT_LIABILITY, "2000"),
    ("2510", "Hire Purchase Payables", _L, S.NON_CURRENT_LIABILITY, "2000"),
    ("3000", "Equity", _E, None, None),
    ("3100", "Share Capital", _E, S.SHARE_CAPITAL, "3000"),
    ("3200", "Retained Earnings", _E, S.RETAINED_EARNINGS, "3000"),
    ("3300", "Dividends Paid", _E, S.OTHER_EQUITY, "3000"),
    ("4000", "Revenue", _R, None, None),
    ("4100", "Sales", _R, S.SALES, "4000"),
    ("4110", "Service Revenue", _R, S.SALES, "4000"),
    ("4120", "Sales Returns and Discounts", _R, S.SALES, "4000"),
    ("4900", "Other Income", _R, S.OTHER_INCOME, "4000"),
    ("4910", "Interest Income", _R, S.OTHER_INCOME, "4900"),
    ("4920", "Foreign Exchange Gain", _R, S.OTHER_INCOME, "4900"),
    ("5000", "Cost of Sales", _X, None, None),
    ("5100", "Purchases", _X, S.COST_OF_SALES, "5000"),
    ("5110", "Cost of Goods Sold", _X, S.COST_OF_SALES, "5000"),
    ("5200", "Freight and Duties Inwards", _X, S.COST_OF_SALES, "5000"),
    ("5300", "Direct Labour", _X, S.COST_OF_SALES, "5000"),
    ("5400", "Inventory Adjustments and Write-offs", _X, S.COST_OF_SALES, "5000"),
    ("6000", "Operating Expenses", _X, None, None),
    ("6100", "Salaries and Wages", _X, S.OPERATING_EXPENSE, "6000"),
    ("6110", "EPF Contributions", _X, S.OPERATING_EXPENSE, "6000"),
    ("6120", "SOCSO and EIS Contributions", _X, S.OPERATING_EXPENSE, "6000"),
    ("6200", "Rent", _X, S.OPERATING_EXPENSE, "6000"),
    ("6300", "Utilities", _X, S.OPERATING_EXPENSE, "6000"),
    ("6400", "Telephone and Internet", _X, S.OPERATING_EXPENSE, "6000"),
    ("6500", "Audit, Accounting and Secretarial Fees", _X, S.OPERATING_EXPENSE, "6000"),
    ("6600", "Depreciation", _X, S.OPERATING_EXPENSE, "6000"),
    ("6700", "Bank Charges", _X, S.OPERATING_EXPENSE, "6000"),
    ("6800", "Foreign Exchange Loss", _X, S.OTHER_EXPENSE, "6000"),
    ("6900", "Income Tax Expense", _X, S.TAX_EXPENSE, "6000"),
)

TEMPLATES = {ChartTemplate.MALAYSIAN_SME: MALAYSIAN_SME, ChartTemplate.EMPTY: ()}


def standard_chart(
    template: ChartTemplate, company_id: uuid.UUID, actor: uuid.UUID, now: datetime
) -> list[Account]:
    """The template's accounts for a new company, checked like any other account.

    They record no AccountCreated events: they come into being with the company, whose
    CompanyCreated event covers them (and a chart of fifty events per company would flood
    every subscriber and handler for nothing).
    """
    chart = ChartOfAccounts(company_id, [])
    ids: dict[str, uuid.UUID] = {}
    out: list[Account] = []
    for code, name, account_type, subtype, parent in TEMPLATES[template]:
        account = chart.open_account(
            code=code,
            name=name,
            account_type=account_type,
            subtype=subtype,
            parent_id=ids[parent] if parent else None,
            actor=actor,
            now=now,
            record_event=False,
        )
        ids[code] = account.id
        out.append(account)
    return out
