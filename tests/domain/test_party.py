"""The party module: what customers and suppliers share (no database needed)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from db.crypto import CUSTOMER_TAX_ID, SUPPLIER_TAX_ID, FieldCipher, KeyRing
from db.repositories.party import PARTY_COLUMNS, party_fields, party_values
from domain.party import Address, Contact
from domain.party.statements import statement
from domain.purchasing.model import Supplier
from domain.sales.model import Customer
from domain.shared.aging import BUCKET_DAYS, AgingBucket, bucket

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def test_aging_buckets_cover_every_day_once() -> None:
    expected_first = 0
    ranges = list(BUCKET_DAYS.values())
    for first, last in ranges[:-1]:
        assert first == expected_first
        assert last is not None and last >= first
        expected_first = last + 1
    assert ranges[-1] == (expected_first, None)
    assert list(BUCKET_DAYS) == list(AgingBucket)


@pytest.mark.parametrize(
    ("late", "expected"),
    [
        (-5, AgingBucket.CURRENT),
        (0, AgingBucket.CURRENT),
        (1, AgingBucket.DAYS_1_30),
        (30, AgingBucket.DAYS_1_30),
        (31, AgingBucket.DAYS_31_60),
        (60, AgingBucket.DAYS_31_60),
        (61, AgingBucket.DAYS_61_90),
        (90, AgingBucket.DAYS_61_90),
        (91, AgingBucket.OVER_90),
        (4000, AgingBucket.OVER_90),
    ],
)
def test_bucket_boundaries(late: int, expected: AgingBucket) -> None:
    today = date(2026, 6, 30)
    assert bucket(today - timedelta(days=late), today) is expected


def _supplier(tax_id: str | None) -> Supplier:
    return Supplier(
        id=uuid.uuid4(),
        company_id=uuid.uuid4(),
        code="ACME",
        name="Acme Sdn Bhd",
        tax_id=tax_id,
        registration_number="201901000001",
        addresses=(Address(kind="billing", line1="1 Jalan Ampang", country="MY"),),
        contacts=(Contact(name="Aminah", email="aminah@example.com"),),
        currency_code="MYR",
        payment_terms_days=45,
        credit_limit=Decimal("1000.0000"),
        is_active=True,
        created_at=NOW,
        updated_at=NOW,
        created_by=uuid.uuid4(),
        updated_by=uuid.uuid4(),
        version=3,
    )


@pytest.mark.parametrize("tax_id", ["C2584563200", None])
def test_a_party_row_reads_back_as_written(tax_id: str | None) -> None:
    cipher = FieldCipher(KeyRing.generate())
    supplier = _supplier(tax_id)
    sealed = SUPPLIER_TAX_ID.seal(cipher, supplier.tax_id, tenant="tenant_t", row_id=supplier.id)
    row = party_values(supplier) | sealed
    assert (row[SUPPLIER_TAX_ID.column] is None) == (tax_id is None)
    assert row[SUPPLIER_TAX_ID.column] != tax_id or tax_id is None  # never stored in plaintext

    fields = party_fields(row, SUPPLIER_TAX_ID, cipher, tenant="tenant_t")

    assert fields == {name: getattr(supplier, name) for name in PARTY_COLUMNS} | {"tax_id": tax_id}


def test_customers_and_suppliers_have_every_party_column() -> None:
    for aggregate in (Customer, Supplier):
        fields = aggregate.__dataclass_fields__
        assert set(PARTY_COLUMNS) | {"tax_id"} <= set(fields), aggregate
    assert CUSTOMER_TAX_ID.column == SUPPLIER_TAX_ID.column == "tax_id"


def test_statement_brings_forward_and_runs_the_balance() -> None:
    entries = [
        (date(2026, 1, 5), Decimal("100")),
        (date(2026, 1, 20), Decimal("-40")),
        (date(2026, 2, 1), Decimal("25.5")),
        (date(2026, 2, 3), Decimal("-10")),
    ]
    run = statement(entries, date_from=date(2026, 2, 1), day=lambda e: e[0], change=lambda e: e[1])
    assert run.opening == Decimal("60")
    assert [balance for _, balance in run.lines] == [Decimal("85.5"), Decimal("75.5")]
    assert run.closing == Decimal("75.5")


@pytest.mark.parametrize("date_from", [date(2026, 3, 1), date(2025, 1, 1)])
def test_statement_without_entries_in_the_period(date_from: date) -> None:
    entries = [(date(2026, 1, 5), Decimal("100"))] if date_from.year == 2026 else []
    run = statement(entries, date_from=date_from, day=lambda e: e[0], change=lambda e: e[1])
    assert run.lines == []
    assert run.closing == run.opening == (Decimal("100") if entries else Decimal(0))
