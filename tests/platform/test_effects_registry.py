"""The one registry of effects (domain/effects.py): what follows each event, pinned here so that
adding, moving or dropping an effect is a visible diff, and every declared effect has a runner."""

from __future__ import annotations

from db.effects import IMPLEMENTATIONS, keys_to_bump
from db.projections import FINAL_PARTS, IN_TRANSACTION
from domain.effects import EFFECTS_BY_EVENT, Stage
from workers.handlers import HANDLERS, handlers_for

ACCESS = ("access.version",)
WEBHOOK = ("webhooks.messages",)  # one message per subscribed endpoint (db/projections)

PINNED: dict[str, tuple[str, ...]] = {
    "JournalEntryReversed": ("reports.books_changed", *WEBHOOK),
    "TransactionPosted": ("reports.books_changed", *WEBHOOK),
    "JournalImported": ("reports.books_imported",),
    "AccountCreated": ("reports.chart_changed", *WEBHOOK),
    "AccountUpdated": ("reports.chart_changed", *WEBHOOK),
    "ApiKeyRevoked": ACCESS,
    "CompanyAccessGranted": ACCESS,
    "CompanyAccessRevoked": ACCESS,
    "RoleAssigned": ACCESS,
    "RoleUnassigned": ACCESS,
    "RoleUpdated": ACCESS,
    "UserDeactivated": ACCESS,
    "CompanyCreated": ("usage.count_company", *WEBHOOK),
    "CreditNoteIssued": ("sales.customer_balance", *WEBHOOK),
    "DebitNoteIssued": ("sales.customer_balance", *WEBHOOK),
    "InvoiceCreated": ("sales.customer_balance", *WEBHOOK),
    "InvoicePosted": ("sales.customer_balance", *WEBHOOK),
    "InvoiceVoided": ("sales.customer_balance", *WEBHOOK),
    "PaymentAllocated": ("sales.customer_balance", *WEBHOOK),
    "PaymentReceived": ("sales.customer_balance", *WEBHOOK),
    "PaymentRefunded": ("sales.customer_balance", *WEBHOOK),
    "ReceivableRevalued": ("sales.customer_balance",),
    "BillCreated": WEBHOOK,
    "BillPosted": WEBHOOK,
    "BillVoided": WEBHOOK,
    "CompanyUpdated": WEBHOOK,
    "CustomerCreated": WEBHOOK,
    "CustomerUpdated": WEBHOOK,
    "DeliveryPosted": WEBHOOK,
    "GoodsReceived": WEBHOOK,
    "InvoiceSettled": WEBHOOK,
    "ProductCreated": WEBHOOK,
    "ProductUpdated": WEBHOOK,
    "PurchaseOrderCancelled": WEBHOOK,
    "PurchaseOrderCreated": WEBHOOK,
    "QuotationCreated": WEBHOOK,
    "SalesOrderCreated": WEBHOOK,
    "StockLevelChanged": WEBHOOK,
    "StockTransferred": WEBHOOK,
    "SupplierAdvanceApplied": WEBHOOK,
    "SupplierCreated": WEBHOOK,
    "SupplierCreditIssued": WEBHOOK,
    "SupplierPaymentMade": WEBHOOK,
    "SupplierUpdated": WEBHOOK,
    "BankStatementImported": WEBHOOK,
    "WebhookEndpointDisabled": WEBHOOK,
    "WebhookTest": WEBHOOK,
}


def test_the_effects_of_every_event_are_pinned() -> None:
    registered = {
        event: tuple(e.name for e in effects) for event, effects in EFFECTS_BY_EVENT.items()
    }
    assert registered == PINNED


def test_every_effect_has_one_runner_for_its_stage() -> None:
    for effects in EFFECTS_BY_EVENT.values():
        for effect in effects:
            runner = {
                Stage.IN_TRANSACTION: IN_TRANSACTION | FINAL_PARTS,
                Stage.ASYNC: HANDLERS,
            }.get(effect.stage, IMPLEMENTATIONS)
            assert effect.name in runner, effect


def test_the_relay_dispatches_exactly_the_async_effects() -> None:
    assert handlers_for("CompanyCreated") == ("usage.count_company",)
    assert handlers_for("TransactionPosted") == ()  # its effects are Redis bumps, not tasks
    assert handlers_for("InvoicePosted") == ()  # the customer balance is written with the posting


def test_redis_effects_name_the_tenant_and_the_company() -> None:
    tenant, company = "0b7d3f0e-0000-4000-8000-000000000001", "0b7d3f0e-0000-4000-8000-0000000000aa"
    assert keys_to_bump(Stage.AFTER_COMMIT, "TransactionPosted", tenant, company) == (
        f"books-version:{tenant}:{company}",
    )
    assert keys_to_bump(Stage.ON_PUBLISH, "RoleAssigned", tenant, None) == (
        f"access-version:{tenant}",
    )
    assert keys_to_bump(Stage.AFTER_COMMIT, "RoleAssigned", tenant, None) == ()
