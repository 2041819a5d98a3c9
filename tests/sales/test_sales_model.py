"""Pure domain rules: SST line tax and its rounding, aging buckets, line pricing, and the
posting rules balancing in base currency whatever the exchange rate."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

from hypothesis import assume, given
from hypothesis import strategies as st

from domain.accounting.model import base_amount
from domain.sales.model import (
    AccountRole,
    Customer,
    DocumentKind,
    DocumentStatus,
    SalesAccounts,
    SalesDocument,
    credit_note_entry_lines,
    invoice_entry_lines,
    price_line,
)
from domain.shared.aging import AgingBucket, bucket, overdue_days, today_in
from domain.tax.model import DEFAULT_CODES, TaxCode, TaxRounding, default_codes_for, line_tax

COMPANY = uuid.uuid4()
NOW = datetime(2026, 3, 1, tzinfo=UTC)
ACCOUNTS = SalesAccounts({role: uuid.uuid4() for role in AccountRole})


def _code(rate: str, code: str = "X") -> TaxCode:
    return TaxCode(uuid.uuid4(), COMPANY, code, code, Decimal(rate), None)


def test_default_sst_codes() -> None:
    assert {(c.code, c.rate) for c in DEFAULT_CODES} == {
        ("SST10", 10),
        ("SST5", 5),
        ("SVC8", 8),
        ("SVC6", 6),
        ("EX", 0),
    }
    seeded = default_codes_for(COMPANY)
    assert all(c.company_id == COMPANY and c.is_active and c.account_id is None for c in seeded)


def test_line_tax_rounding_modes() -> None:
    six = _code("6")
    # 0.75 x 6 % = 0.045: half-up 0.05, half-even 0.04, down 0.04
    assert line_tax(Decimal("0.75"), six) == Decimal("0.05")
    assert line_tax(Decimal("0.75"), six, TaxRounding.HALF_EVEN) == Decimal("0.04")
    assert line_tax(Decimal("0.75"), six, TaxRounding.DOWN) == Decimal("0.04")
    assert line_tax(Decimal("-0.75"), six) == Decimal("-0.05")  # a credit mirrors its invoice
    assert line_tax(Decimal("100"), _code("0")) == 0
    assert line_tax(Decimal("100"), None) == 0


def test_aging_buckets() -> None:
    today = date(2026, 6, 30)
    cases = {
        date(2026, 7, 1): (0, AgingBucket.CURRENT),
        date(2026, 6, 30): (0, AgingBucket.CURRENT),
        date(2026, 6, 29): (1, AgingBucket.DAYS_1_30),
        date(2026, 5, 31): (30, AgingBucket.DAYS_1_30),
        date(2026, 5, 30): (31, AgingBucket.DAYS_31_60),
        date(2026, 5, 1): (60, AgingBucket.DAYS_31_60),
        date(2026, 4, 30): (61, AgingBucket.DAYS_61_90),
        date(2026, 4, 1): (90, AgingBucket.DAYS_61_90),
        date(2026, 3, 31): (91, AgingBucket.OVER_90),
    }
    for due, (days, expected) in cases.items():
        assert (overdue_days(due, today), bucket(due, today)) == (days, expected), due


def test_today_in_the_tenants_timezone() -> None:
    late_evening_utc = datetime(2026, 3, 1, 20, 0, tzinfo=UTC)  # 04:00 next day in KL
    assert today_in("Asia/Kuala_Lumpur", late_evening_utc) == date(2026, 3, 2)
    assert today_in("America/New_York", late_evening_utc) == date(2026, 3, 1)
    assert today_in("Not/AZone", late_evening_utc) == date(2026, 3, 1)


def test_price_line_discount_then_tax_in_minor_units() -> None:
    line = price_line(
        line_number=1,
        currency="MYR",
        product_id=None,
        description="x",
        quantity=Decimal("3"),
        unit_price=Decimal("33.3333"),
        discount_percent=Decimal("12.5"),
        tax=_code("10"),
        rounding=TaxRounding.HALF_UP,
        revenue_account_id=None,
        warehouse_id=None,
        is_stocked=False,
    )
    assert (line.net_amount, line.tax_amount, line.line_total) == (
        Decimal("87.50"),
        Decimal("8.75"),
        Decimal("96.25"),
    )
    yen = price_line(
        line_number=1,
        currency="JPY",
        product_id=None,
        description="x",
        quantity=Decimal("1"),
        unit_price=Decimal("999.5"),
        discount_percent=Decimal(0),
        tax=None,
        rounding=TaxRounding.HALF_UP,
        revenue_account_id=None,
        warehouse_id=None,
        is_stocked=False,
    )
    assert yen.net_amount == Decimal("1000")


def _document(nets: list[Decimal], rate: Decimal, currency: str) -> SalesDocument:
    customer = Customer.create(
        company_id=COMPANY,
        values={"code": "C", "name": "C", "currency_code": currency},
        actor=uuid.uuid4(),
        now=NOW,
    )
    lines = [
        price_line(
            line_number=i + 1,
            currency=currency,
            product_id=None,
            description="x",
            quantity=Decimal(1),
            unit_price=net,
            discount_percent=Decimal(0),
            tax=_code("8"),
            rounding=TaxRounding.HALF_UP,
            revenue_account_id=ACCOUNTS[AccountRole.SERVICE if i % 2 else AccountRole.SALES],
            warehouse_id=None,
            is_stocked=False,
        )
        for i, net in enumerate(nets)
    ]
    return SalesDocument.new(
        kind=DocumentKind.INVOICE,
        company_id=COMPANY,
        customer=customer,
        issue_date=date(2026, 3, 1),
        due_date=None,
        currency_code=currency,
        exchange_rate=rate,
        lines=lines,
        status=DocumentStatus.DRAFT,
        actor=uuid.uuid4(),
        now=NOW,
        base_currency="MYR",
    )


def _base(lines: list, rate: Decimal, currency: str) -> tuple[Decimal, Decimal]:  # type: ignore[type-arg]
    debit = credit = Decimal(0)
    for line in lines:
        r = rate if line.currency_code == currency and currency != "MYR" else Decimal(1)
        if line.booked_base is not None:  # booked at what the open item carries
            debit += line.booked_base if line.debit else Decimal(0)
            credit += line.booked_base if line.credit else Decimal(0)
            continue
        debit += base_amount(line.debit or Decimal(0), r, "MYR")
        credit += base_amount(line.credit or Decimal(0), r, "MYR")
    return debit, credit


nets = st.lists(
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999"), places=2),
    min_size=1,
    max_size=6,
)
rates = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("500"), places=6)


@given(nets=nets, rate=rates)
def test_invoice_entry_balances_in_base_for_any_rate(nets: list[Decimal], rate: Decimal) -> None:
    doc = _document(nets, rate, "USD")
    lines = invoice_entry_lines(doc, ACCOUNTS, "MYR")
    debit, credit = _base(lines, rate, "USD")
    assert debit == credit == doc.base_total


@given(nets=nets, rate=rates, paid_share=st.integers(0, 100))
def test_credit_note_entry_balances_whatever_was_paid(
    nets: list[Decimal], rate: Decimal, paid_share: int
) -> None:
    invoice = _document(nets, rate, "USD")
    note = _document(nets[:1], rate, "USD")
    due = (invoice.total * paid_share / 100).quantize(Decimal("0.01"))
    applied = min(note.total, due)
    applied_base = min(base_amount(applied, rate, "MYR"), note.base_total)
    # A part worth under half a sen in base (a note of a few sen at an extreme rate) cannot be
    # booked on a line of its own: posting refuses such an entry (test_journal_rules:
    # test_the_rounding_spread_never_books_a_line_at_zero). Every bookable split balances.
    assume(applied == 0 or applied_base > 0)
    assume(applied == note.total or note.base_total - applied_base > 0)
    lines = credit_note_entry_lines(
        note, ACCOUNTS, "MYR", applied=applied, applied_base=applied_base
    )
    debit, credit = _base(lines, rate, "USD")
    assert debit == credit
    settled = [ACCOUNTS[AccountRole.RECEIVABLE], ACCOUNTS[AccountRole.ADVANCES]]
    net, _ = _base([x for x in lines if x.account_id not in settled], rate, "USD")
    assert net == note.base_total  # returns and tax carry exactly the note's base value
