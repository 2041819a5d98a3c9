"""The catalogue of webhook event types: which domain events leave BigLedger, and their names.

Domain events are CamelCase (`InvoicePosted`); webhook names are dotted lower snake case
(`invoice.posted`): the last word is the verb, the words before it the resource. Subscriptions
name exact types, `<resource>.*` or `*`. Only business events an outside system acts on are
listed; access, role and session events never leave (they say who may see what, inside).
"""

from __future__ import annotations

import difflib
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from domain.accounting import events as accounting
from domain.banking import events as banking
from domain.company import events as company
from domain.inventory import events as inventory
from domain.purchasing import events as purchasing
from domain.sales import events as sales
from domain.shared.errors import DomainError, ErrorCode, FieldError
from domain.shared.events import DomainEvent, EventMetadata
from domain.webhooks.events import WEBHOOK_ENDPOINT_DISABLED, WEBHOOK_TEST

WILDCARD = "*"
EXAMPLE_MAX_BYTES = 20_000
_WORD = re.compile(r"[A-Z][a-z0-9]*")
# Resources whose domain name is ambiguous outside their context: sales' `PaymentReceived` is a
# customer's payment (purchasing has `SupplierPayment...`).
_RESOURCE_NAMES = {"payment": "customer_payment"}


def webhook_name(domain_event_type: str) -> str:
    """`InvoicePosted` -> `invoice.posted`, `JournalEntryReversed` -> `journal_entry.reversed`."""
    words = _WORD.findall(domain_event_type)
    if len(words) < 2 or "".join(words) != domain_event_type:
        raise ValueError(f"{domain_event_type!r} is not a CamelCase <Resource><Verb> event type.")
    resource = "_".join(w.lower() for w in words[:-1])
    return f"{_RESOURCE_NAMES.get(resource, resource)}.{words[-1].lower()}"


@dataclass(frozen=True)
class WebhookEventType:
    name: str
    domain_event: str
    description: str
    example: dict[str, Any]  # a full envelope, as DomainEvent.to_envelope gives it

    @property
    def resource(self) -> str:
        return self.name.split(".", 1)[0]


# -- examples: one tenant, company, user and request, so receivers can follow the ids across --
_TENANT = uuid.UUID("0b6f5b1e-3c7d-4e8a-9f10-2a3b4c5d6e7f")
_COMPANY = uuid.UUID("5d1c2b3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d")
_USER = uuid.UUID("7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d")
_CUSTOMER = uuid.UUID("c0a80101-0000-4000-8000-000000000001")
_SUPPLIER = uuid.UUID("c0a80101-0000-4000-8000-000000000002")
_INVOICE = uuid.UUID("c0a80101-0000-4000-8000-000000000003")
_PAYMENT = uuid.UUID("c0a80101-0000-4000-8000-000000000004")
_BILL = uuid.UUID("c0a80101-0000-4000-8000-000000000005")
_ORDER = uuid.UUID("c0a80101-0000-4000-8000-000000000006")
_ENTRY = uuid.UUID("c0a80101-0000-4000-8000-000000000007")
_REVERSAL = uuid.UUID("c0a80101-0000-4000-8000-000000000008")
_ACCOUNT = uuid.UUID("c0a80101-0000-4000-8000-000000000009")
_ACCOUNT_2 = uuid.UUID("c0a80101-0000-4000-8000-00000000000a")
_PRODUCT = uuid.UUID("c0a80101-0000-4000-8000-00000000000b")
_STATEMENT = uuid.UUID("c0a80101-0000-4000-8000-0000000000b5")
_WAREHOUSE = uuid.UUID("c0a80101-0000-4000-8000-00000000000c")
_WAREHOUSE_2 = uuid.UUID("c0a80101-0000-4000-8000-00000000000d")
_ENDPOINT = uuid.UUID("c0a80101-0000-4000-8000-00000000000e")
_OTHER = uuid.UUID("c0a80101-0000-4000-8000-00000000000f")
_WHEN = datetime(2026, 12, 7, 9, 30, 0, tzinfo=UTC)
_CO = str(_COMPANY)


