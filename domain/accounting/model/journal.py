"""Journal entries and their lines: building, validating, balancing in base, posting and
reversing."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal, localcontext
from enum import StrEnum
from typing import Any

from domain.accounting.conversion import balance_by_largest_remainder, to_base
from domain.accounting.events import (
    JOURNAL_ENTRY_CREATED,
    JOURNAL_ENTRY_REVERSED,
    TRANSACTION_POSTED,
)
from domain.accounting.model.accounts import Account
from domain.accounting.model.common import (
    AMOUNT_MAX,
    AMOUNT_PLACES,
    AMOUNT_QUANTUM,
    DESCRIPTION_MAX,
    JOURNAL_ENTRY,
    LINE_DESCRIPTION_MAX,
    MAX_LINES,
    MIN_LINES,
    ONE,
    RATE_MAX,
    RATE_PLACES,
    RATE_QUANTUM,
    REFERENCE_MAX,
    ZERO,
    _state_error,
)
from domain.accounting.model.fiscal import FiscalPeriod
from domain.shared.currency import is_currency_code
from domain.shared.errors import DomainError, ErrorCode, FieldError
from domain.shared.events import RecordedEvent
from domain.shared.money import has_places, money_text


class EntryStatus(StrEnum):
    DRAFT = "draft"
    POSTED = "posted"
    REVERSED = "reversed"


class EntryKind(StrEnum):
    """What made an entry. Only closeFiscalYear makes a closing entry (the reports leave it out
    of the year's income statement); the kind is never taken from user input or text."""

    STANDARD = "standard"
    YEAR_END_CLOSING = "year_end_closing"


@dataclass(frozen=True)
class LineInput:
    """One line as the client sent it (amounts not yet checked)."""

    account_id: uuid.UUID | None
    debit: Decimal | None = None
    credit: Decimal | None = None
    description: str | None = None
    currency_code: str | None = None  # None: the company's base currency
    exchange_rate: Decimal | None = None
    # A foreign line booked at this base amount instead of `amount x rate` (posting rules only:
    # an open item relieved at its carrying amount, a reversal mirroring what was booked).
    booked_base: Decimal | None = None


@dataclass(frozen=True)
class JournalLine:
    line_number: int  # 1-based, in the order given
    account_id: uuid.UUID
    debit: Decimal  # in the line's currency; exactly one of debit/credit is > 0
    credit: Decimal
    currency_code: str
    exchange_rate: Decimal
    base_debit: Decimal  # in the company's base currency
    base_credit: Decimal
    description: str | None = None

    def to_input(self, *, mirrored: bool = False) -> LineInput:
        return LineInput(
            account_id=self.account_id,
            debit=(self.credit if mirrored else self.debit) or None,
            credit=(self.debit if mirrored else self.credit) or None,
            description=self.description,
            currency_code=self.currency_code,
            exchange_rate=self.exchange_rate,
            booked_base=self.base_debit or self.base_credit,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "lineNumber": self.line_number,
            "accountId": str(self.account_id),
            "debit": money_text(self.debit),
            "credit": money_text(self.credit),
            "currencyCode": self.currency_code,
            "exchangeRate": format(self.exchange_rate, "f"),
            "baseDebit": money_text(self.base_debit),
            "baseCredit": money_text(self.base_credit),
            "description": self.description,
        }


def base_amount(amount: Decimal, rate: Decimal, base_currency: str) -> Decimal:
    """`amount x rate` in base currency, rounded half-up to its minor unit (`conversion`)."""
    return to_base(amount, rate, base_currency)


def entry_number(fiscal_year_end: date, sequence: int) -> str:
    return f"{entry_number_prefix(fiscal_year_end)}{sequence:0{ENTRY_NUMBER_DIGITS}d}"


def entry_number_prefix(fiscal_year_end: date) -> str:
    """What every number of the year starts with; the sequence follows, zero-padded to
    ENTRY_NUMBER_DIGITS (more digits once it outgrows them)."""
    return f"JE-{fiscal_year_end.year}-"


ENTRY_NUMBER_DIGITS = 6


@dataclass
class JournalEntry:
    id: uuid.UUID
    company_id: uuid.UUID
    transaction_date: date
    reference: str | None
    description: str | None
    currency_code: str  # the company's base currency
    lines: tuple[JournalLine, ...]
    total_amount: Decimal  # base debits (= base credits)
    status: EntryStatus
    created_at: datetime
    updated_at: datetime
    created_by: uuid.UUID
    entry_number: str | None = None
    fiscal_year_id: uuid.UUID | None = None
    reversal_of: uuid.UUID | None = None
    reversed_by: uuid.UUID | None = None
    posted_at: datetime | None = None
    posted_by: uuid.UUID | None = None
    version: int = 1
    kind: EntryKind = EntryKind.STANDARD
    events: list[RecordedEvent] = field(default_factory=list, repr=False, compare=False)
    # Posted but not yet numbered (see `post`): the year's last day (its number's prefix) and
    # the event payload fields that carry the number once it is drawn.
    numbering_year_end: date | None = field(default=None, repr=False, compare=False)
    _number_slots: list[tuple[dict[str, Any], str]] = field(
        default_factory=list, repr=False, compare=False
    )

    @property
    def label(self) -> str:
        return self.entry_number or f"draft {self.id}"

    @property
    def awaits_number(self) -> bool:
        """Posted, its gapless number still to be drawn (at commit, see `post`)."""
        return self.status is not EntryStatus.DRAFT and self.entry_number is None

    def hold_number_place(self, token: str) -> None:
        """Write `token` where the number will go in the events that name it, for a store that
        draws the number and writes it in the token's place in one statement; `assign_number`
        then gives the entry (and those events) the number itself."""
        if not self.awaits_number:
            raise ValueError(f"journal entry {self.id} does not await a number")
        for payload, key in self._number_slots:
            payload[key] = token

    def assign_number(self, sequence: int) -> str:
        """The number drawn for a posted entry; written into the events that name it."""
        if not self.awaits_number or self.numbering_year_end is None:
            raise ValueError(f"journal entry {self.id} does not await a number")
        self.entry_number = entry_number(self.numbering_year_end, sequence)
        for payload, key in self._number_slots:
            payload[key] = self.entry_number
        self._number_slots.clear()
        return self.entry_number

    @property
    def account_ids(self) -> set[uuid.UUID]:
        return {line.account_id for line in self.lines}

    @classmethod
    def draft(
        cls,
        *,
        company_id: uuid.UUID,
        base_currency: str,
        transaction_date: date,
        reference: str | None,
        description: str | None,
        lines: Sequence[LineInput],
        accounts: Mapping[uuid.UUID, Account],
        actor: uuid.UUID,
        now: datetime,
        entry_id: uuid.UUID | None = None,
        reversal_of: uuid.UUID | None = None,
        date_field: str = "postingDate",
        kind: EntryKind = EntryKind.STANDARD,
    ) -> JournalEntry:
        """A new draft; every invariant but the open period (checked on posting) holds."""
        errors: list[FieldError] = []
        reference = (reference or "").strip() or None
        description = (description or "").strip() or None
        if transaction_date is None:
            errors.append(FieldError(ErrorCode.REQUIRED, "A posting date is required.", date_field))
        if reference is not None and len(reference) > REFERENCE_MAX:
            errors.append(
                FieldError(ErrorCode.INVALID, f"At most {REFERENCE_MAX} characters.", "reference")
            )
        if description is not None and len(description) > DESCRIPTION_MAX:
            errors.append(
                FieldError(
                    ErrorCode.INVALID, f"At most {DESCRIPTION_MAX} characters.", "description"
                )
            )
        if len(lines) < MIN_LINES:
            errors.append(
                FieldError(
                    ErrorCode.INVALID,
                    f"An entry needs at least {MIN_LINES} lines (a debit and a credit); "
                    f"it has {len(lines)}.",
                    "lines",
                )
            )
        elif len(lines) > MAX_LINES:
            errors.append(
                FieldError(ErrorCode.INVALID, f"An entry has at most {MAX_LINES} lines.", "lines")
            )
        built: list[JournalLine] = []
        for index, given in enumerate(lines):
            line, problems = _build_line(index, given, company_id, base_currency, accounts)
            errors.extend(problems)
            if line is not None:
                built.append(line)
        if not errors:
            built = _balanced_in_base(built, lines, base_currency)
            debits = sum((line.base_debit for line in built), ZERO)
            credits = sum((line.base_credit for line in built), ZERO)
            if debits != credits:
                errors.append(
                    FieldError(
                        ErrorCode.UNBALANCED,
                        f"Debits ({money_text(debits)}) and credits ({money_text(credits)}) "
                        "differ by "
                        f"{money_text(abs(debits - credits))} {base_currency}; an entry must "
                        "balance exactly in base currency.",
                        "lines",
                    )
                )
            elif debits > AMOUNT_MAX:
                errors.append(
                    FieldError(ErrorCode.INVALID, "The entry's total is too large.", "lines")
                )
        if errors:
            raise DomainError(errors)
        entry = cls(
            id=entry_id or uuid.uuid4(),
            company_id=company_id,
            transaction_date=transaction_date,
            reference=reference,
            description=description,
            currency_code=base_currency,
            lines=tuple(built),
            total_amount=sum((line.base_debit for line in built), ZERO),
            status=EntryStatus.DRAFT,
            created_at=now,
            updated_at=now,
            created_by=actor,
            reversal_of=reversal_of,
            kind=kind,
        )
        entry.events.append(
            RecordedEvent(JOURNAL_ENTRY_CREATED, JOURNAL_ENTRY, entry.id, entry.snapshot(), now)
        )
        return entry

    def check_postable(
        self,
        period: FiscalPeriod | None,
        accounts: Mapping[uuid.UUID, Account],
        *,
        date_field: str = "postingDate",
    ) -> None:
        """Everything posting needs, before a number is drawn (a drawn number is never lost)."""
        if self.status is not EntryStatus.DRAFT:
            raise _state_error(f"Journal entry {self.label} is already {self.status.value}.")
        if period is None or not period.covers(self.transaction_date):
            raise DomainError.single(
                ErrorCode.PERIOD_CLOSED,
                f"No fiscal period of this company covers {self.transaction_date.isoformat()}; "
                "create its fiscal year first.",
                date_field,
            )
        period.ensure_open_for(self.transaction_date, date_field)
        problems: list[FieldError] = []
        for index, line in enumerate(self.lines):
            problem = _account_problem(index, line.account_id, self.company_id, accounts)
            if problem is not None:
                problems.append(problem)
        if problems:
            raise DomainError(problems)

    def post(
        self,
        *,
        period: FiscalPeriod,
        sequence: int | None,
        accounts: Mapping[uuid.UUID, Account],
        actor: uuid.UUID,
        now: datetime,
        date_field: str = "postingDate",
    ) -> None:
        """Posts the entry. With `sequence` None the number is drawn later (`assign_number`,
        which the store calls right before commit, so the year's number sequence is locked
        for as short a time as possible); the events carry it by then."""
        self.check_postable(period, accounts, date_field=date_field)
        self.status = EntryStatus.POSTED
        if sequence is not None:
            self.entry_number = entry_number(period.fiscal_year_end, sequence)
        else:
            self.numbering_year_end = period.fiscal_year_end
        self.fiscal_year_id = period.fiscal_year_id
        self.posted_at = self.updated_at = now
        self.posted_by = actor
        self.version += 1
        payload = {
            "companyId": str(self.company_id),
            "id": str(self.id),
            "entryNumber": self.entry_number,
            "postingDate": self.transaction_date.isoformat(),
            "fiscalYearId": str(self.fiscal_year_id),
            "currencyCode": self.currency_code,
            "totalAmount": money_text(self.total_amount),
            "lines": [
                {
                    "accountId": str(line.account_id),
                    "baseDebit": money_text(line.base_debit),
                    "baseCredit": money_text(line.base_credit),
                }
                for line in self.lines
            ],
            "version": self.version,
        }
        if self.reversal_of is not None:
            payload["reversalOf"] = str(self.reversal_of)
        if self.entry_number is None:
            self._number_slots.append((payload, "entryNumber"))
        self.events.append(RecordedEvent(TRANSACTION_POSTED, JOURNAL_ENTRY, self.id, payload, now))

    def check_reversible(self) -> None:
        if self.status is EntryStatus.DRAFT:
            raise _state_error(
                f"Journal entry {self.label} is a draft: it was never posted, so there is "
                "nothing to reverse."
            )
        if self.status is EntryStatus.REVERSED:
            raise _state_error(f"Journal entry {self.label} is already reversed.")

    def mirror(
        self,
        *,
        reversal_date: date | None,
        description: str | None,
        accounts: Mapping[uuid.UUID, Account],
        actor: uuid.UUID,
        now: datetime,
    ) -> JournalEntry:
        """The draft of the reversing entry: every line on the other side, same amounts."""
        self.check_reversible()
        return JournalEntry.draft(
            company_id=self.company_id,
            base_currency=self.currency_code,
            transaction_date=reversal_date or self.transaction_date,
            reference=self.reference,
            description=description or f"Reversal of {self.label}",
            lines=[line.to_input(mirrored=True) for line in self.lines],
            accounts=accounts,
            actor=actor,
            now=now,
            reversal_of=self.id,
            date_field="date",
            kind=self.kind,  # undoing a close is part of closing, not the next year's income
        )

    def mark_reversed(self, reversal: JournalEntry, *, now: datetime) -> None:
        self.check_reversible()
        if reversal.status is not EntryStatus.POSTED or reversal.reversal_of != self.id:
            raise ValueError("the reversal must be this entry's posted mirror")
        self.status = EntryStatus.REVERSED
        self.reversed_by = reversal.id
        self.updated_at = now
        self.version += 1
        payload: dict[str, Any] = {
            "companyId": str(self.company_id),
            "id": str(self.id),
            "entryNumber": self.entry_number,
            "reversalId": str(reversal.id),
            "reversalEntryNumber": reversal.entry_number,
            "reversalDate": reversal.transaction_date.isoformat(),
            "version": self.version,
            "changes": {"status": {"before": "POSTED", "after": "REVERSED"}},
        }
        for entry, key in ((self, "entryNumber"), (reversal, "reversalEntryNumber")):
            if entry.entry_number is None:
                entry._number_slots.append((payload, key))
        self.events.append(
            RecordedEvent(JOURNAL_ENTRY_REVERSED, JOURNAL_ENTRY, self.id, payload, now)
        )

    def snapshot(self) -> dict[str, Any]:
        return {
            "companyId": str(self.company_id),
            "id": str(self.id),
            "status": self.status.name,
            "postingDate": self.transaction_date.isoformat(),
            "reference": self.reference,
            "description": self.description,
            "currencyCode": self.currency_code,
            "totalAmount": money_text(self.total_amount),
            "reversalOf": str(self.reversal_of) if self.reversal_of else None,
            "lines": [line.to_json() for line in self.lines],
        }


def _account_problem(
    index: int,
    account_id: uuid.UUID | None,
    company_id: uuid.UUID,
    accounts: Mapping[uuid.UUID, Account],
) -> FieldError | None:
    where = f"lines.{index}.accountId"
    account = accounts.get(account_id) if account_id is not None else None
    # Another company's account reads as unknown: no probing what other companies hold.
    if account is None or account.company_id != company_id:
        return FieldError(ErrorCode.NOT_FOUND, "No such account in this company.", where)
    if not account.is_active:
        return FieldError(
            ErrorCode.INVALID, f"Account {account.label} is inactive: nothing posts to it.", where
        )
    return None


def _amount_problem(value: Decimal, where: str) -> FieldError | None:
    if not value.is_finite():
        return FieldError(ErrorCode.INVALID, "Not a finite amount.", where)
    if value < 0:
        return FieldError(
            ErrorCode.INVALID,
            "Amounts are never negative: put the amount on the other side instead.",
            where,
        )
    if value > AMOUNT_MAX:
        return FieldError(ErrorCode.INVALID, f"At most {AMOUNT_MAX}.", where)
    if not has_places(value, AMOUNT_QUANTUM):
        return FieldError(
            ErrorCode.INVALID,
            f"At most {AMOUNT_PLACES} decimal places ({value} would need rounding).",
            where,
        )
    return None


def _build_line(
    index: int,
    given: LineInput,
    company_id: uuid.UUID,
    base_currency: str,
    accounts: Mapping[uuid.UUID, Account],
) -> tuple[JournalLine | None, list[FieldError]]:
    at = f"lines.{index}"
    problems: list[FieldError] = []
    account_problem = _account_problem(index, given.account_id, company_id, accounts)
    if account_problem is not None:
        problems.append(account_problem)
    amounts_ok = True
    for name, value in (("debit", given.debit), ("credit", given.credit)):
        if value is not None:
            problem = _amount_problem(value, f"{at}.{name}")
            if problem is not None:
                problems.append(problem)
                amounts_ok = False
    debit, credit = given.debit or ZERO, given.credit or ZERO
    if amounts_ok:
        if debit > 0 and credit > 0:
            problems.append(
                FieldError(
                    ErrorCode.INVALID,
                    "A line has a debit or a credit, not both: split it into two lines.",
                    f"{at}.credit",
                )
            )
            amounts_ok = False
        elif debit == 0 and credit == 0:
            problems.append(
                FieldError(
                    ErrorCode.REQUIRED,
                    "A line needs a debit or a credit greater than zero.",
                    f"{at}.debit",
                )
            )
            amounts_ok = False
    currency = (given.currency_code or base_currency).strip().upper()
    rate = given.exchange_rate
    currency_ok = is_currency_code(currency)
    if not currency_ok:
        problems.append(
            FieldError(
                ErrorCode.INVALID,
                f"'{given.currency_code}' is not an ISO 4217 currency code.",
                f"{at}.currencyCode",
            )
        )
    rate_problem: FieldError | None = None
    if currency_ok and currency == base_currency:
        if rate is not None and rate != ONE:
            rate_problem = FieldError(
                ErrorCode.INVALID,
                f"A line in the base currency ({base_currency}) has exchange rate 1.",
                f"{at}.exchangeRate",
            )
        rate = ONE
    elif currency_ok:
        if rate is None:
            rate_problem = FieldError(
                ErrorCode.REQUIRED,
                f"A line in {currency} needs the exchange rate to {base_currency}.",
                f"{at}.exchangeRate",
            )
        elif not rate.is_finite() or rate <= 0 or rate > RATE_MAX:
            rate_problem = FieldError(
                ErrorCode.INVALID,
                f"An exchange rate is greater than 0 and at most {RATE_MAX}.",
                f"{at}.exchangeRate",
            )
        elif not has_places(rate, RATE_QUANTUM):
            rate_problem = FieldError(
                ErrorCode.INVALID,
                f"An exchange rate has at most {RATE_PLACES} decimal places.",
                f"{at}.exchangeRate",
            )
    if rate_problem is not None:
        problems.append(rate_problem)
    description = (given.description or "").strip() or None
    if description is not None and len(description) > LINE_DESCRIPTION_MAX:
        problems.append(
            FieldError(
                ErrorCode.INVALID,
                f"At most {LINE_DESCRIPTION_MAX} characters.",
                f"{at}.description",
            )
        )
    if problems or not amounts_ok or rate is None:
        return None, problems
    side, amount = ("debit", debit) if debit > 0 else ("credit", credit)
    booked = given.booked_base if currency != base_currency else None
    if booked is not None and (booked <= 0 or not has_places(booked, AMOUNT_QUANTUM)):
        return None, [FieldError(ErrorCode.INVALID, "Not a bookable base amount.", f"{at}.{side}")]
    if booked is not None:
        base = booked
    elif currency == base_currency:  # kept exactly as given (4 places), never rounded
        base = amount.quantize(AMOUNT_QUANTUM)
    else:
        base = base_amount(amount, rate, base_currency)
    if base == 0 or base > AMOUNT_MAX:
        reason = "rounds to zero" if base == 0 else "is too large"
        return None, [
            FieldError(
                ErrorCode.INVALID,
                f"{amount} {currency} at {rate} {reason} in {base_currency}.",
                f"{at}.{side}",
            )
        ]
    assert given.account_id is not None  # checked with the account above
    return (
        JournalLine(
            line_number=index + 1,
            account_id=given.account_id,
            debit=debit.quantize(AMOUNT_QUANTUM),
            credit=credit.quantize(AMOUNT_QUANTUM),
            currency_code=currency,
            exchange_rate=rate,
            base_debit=base if debit > 0 else ZERO.quantize(AMOUNT_QUANTUM),
            base_credit=base if credit > 0 else ZERO.quantize(AMOUNT_QUANTUM),
            description=description,
        ),
        [],
    )


def _balanced_in_base(
    built: Sequence[JournalLine], given: Sequence[LineInput], base_currency: str
) -> list[JournalLine]:
    """Lines converted one by one rarely sum exactly: their rounding difference goes to the
    converted lines by largest remainder (`conversion.balance_by_largest_remainder`). Lines in
    base currency and lines with a booked base stay as they are. Left unbalanced (refused by the
    caller) when the difference is not rounding."""
    exact: list[Decimal | None] = []
    rounded: list[Decimal] = []
    for line, source in zip(built, given, strict=True):
        sign = 1 if line.base_debit > 0 else -1
        rounded.append(sign * (line.base_debit or line.base_credit))
        converted = line.currency_code != base_currency and source.booked_base is None
        with localcontext() as ctx:
            ctx.prec = 60
            value = sign * (line.debit or line.credit) * line.exchange_rate
        exact.append(value if converted else None)
    balanced = balance_by_largest_remainder(exact, rounded, base_currency)
    if balanced is None or balanced == rounded:
        return list(built)
    return [
        replace(line, base_debit=value, base_credit=ZERO.quantize(AMOUNT_QUANTUM))
        if value > 0
        else replace(line, base_debit=ZERO.quantize(AMOUNT_QUANTUM), base_credit=-value)
        for line, value in zip(built, balanced, strict=True)
    ]
