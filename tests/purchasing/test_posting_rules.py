"""The posting rules as pure functions (no database): every bill, payment and credit entry
balances in base currency to the cent whatever the amounts and rates; GRNI clears exactly."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import ROUND_DOWN, Decimal

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from domain.accounting.model import LineInput, base_amount
from domain.purchasing.model import (
    AllocationInput,
    Bill,
    BillLine,
    BillStatus,
    GoodsReceipt,
    PurchasingAccounts,
    ReceiptLine,
    Supplier,
    SupplierPayment,
    line_amount,
)
from domain.purchasing.posting import bill_entry, clear_goods_received, payment_entry

NOW = datetime(2026, 3, 1, tzinfo=UTC)
ACCOUNTS = PurchasingAccounts(*(uuid.uuid4() for _ in range(7)))
quantities = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("5000"), places=4)
prices = st.decimals(min_value=Decimal(0), max_value=Decimal("99999"), places=4)
rates = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("20000"), places=10)


def base(line: LineInput, side: str) -> Decimal:
    amount = getattr(line, side) or Decimal(0)
    return base_amount(amount, line.exchange_rate, "MYR") if line.exchange_rate else amount


def balanced(lines: list[LineInput]) -> bool:
    return sum(base(x, "debit") for x in lines) == sum(base(x, "credit") for x in lines)


def receipt_line(quantity: Decimal, unit_cost: Decimal) -> tuple[GoodsReceipt, ReceiptLine]:
    line = ReceiptLine(
        id=uuid.uuid4(),
        line_number=1,
        order_line_id=uuid.uuid4(),
        product_id=uuid.uuid4(),
        warehouse_id=uuid.uuid4(),
        quantity=quantity,
        unit_price=unit_cost,
        unit_cost=unit_cost,
        value=line_amount(quantity, unit_cost),
    )
    receipt = GoodsReceipt(
        id=uuid.uuid4(),
        company_id=uuid.uuid4(),
        supplier_id=uuid.uuid4(),
        order_id=uuid.uuid4(),
        number="GRN-1",
        receipt_date=date(2026, 3, 1),
        currency_code="USD",
        exchange_rate=Decimal(1),
        notes=None,
        lines=[line],
        created_at=NOW,
        created_by=uuid.uuid4(),
    )
    return receipt, line


def posted_bill(lines: list[BillLine], rate: Decimal) -> Bill:
    total = sum((x.amount + x.tax_amount for x in lines), Decimal(0))
    return Bill(
        id=uuid.uuid4(),
        company_id=uuid.uuid4(),
        supplier_id=uuid.uuid4(),
        number="BILL-000001",
        supplier_reference=None,
        bill_date=date(2026, 3, 10),
        due_date=date(2026, 4, 9),
        currency_code="USD",
        exchange_rate=rate,
        status=BillStatus.POSTED,
        notes=None,
        lines=lines,
        subtotal=total,
        tax_total=Decimal(0),
        total=total,
        base_total=base_amount(total, rate, "MYR"),
        amount_paid=Decimal(0),
        amount_credited=Decimal(0),
        journal_entry_id=None,
        created_at=NOW,
        created_by=uuid.uuid4(),
        updated_at=NOW,
    )


def bill_line(receipt_line_id: uuid.UUID | None, quantity: Decimal, price: Decimal) -> BillLine:
    amount = line_amount(quantity, price)
    return BillLine(
        id=uuid.uuid4(),
        line_number=1,
        receipt_line_id=receipt_line_id,
        product_id=None,
        account_id=None if receipt_line_id else uuid.uuid4(),
        description=None,
        quantity=quantity,
        unit_price=price,
        amount=amount,
        tax_code=None,
        tax_rate=Decimal(0),
        tax_amount=Decimal(0),
    )


@settings(max_examples=200, deadline=None)
@given(
    received=quantities,
    cost=prices,
    split=st.lists(st.integers(1, 9), min_size=1, max_size=4),
    price=prices,
    expense=prices,
    rate=rates,
)
def test_bills_balance_and_clear_goods_received_exactly(
    received: Decimal,
    cost: Decimal,
    split: list[int],
    price: Decimal,
    expense: Decimal,
    rate: Decimal,
) -> None:
    """A receipt billed in several parts: each bill balances, and together they clear exactly
    the value the receipt booked to GRNI."""
    receipt, line = receipt_line(received, cost)
    parts = [
        (received * n / sum(split)).quantize(Decimal("0.0001"), rounding=ROUND_DOWN) for n in split
    ]
    parts[-1] = received - sum(parts[:-1])
    cleared_total = Decimal(0)
    for part in parts:
        if part <= 0:
            continue
        lines = [bill_line(line.id, part, price), bill_line(None, Decimal(1), expense)]
        bill = posted_bill(lines, rate)
        cleared = clear_goods_received(bill, {line.id: (receipt, line)})
        entry, change = bill_entry(bill, base_currency="MYR", accounts=ACCOUNTS, cleared=cleared)
        assert balanced(entry)
        assert change.base_payable == bill.base_total
        cleared_total += sum(cleared.values(), Decimal(0))
    assert line.billed_quantity == received
    assert cleared_total == line.value == line.billed_value


@settings(max_examples=200, deadline=None)
@given(
    bill_rate=rates,
    payment_rate=rates,
    owed=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000"), places=2),
    share=st.sampled_from((Decimal("0.1"), Decimal("0.5"), Decimal(1))),
    extra=st.decimals(min_value=Decimal(0), max_value=Decimal("1000"), places=2),
)
def test_payments_balance_with_realized_fx(
    bill_rate: Decimal, payment_rate: Decimal, owed: Decimal, share: Decimal, extra: Decimal
) -> None:
    bill = posted_bill([bill_line(None, Decimal(1), owed)], bill_rate)
    allocated = (owed * share).quantize(Decimal("0.01"))
    assume(allocated > 0)

    supplier = Supplier(
        id=bill.supplier_id,
        company_id=bill.company_id,
        code="S",
        name="S",
        tax_id=None,
        registration_number=None,
        addresses=(),
        contacts=(),
        currency_code="USD",
        payment_terms_days=30,
        credit_limit=None,
        is_active=True,
        created_at=NOW,
        updated_at=NOW,
        created_by=uuid.uuid4(),
        updated_by=uuid.uuid4(),
    )
    payment = SupplierPayment.make(
        supplier=supplier,
        number="PAY-1",
        payment_date=date(2026, 3, 20),
        exchange_rate=payment_rate,
        amount=allocated + extra,
        bank_account_id=ACCOUNTS.bank,
        reference=None,
        allocations=[AllocationInput(bill.id, allocated)],
        bills={bill.id: bill},
        base_currency="MYR",
        actor=uuid.uuid4(),
        now=NOW,
    )
    entry, change, fx = payment_entry(
        payment, base_currency="MYR", accounts=ACCOUNTS, bill_numbers={}
    )
    assert balanced(entry)
    assert -change.base_payable == base_amount(allocated, bill_rate, "MYR")
    assert change.advance == extra
    assert fx == base_amount(allocated + extra, payment_rate, "MYR") - base_amount(
        allocated, bill_rate, "MYR"
    ) - base_amount(extra, payment_rate, "MYR")
    assert bill.outstanding == owed - allocated