def _envelope(
    event_type: str, aggregate_type: str, aggregate_id: uuid.UUID, payload: dict[str, Any]
) -> dict[str, Any]:
    return DomainEvent(
        id=uuid.uuid5(aggregate_id, event_type),
        event_type=event_type,
        aggregate_id=aggregate_id,
        aggregate_type=aggregate_type,
        event_version=1,
        occurred_on=_WHEN,
        correlation_id="3f2a9c1e8b7d4e6f9a0b1c2d3e4f5a6b",
        tenant_id=_TENANT,
        user_id=_USER,
        payload=payload,
        metadata=EventMetadata(
            source="bigledger-api",
            request_id="3f2a9c1e8b7d4e6f9a0b1c2d3e4f5a6b",
            ip_address="203.0.113.7",
            user_agent="acme-erp-sync/2.3",
        ),
    ).to_envelope()


def _balance(receivable: str = "0", advance: str = "0", draft: str = "0") -> dict[str, str]:
    return {"receivable": receivable, "advance": advance, "draft": draft}


def _sales_document(
    kind: str, number: str, status: str, amount_due: str, balance: dict[str, str]
) -> dict[str, Any]:
    return {
        "companyId": _CO,
        "customerId": str(_CUSTOMER),
        "id": str(_INVOICE),
        "kind": kind,
        "number": number,
        "status": status,
        "issueDate": "2026-12-07",
        "dueDate": "2027-01-06",
        "currencyCode": "MYR",
        "total": "1060.0000",
        "baseTotal": "1060.0000",
        "amountDue": amount_due,
        "balanceChange": balance,
    }


def _customer(version: int) -> dict[str, Any]:
    return {
        "companyId": _CO,
        "customerId": str(_CUSTOMER),
        "id": str(_CUSTOMER),
        "code": "C-0001",
        "name": "Kedai Runcit Ah Seng Sdn Bhd",
        "taxId": {"redacted": True},
        "currencyCode": "MYR",
        "paymentTermsDays": 30,
        "creditLimit": "50000.0000",
        "isActive": True,
        "version": version,
    }


def _customer_payment(unallocated: str, balance: dict[str, str]) -> dict[str, Any]:
    return {
        "companyId": _CO,
        "customerId": str(_CUSTOMER),
        "id": str(_PAYMENT),
        "kind": "receipt",
        "number": "OR-2026-00042",
        "paymentDate": "2026-12-07",
        "currencyCode": "MYR",
        "amount": "1500.0000",
        "unallocated": unallocated,
        "allocations": [{"invoiceId": str(_INVOICE), "amount": "1060.0000"}],
        "balanceChange": balance,
    }


def _bill(status: str) -> dict[str, Any]:
    return {
        "companyId": _CO,
        "supplierId": str(_SUPPLIER),
        "number": "BILL-2026-00017",
        "status": status,
        "total": "2120.0000",
        "currencyCode": "MYR",
        "dueDate": "2027-01-06",
    }


def _product(version: int) -> dict[str, Any]:
    return {
        "companyId": _CO,
        "id": str(_PRODUCT),
        "sku": "KOPI-1KG",
        "name": "Kopi O powder 1 kg",
        "categoryId": None,
        "unitOfMeasure": "pack",
        "barcode": "9555012345678",
        "isStocked": True,
        "costMethod": "FIFO",
        "sellingPrice": "38.9000",
        "isActive": True,
        "version": version,
    }


def _company() -> dict[str, Any]:
    return {
        "id": _CO,
        "name": "Syarikat Contoh Sdn Bhd",
        "registrationNumber": "202601012345",
        "taxNumber": {"redacted": True},
        "currencyCode": "MYR",
        "timezone": "Asia/Kuala_Lumpur",
        "version": 1,
    }


