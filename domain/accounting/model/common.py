"""Accounting model: what the aggregates share — their names in events, the limits of amounts,
rates, codes and texts, and the error for an action the current state refuses."""

from __future__ import annotations

import re
from decimal import Decimal

from domain.shared.errors import DomainError, ErrorCode
from domain.shared.money import STORAGE_MAX, STORAGE_QUANTUM

ACCOUNT = "Account"
FISCAL_YEAR = "FiscalYear"
FISCAL_PERIOD = "FiscalPeriod"
JOURNAL_ENTRY = "JournalEntry"

ZERO = Decimal(0)
ONE = Decimal(1)
AMOUNT_PLACES = 4
AMOUNT_QUANTUM = STORAGE_QUANTUM
AMOUNT_MAX = STORAGE_MAX  # NUMERIC(19,4)
RATE_PLACES = 10
RATE_QUANTUM = Decimal("1E-10")
RATE_MAX = Decimal("999999999.9999999999")  # NUMERIC(19,10)

CODE_MAX = 20  # VARCHAR(20), the spec's account_code
NAME_MAX = 255
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
REFERENCE_MAX = 100
DESCRIPTION_MAX = 1000
LINE_DESCRIPTION_MAX = 500
MIN_LINES = 2
MAX_LINES = 1000
FISCAL_YEAR_NAME_MAX = 50
MAX_PERIODS = 18  # a first (or changed) financial year may run up to 18 months


def _state_error(message: str, field_name: str | None = "id") -> DomainError:
    return DomainError.single(ErrorCode.INVALID_STATE, message, field_name)
