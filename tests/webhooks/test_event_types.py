from __future__ import annotations

import json
import re
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest

from domain.accounting import events as accounting
from domain.banking import events as banking
from domain.company import events as company
from domain.identity.events import ACCESS_CHANGES
from domain.inventory import events as inventory
from domain.purchasing import events as purchasing
from domain.sales import events as sales
from domain.shared.errors import DomainError, ErrorCode
from domain.webhooks.event_types import (
    BY_DOMAIN_EVENT,
    BY_NAME,
    CATALOGUE,
    EXAMPLE_MAX_BYTES,
    matches,
    validate_patterns,
    webhook_name,
)

REAL_EVENTS = {
    *accounting.ALL,
    *banking.ALL,
    *company.ALL,
    *inventory.ALL,
    *purchasing.ALL,
    *sales.INVOICE_EVENTS,
    *sales.PAYMENT_EVENTS,
    *sales.BALANCE_EVENTS,
    sales.CUSTOMER_CREATED,
    sales.CUSTOMER_UPDATED,
    sales.QUOTATION_CREATED,
    sales.SALES_ORDER_CREATED,
    sales.DELIVERY_POSTED,
    "WebhookEndpointDisabled",
    "WebhookTest",
}
ENVELOPE_KEYS = {
    "id",
    "eventType",
    "aggregateId",
    "aggregateType",
    "eventVersion",
    "occurredOn",
    "correlationId",
    "tenantId",
    "userId",
    "payload",
    "metadata",
}
NAME = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


@pytest.mark.parametrize(
    ("event", "name"),
    [
        ("InvoicePosted", "invoice.posted"),
        ("JournalEntryReversed", "journal_entry.reversed"),
        ("PaymentReceived", "customer_payment.received"),
        ("SupplierPaymentMade", "supplier_payment.made"),
        ("TransactionPosted", "transaction.posted"),
        ("PurchaseOrderCancelled", "purchase_order.cancelled"),
        ("WebhookEndpointDisabled", "webhook_endpoint.disabled"),
        ("WebhookTest", "webhook.test"),
        ("CompanyCreated", "company.created"),
    ],
)
def test_naming_rule(event: str, name: str) -> None:
    assert webhook_name(event) == name


def test_every_real_event_name_maps_to_a_distinct_dotted_name() -> None:
    names = {event: webhook_name(event) for event in REAL_EVENTS}
    assert all(NAME.match(n) for n in names.values()), names
    assert len(set(names.values())) == len(names)


@pytest.mark.parametrize(
    "bad", ["", "Invoice", "invoicePosted", "Invoice_Posted", "invoice.posted"]
)
def test_naming_rule_refuses_what_is_not_camel_case_resource_verb(bad: str) -> None:
    with pytest.raises(ValueError):
        webhook_name(bad)


def test_the_catalogue_holds_real_business_events_and_no_access_events() -> None:
    domain_events = {t.domain_event for t in CATALOGUE}
    assert domain_events <= REAL_EVENTS
    assert not domain_events & ACCESS_CHANGES
    for wanted in [
        "invoice.posted",
        "credit_note.issued",
        "debit_note.issued",
        "customer_payment.received",
        "customer.created",
        "bill.posted",
        "supplier_payment.made",
        "purchase_order.created",
        "supplier.created",
        "transaction.posted",
        "journal_entry.reversed",
        "account.created",
        "stock_level.changed",
        "company.created",
        "company.updated",
        "bank_statement.imported",
        "webhook_endpoint.disabled",
        "webhook.test",
    ]:
        assert wanted in BY_NAME
    assert len(BY_NAME) == len(BY_DOMAIN_EVENT) == len(CATALOGUE)
    for t in CATALOGUE:
        assert BY_NAME[t.name] is t and BY_DOMAIN_EVENT[t.domain_event] is t
        assert t.name == webhook_name(t.domain_event)
        assert t.description.endswith(".")