def _endpoint_summary() -> dict[str, Any]:
    return {
        "endpointId": str(_ENDPOINT),
        "companyId": _CO,
        "url": "https://erp.example.com/bigledger/webhooks",
        "eventTypes": ["invoice.*", "customer_payment.received"],
        "enabled": True,
    }


def _entry(
    event_type: str, description: str, aggregate: str, aggregate_id: uuid.UUID, payload: Any
) -> WebhookEventType:
    return WebhookEventType(
        name=webhook_name(event_type),
        domain_event=event_type,
        description=description,
        example=_envelope(event_type, aggregate, aggregate_id, payload),
    )


_JOURNAL_LINES = [
    {"accountId": str(_ACCOUNT), "baseDebit": "1060.0000", "baseCredit": "0.0000"},
    {"accountId": str(_ACCOUNT_2), "baseDebit": "0.0000", "baseCredit": "1060.0000"},
]

CATALOGUE: tuple[WebhookEventType, ...] = (
    # -- company --
    _entry(
        company.COMPANY_CREATED,
        "A company (legal entity) was created.",
        "Company",
        _COMPANY,
        _company(),
    ),
    _entry(
        company.COMPANY_UPDATED,
        "A company's details changed (before and after of each changed field).",
        "Company",
        _COMPANY,
        {
            "version": 2,
            "changes": {"name": {"before": "Syarikat Contoh", "after": "Syarikat Contoh Sdn Bhd"}},
        },
    ),
    # -- sales --
    _entry(sales.CUSTOMER_CREATED, "A customer was created.", "Customer", _CUSTOMER, _customer(1)),
    _entry(
        sales.CUSTOMER_UPDATED,
        "A customer's details changed (the customer as it is now).",
        "Customer",
        _CUSTOMER,
        _customer(2),
    ),
    _entry(
        sales.QUOTATION_CREATED,
        "A quotation was created.",
        "SalesDocument",
        _INVOICE,
        _sales_document("quotation", "QT-2026-00008", "open", "1060.0000", _balance()),
    ),
    _entry(
        sales.SALES_ORDER_CREATED,
        "A sales order was created.",
        "SalesDocument",
        _INVOICE,
        _sales_document("sales_order", "SO-2026-00011", "open", "1060.0000", _balance()),
    ),
    _entry(
        sales.DELIVERY_POSTED,
        "A delivery order was posted (goods left the warehouse).",
        "SalesDocument",
        _INVOICE,
        _sales_document("delivery", "DO-2026-00009", "delivered", "0.0000", _balance()),
    ),
    _entry(
        sales.INVOICE_CREATED,
        "A sales invoice was created as a draft.",
        "SalesDocument",
        _INVOICE,
        _sales_document(
            "invoice", "INV-2026-00123", "draft", "1060.0000", _balance(draft="1060.0000")
        ),
    ),
    _entry(
        sales.INVOICE_POSTED,
        "A sales invoice was posted: it is now receivable and in the books.",
        "SalesDocument",
        _INVOICE,
        _sales_document(
            "invoice",
            "INV-2026-00123",
            "posted",
            "1060.0000",
            _balance(receivable="1060.0000", draft="-1060.0000"),
        ),
    ),
    _entry(
        sales.INVOICE_VOIDED,
        "A posted sales invoice was voided.",
        "SalesDocument",
        _INVOICE,
        _sales_document(
            "invoice", "INV-2026-00123", "void", "0.0000", _balance(receivable="-1060.0000")
        ),
    ),
    _entry(
        sales.INVOICE_SETTLED,
        "A sales invoice's payment status changed (by a payment or credit note).",
        "SalesDocument",
        _INVOICE,
        _sales_document("invoice", "INV-2026-00123", "paid", "0.0000", _balance()),
    ),
    _entry(
        sales.CREDIT_NOTE_ISSUED,
        "A credit note was issued to a customer.",
        "SalesDocument",
        _INVOICE,
        _sales_document(
            "credit_note", "CN-2026-00004", "posted", "0.0000", _balance(receivable="-1060.0000")
        ),
    ),
    _entry(
        sales.DEBIT_NOTE_ISSUED,
        "A debit note was issued to a customer.",
        "SalesDocument",
        _INVOICE,
        _sales_document(
            "debit_note", "DN-2026-00002", "posted", "1060.0000", _balance(receivable="1060.0000")
        ),
    ),
    _entry(
        sales.PAYMENT_RECEIVED,
        "A customer's payment was received (with its allocations to invoices).",
        "CustomerPayment",
        _PAYMENT,
        _customer_payment("440.0000", _balance(receivable="-1060.0000", advance="440.0000")),
    ),
    _entry(
        sales.PAYMENT_ALLOCATED,
        "A customer's advance was applied to invoices.",
        "CustomerPayment",
        _PAYMENT,
        _customer_payment("440.0000", _balance(receivable="-1060.0000", advance="-1060.0000")),
    ),
    _entry(
        sales.PAYMENT_REFUNDED,
        "Money was refunded to a customer.",
        "CustomerPayment",
        _PAYMENT,
        _customer_payment("0.0000", _balance(advance="-440.0000")),
    ),
    # -- purchasing --
    _entry(
        purchasing.SUPPLIER_CREATED,
        "A supplier was created.",
        "Supplier",
        _SUPPLIER,
        {
            "companyId": _CO,
            "code": "S-0007",
            "name": "Borneo Coffee Trading",
            "currencyCode": "MYR",
        },
    ),
    _entry(
        purchasing.SUPPLIER_UPDATED,
        "A supplier's details changed (the names of the changed fields).",
        "Supplier",
        _SUPPLIER,
        {"companyId": _CO, "changed": ["name", "paymentTermsDays"]},
    ),
    _entry(
        purchasing.PURCHASE_ORDER_CREATED,
        "A purchase order was created.",
        "PurchaseOrder",
        _ORDER,
        {
            "companyId": _CO,
            "supplierId": str(_SUPPLIER),
            "number": "PO-2026-00031",
            "total": "2120.0000",
            "currencyCode": "MYR",
        },
    ),
    _entry(
        purchasing.PURCHASE_ORDER_CANCELLED,
        "A purchase order was cancelled: nothing more will be received on it.",
        "PurchaseOrder",
        _ORDER,
        {"companyId": _CO, "number": "PO-2026-00031"},
    ),
    _entry(
        purchasing.GOODS_RECEIVED,
        "Goods were received against a purchase order.",
        "GoodsReceipt",
        _OTHER,
        {
            "companyId": _CO,
            "supplierId": str(_SUPPLIER),
            "purchaseOrderId": str(_ORDER),
            "number": "GRN-2026-00019",
            "lines": [
                {
                    "productId": str(_PRODUCT),
                    "warehouseId": str(_WAREHOUSE),
                    "quantity": "100",
                    "value": "2000.0000",
                }
            ],
        },
    ),
    _entry(
        purchasing.BILL_CREATED,
        "A supplier bill was created as a draft.",
        "Bill",
        _BILL,
        _bill("draft"),
    ),
    _entry(
        purchasing.BILL_POSTED,
        "A supplier bill was posted: it is now payable.",
        "Bill",
        _BILL,
        _bill("posted"),
    ),
    _entry(
        purchasing.BILL_VOIDED, "A posted supplier bill was voided.", "Bill", _BILL, _bill("void")
    ),
    _entry(
        purchasing.SUPPLIER_PAYMENT_MADE,
        "A payment to a supplier was made (with its allocations to bills).",
        "SupplierPayment",
        _PAYMENT,
        {
            "companyId": _CO,
            "supplierId": str(_SUPPLIER),
            "number": "PV-2026-00012",
            "amount": "2120.0000",
            "currencyCode": "MYR",
            "allocations": [{"billId": str(_BILL), "amount": "2120.0000"}],
            "unallocated": "0.0000",
        },
    ),
    _entry(
        purchasing.SUPPLIER_ADVANCE_APPLIED,
        "An advance paid to a supplier was applied to bills.",
        "SupplierPayment",
        _PAYMENT,
        {
            "companyId": _CO,
            "supplierId": str(_SUPPLIER),
            "number": "SA-2026-00003",
            "amount": "500.0000",
            "currencyCode": "MYR",
            "allocations": [{"billId": str(_BILL), "amount": "500.0000"}],
            "unallocated": "0.0000",
        },
    ),
    _entry(
        purchasing.SUPPLIER_CREDIT_ISSUED,
        "A supplier credit (purchase return or allowance) was recorded against a bill.",
        "SupplierCredit",
        _OTHER,
        {
            "companyId": _CO,
            "supplierId": str(_SUPPLIER),
            "billId": str(_BILL),
            "number": "SC-2026-00002",
            "total": "212.0000",
            "currencyCode": "MYR",
        },
    ),
    # -- accounting --
    _entry(
        accounting.ACCOUNT_CREATED,
        "An account was added to the chart of accounts.",
        "Account",
        _ACCOUNT,
        {
            "companyId": _CO,
            "id": str(_ACCOUNT),
            "code": "1200",
            "name": "Trade receivables",
            "type": "ASSET",
            "subtype": "RECEIVABLE",
            "parentId": None,
            "isActive": True,
            "version": 1,
        },
    ),
    _entry(
        accounting.ACCOUNT_UPDATED,
        "An account changed (before and after of each changed field).",
        "Account",
        _ACCOUNT,
        {
            "companyId": _CO,
            "version": 2,
            "changes": {"name": {"before": "Debtors", "after": "Trade receivables"}},
        },
    ),
    _entry(
        accounting.TRANSACTION_POSTED,
        "A journal entry was posted to the ledger (from invoices, bills, payments or by hand).",
        "JournalEntry",
        _ENTRY,
        {
            "companyId": _CO,
            "id": str(_ENTRY),
            "entryNumber": "JE-2026-000123",
            "postingDate": "2026-12-07",
            "fiscalYearId": str(_OTHER),
            "currencyCode": "MYR",
            "totalAmount": "1060.0000",
            "lines": _JOURNAL_LINES,
            "version": 2,
        },
    ),
    _entry(
        accounting.JOURNAL_ENTRY_REVERSED,
        "A posted journal entry was reversed by a mirror entry.",
        "JournalEntry",
        _ENTRY,
        {
            "companyId": _CO,
            "id": str(_ENTRY),
            "entryNumber": "JE-2026-000123",
            "reversalId": str(_REVERSAL),
            "reversalEntryNumber": "JE-2026-000124",
            "reversalDate": "2026-12-08",
            "version": 3,
            "changes": {"status": {"before": "POSTED", "after": "REVERSED"}},
        },
    ),
    # -- inventory --
    _entry(inventory.PRODUCT_CREATED, "A product was created.", "Product", _PRODUCT, _product(1)),
    _entry(
        inventory.PRODUCT_UPDATED,
        "A product changed (the product as it is now, and the changed fields).",
        "Product",
        _PRODUCT,
        {**_product(2), "changed": ["sellingPrice"]},
    ),
    _entry(
        inventory.STOCK_LEVEL_CHANGED,
        "A product's stock in a warehouse changed (with the movement that changed it).",
        "StockLevel",
        _PRODUCT,
        {
            "companyId": _CO,
            "productId": str(_PRODUCT),
            "warehouseId": str(_WAREHOUSE),
            "onHand": "140",
            "reserved": "12",
            "available": "128",
            "incoming": "0",
            "value": "2800.0000",
            "movement": {
                "id": str(_OTHER),
                "type": "RECEIPT",
                "quantity": "100",
                "value": "2000.0000",
                "occurredOn": "2026-12-07",
                "referenceType": "GoodsReceipt",
                "referenceId": str(_OTHER),
            },
        },
    ),
    _entry(
        inventory.STOCK_TRANSFERRED,
        "Stock was transferred between warehouses.",
        "StockTransfer",
        _OTHER,
        {
            "companyId": _CO,
            "id": str(_OTHER),
            "productId": str(_PRODUCT),
            "fromWarehouseId": str(_WAREHOUSE),
            "toWarehouseId": str(_WAREHOUSE_2),
            "quantity": "20",
            "value": "400.0000",
            "status": "IN_TRANSIT",
        },
    ),
    # -- banking --
    _entry(
        banking.BANK_STATEMENT_IMPORTED,
        "A bank statement was imported and its lines auto-matched (read the lines and the"
        " reconciliation through the API).",
        "BankStatement",
        _STATEMENT,
        {
            "companyId": _CO,
            "bankAccountId": str(_ACCOUNT),
            "format": "camt053",
            "externalId": "STMT-2026-03-001",
            "currencyCode": "MYR",
            "startDate": "2026-03-01",
            "endDate": "2026-03-31",
            "openingBalance": "12500.0000",
            "closingBalance": "13610.5000",
            "lineCount": 42,
            "newLineCount": 42,
            "autoMatched": 37,
            "suggested": 3,
        },
    ),
    # -- webhooks themselves --
    _entry(
        WEBHOOK_ENDPOINT_DISABLED,
        "A webhook endpoint was disabled: it answered 410 Gone or failed everything for 5 days.",
        "WebhookEndpoint",
        _ENDPOINT,
        {
            **_endpoint_summary(),
            "enabled": False,
            "reason": "Every delivery failed for 5 days.",
            "disabledAt": "2026-12-07T09:30:00+00:00",
        },
    ),
    _entry(
        WEBHOOK_TEST,
        "A test event sent by sendTestWebhook to one endpoint, whatever it subscribes to.",
        "WebhookEndpoint",
        _ENDPOINT,
        {**_endpoint_summary(), "message": "A test event from BigLedger."},
    ),
)

