"""Accounts, fiscal years and periods, journal entries: the aggregates and their invariants.

Money is Decimal end to end. Amounts have at most 4 decimal places (NUMERIC(19,4)); an amount
that would need rounding is refused, never rounded. A line in a foreign currency carries an
exchange rate; its base-currency amount is `amount x rate` rounded half-up to the base
currency's minor unit, any rounding difference between lines taken up by largest remainder
(`domain.accounting.conversion`), and an entry balances when its base debits equal its base
credits exactly.

Errors name the input field at fault as the client spelled it: `lines.2.debit` is the third
line's debit (lines are numbered from 0, as the client's list is).
"""

from __future__ import annotations

from domain.accounting.model.accounts import (
    ACCOUNT_FIELDS,
    SUBTYPE_TYPE,
    Account,
    AccountSubtype,
    AccountType,
    ChartOfAccounts,
    Side,
)
from domain.accounting.model.common import (
    ACCOUNT,
    AMOUNT_MAX,
    AMOUNT_PLACES,
    AMOUNT_QUANTUM,
    CODE_MAX,
    CODE_PATTERN,
    DESCRIPTION_MAX,
    FISCAL_PERIOD,
    FISCAL_YEAR,
    FISCAL_YEAR_NAME_MAX,
    JOURNAL_ENTRY,
    LINE_DESCRIPTION_MAX,
    MAX_LINES,
    MAX_PERIODS,
    MIN_LINES,
    NAME_MAX,
    ONE,
    RATE_MAX,
    RATE_PLACES,
    RATE_QUANTUM,
    REFERENCE_MAX,
    ZERO,
)
from domain.accounting.model.fiscal import (
    FiscalPeriod,
    FiscalYear,
    PeriodStatus,
    add_months,
    month_start,
)
from domain.accounting.model.journal import (
    ENTRY_NUMBER_DIGITS,
    EntryKind,
    EntryStatus,
    JournalEntry,
    JournalLine,
    LineInput,
    base_amount,
    entry_number,
    entry_number_prefix,
)

__all__ = [
    "ACCOUNT",
    "ACCOUNT_FIELDS",
    "AMOUNT_MAX",
    "AMOUNT_PLACES",
    "AMOUNT_QUANTUM",
    "CODE_MAX",
    "CODE_PATTERN",
    "DESCRIPTION_MAX",
    "ENTRY_NUMBER_DIGITS",
    "FISCAL_PERIOD",
    "FISCAL_YEAR",
    "FISCAL_YEAR_NAME_MAX",
    "JOURNAL_ENTRY",
    "LINE_DESCRIPTION_MAX",
    "MAX_LINES",
    "MAX_PERIODS",
    "MIN_LINES",
    "NAME_MAX",
    "ONE",
    "RATE_MAX",
    "RATE_PLACES",
    "RATE_QUANTUM",
    "REFERENCE_MAX",
    "SUBTYPE_TYPE",
    "ZERO",
    "Account",
    "AccountSubtype",
    "AccountType",
    "ChartOfAccounts",
    "EntryKind",
    "EntryStatus",
    "FiscalPeriod",
    "FiscalYear",
    "JournalEntry",
    "JournalLine",
    "LineInput",
    "PeriodStatus",
    "Side",
    "add_months",
    "base_amount",
    "entry_number",
    "entry_number_prefix",
    "month_start",
]