def _no_floats(value: Any, path: str = "payload") -> None:
    assert not isinstance(value, float), f"{path} is a float: money travels as strings"
    if isinstance(value, dict):
        for k, v in value.items():
            _no_floats(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _no_floats(v, f"{path}.{i}")


@pytest.mark.parametrize("event_type", CATALOGUE, ids=lambda t: t.name)
def test_every_example_is_a_valid_envelope_of_its_type(event_type: Any) -> None:
    example = event_type.example
    assert set(example) == ENVELOPE_KEYS
    assert example["eventType"] == event_type.domain_event
    for key in ("id", "aggregateId", "tenantId", "userId"):
        uuid.UUID(example[key])
    assert datetime.fromisoformat(example["occurredOn"]).tzinfo is not None
    assert set(example["metadata"]) == {
        "source",
        "causationId",
        "ipAddress",
        "userAgent",
        "requestId",
    }
    payload = example["payload"]
    assert isinstance(payload, dict) and payload
    _no_floats(payload)
    # Every context but the company's own says which company the event belongs to.
    if event_type.domain_event not in company.ALL:
        uuid.UUID(payload["companyId"])
    for key in ("total", "amount", "totalAmount", "baseTotal", "amountDue", "unallocated"):
        if key in payload:
            assert Decimal(payload[key]) == Decimal(payload[key]).quantize(Decimal("0.0001"))
    encoded = json.dumps(example).encode()
    assert len(encoded) < EXAMPLE_MAX_BYTES


def test_webhook_endpoint_disabled_carries_what_the_receiver_needs() -> None:
    payload = BY_NAME["webhook_endpoint.disabled"].example["payload"]
    assert {"endpointId", "url", "reason", "disabledAt"} <= set(payload)


def test_valid_patterns_are_kept_in_order_without_duplicates() -> None:
    assert validate_patterns(["invoice.posted", "bill.*", "invoice.posted", "*"]) == (
        "invoice.posted",
        "bill.*",
        "*",
    )
    assert validate_patterns(["customer_payment.*"]) == ("customer_payment.*",)


def test_every_bad_pattern_is_reported_at_its_index() -> None:
    with pytest.raises(DomainError) as info:
        validate_patterns(
            ["invoice.posted", "invoice.paid", "nothing.*", "invoice.posted", "", "*.posted"],
            field="input.eventTypes",
        )
    errors = info.value.errors
    assert [e.field for e in errors] == [
        "input.eventTypes.1",
        "input.eventTypes.2",
        "input.eventTypes.4",
        "input.eventTypes.5",
    ]
    assert all(e.code is ErrorCode.INVALID for e in errors)
    assert "'invoice.paid'" in errors[0].message and "webhookEventTypes" in errors[0].message
    assert "'nothing.*'" in errors[1].message


def test_a_close_typo_gets_a_suggestion() -> None:
    with pytest.raises(DomainError) as info:
        validate_patterns(["invoice.postd"])
    assert "invoice.posted" in info.value.errors[0].message
    assert info.value.errors[0].field == "eventTypes.0"


def test_an_empty_subscription_is_refused() -> None:
    with pytest.raises(DomainError) as info:
        validate_patterns([])
    [error] = info.value.errors
    assert error.field == "eventTypes" and error.code is ErrorCode.INVALID


def test_matches() -> None:
    assert matches("invoice.posted", "invoice.posted")
    assert not matches("invoice.posted", "invoice.voided")
    assert matches("invoice.*", "invoice.voided")
    assert not matches("invoice.*", "invoice_line.voided")
    assert not matches("invoice.*", "credit_note.issued")
    assert matches("*", "webhook.test")
    assert not matches("customer.*", "customer_payment.received")


def _recorded_payload_keys() -> dict[str, set[str]]:
    """Payload keys of events the real aggregates record, to hold the examples to them."""
    from domain.company.model import Company
    from domain.inventory.model import Product, StockLevel
    from domain.sales.model.customers import Customer

    now = datetime.fromisoformat("2026-12-07T09:30:00+00:00")
    actor, company_id = uuid.uuid4(), uuid.uuid4()
    found: dict[str, set[str]] = {}
    company_ = Company.register(
        name="Syarikat Contoh Sdn Bhd",
        registration_number="202601012345",
        tax_number=None,
        currency_code="MYR",
        timezone="Asia/Kuala_Lumpur",
        actor=actor,
        now=now,
    )
    customer = Customer.create(
        company_id=company_id,
        values={"code": "C-0001", "name": "Ah Seng", "currency_code": "MYR"},
        actor=actor,
        now=now,
    )
    product = Product.create(company_id=company_id, sku="KOPI", name="Kopi", actor=actor, now=now)
    level = StockLevel(product.id, uuid.uuid4(), company_id)
    recorded = [
        *company_.events,
        *customer.events,
        *product.events,
        level.changed_event(now, movement={"id": "x"}),
    ]
    for event in recorded:
        found[event.event_type] = set(event.payload)
    return found


def test_examples_use_the_payload_keys_the_aggregates_record() -> None:
    real = _recorded_payload_keys()
    assert {"CompanyCreated", "CustomerCreated", "ProductCreated", "StockLevelChanged"} <= set(real)
    for event_type, keys in real.items():
        assert set(BY_DOMAIN_EVENT[event_type].example["payload"]) == keys, event_type