BY_DOMAIN_EVENT: Mapping[str, WebhookEventType] = MappingProxyType(
    {t.domain_event: t for t in CATALOGUE}
)
BY_NAME: Mapping[str, WebhookEventType] = MappingProxyType({t.name: t for t in CATALOGUE})
RESOURCES: frozenset[str] = frozenset(t.resource for t in CATALOGUE)


def matches(pattern: str, name: str) -> bool:
    """Exact name, `<resource>.*` or `*` (the SQL side uses the same three cases)."""
    return pattern in (WILDCARD, name, name.split(".", 1)[0] + ".*")


def _pattern_problem(pattern: object) -> str | None:
    if not isinstance(pattern, str) or not pattern:
        return "An event type is a non-empty name."
    if pattern == WILDCARD or pattern in BY_NAME:
        return None
    if pattern.endswith(".*") and pattern[:-2] in RESOURCES:
        return None
    candidates = [*BY_NAME, *(f"{r}.*" for r in RESOURCES)]
    close = difflib.get_close_matches(pattern, candidates, n=1)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    return (
        f"'{pattern}' is not a webhook event type: use a name listed by webhookEventTypes "
        f"(like 'invoice.posted'), '<resource>.*' or '*'.{hint}"
    )


def validate_patterns(patterns: Sequence[str], field: str = "eventTypes") -> tuple[str, ...]:
    """The subscribed patterns, duplicates removed in order; DomainError naming every bad one."""
    if not patterns:
        raise DomainError.single(
            ErrorCode.INVALID,
            "Subscribe to at least one event type (a name from webhookEventTypes, "
            "'<resource>.*' or '*').",
            field,
        )
    errors = [
        FieldError(ErrorCode.INVALID, problem, f"{field}.{index}")
        for index, pattern in enumerate(patterns)
        if (problem := _pattern_problem(pattern)) is not None
    ]
    if errors:
        raise DomainError(errors)
    return tuple(dict.fromkeys(patterns))
