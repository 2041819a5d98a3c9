"""The customer balance read model through the event path (outbox -> relay -> Celery handler):
exactly once per event even when every event is delivered again, and, for random sequences of
invoices, payments, credit notes and refunds, the AR control account (1200) always equals the
sum of the customers' receivables (and advances 2130 the sum of their advances)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from db.projections.customer_balance import HANDLER
from domain.sales.events import BALANCE_EVENTS
from tests.conftest import LiveServer, TenantHandle, eventually
from tests.sales.api import CREATE_CREDIT_NOTE, REFUND_PAYMENT, Sales
from workers.tasks import run_handler

ZERO = Decimal(0)


async def _projection(
    engine: AsyncEngine, schema: str, company: str
) -> tuple[Decimal, Decimal, int]:
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    f"SELECT coalesce(sum(receivable), 0), coalesce(sum(advance), 0), "
                    f'coalesce(sum(events_applied), 0) FROM "{schema}".customer_balances '
                    "WHERE company_id = :c"
                ),
                {"c": company},
            )
        ).one()
    return Decimal(row[0]), Decimal(row[1]), int(row[2])


async def _books(sales: Sales) -> tuple[Decimal, Decimal]:
    """(AR 1200 debit balance, advances 2130 credit balance)."""
    balances = await sales.balances()
    return Decimal(balances.get("1200", "0")), -Decimal(balances.get("2130", "0"))


async def _balance_events(engine: AsyncEngine, schema: str) -> list[str]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(f'SELECT event_id, event_type FROM "{schema}".outbox ORDER BY id')
        )
        return [str(r.event_id) for r in rows if r.event_type in BALANCE_EVENTS]


async def _agrees(engine: AsyncEngine, tenant: TenantHandle, sales: Sales) -> bool:
    receivable, advance, _ = await _projection(engine, tenant.schema, sales.company_id)
    return (receivable, advance) == await _books(sales)


async def test_every_event_delivered_again_changes_nothing(
    gql: Any, make_tenant: Any, engine: AsyncEngine, live_server: LiveServer, celery_worker: Any
) -> None:
    tenant = await make_tenant()
    sales = await Sales.open(gql, tenant)
    customer = await sales.customer()
    invoice = await sales.posted_invoice(
        customer["id"],
        [{"description": "Work", "quantity": "2", "unitPrice": "150", "taxCode": "SVC8"}],
        issueDate="2026-03-01",
        dueDate="2030-01-01",
    )
    draft = await sales.invoice(
        customer["id"],
        [{"description": "Later", "quantity": "1", "unitPrice": "70"}],
        issueDate="2026-03-02",
    )
    paid = await sales.pay(
        customer["id"], "400", [(invoice["id"], "300")], paymentDate="2026-03-03"
    )
    assert paid["errors"] == []
    note = await sales.call(
        CREATE_CREDIT_NOTE,
        "createCreditNote",
        {"input": {"invoiceId": invoice["id"], "lines": [{"lineNumber": 1, "quantity": "1"}]}},
    )
    assert note["errors"] == [], note
    refund = await sales.call(
        REFUND_PAYMENT,
        "refundPayment",
        {"input": {"paymentId": paid["payment"]["id"], "amount": "50"}},
    )
    assert refund["errors"] == [], refund

    events = await _balance_events(engine, tenant.schema)
    assert len(events) == 6  # created x2, posted, received, credit note, refunded

    async def applied() -> bool:
        return (await _projection(engine, tenant.schema, sales.company_id))[2] == len(events)

    assert await eventually(applied, timeout=30), "the handler did not apply every event"
    before = await _projection(engine, tenant.schema, sales.company_id)
    assert before[:2] == await _books(sales)
    assert before[0] == Decimal("0")  # 324 invoiced, 300 paid, 162 credited: 138 over
    assert before[1] == Decimal(
        "188"
    )  # 100 unallocated + 138 credited beyond what was due - 50 refunded

    # Every event delivered again, twice, as a broker redelivery would: each finds its claim.
    services = live_server.services
    for event_id in events:
        for _ in range(2):
            result = await run_handler(
                services.engines, services.tenants, str(tenant.id), event_id, HANDLER
            )
            assert result == "duplicate"
    # And the relay dispatches the whole outbox again.
    async with engine.begin() as conn:
        await conn.execute(text(f'UPDATE "{tenant.schema}".outbox SET dispatched_at = NULL'))
        await conn.execute(text("SELECT pg_notify('bigledger_outbox', :s)"), {"s": tenant.schema})

    async def redispatched() -> bool:
        async with engine.connect() as conn:
            waiting = (
                await conn.execute(
                    text(
                        f'SELECT count(*) FROM "{tenant.schema}".outbox WHERE dispatched_at IS NULL'
                    )
                )
            ).scalar_one()
        return waiting == 0

    assert await eventually(redispatched, timeout=15)
    assert await _projection(engine, tenant.schema, sales.company_id) == before
    assert draft["invoice"]["status"] == "DRAFT"


# -- property: AR control = sum of customer balances ---------------------------------------------

amounts = st.decimals(min_value=Decimal("1"), max_value=Decimal("900"), places=2)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("invoice"), st.integers(0, 1), amounts),
        st.tuples(st.just("pay"), st.integers(0, 1), amounts, st.booleans()),
        st.tuples(st.just("credit"), st.integers(0, 1)),
        st.tuples(st.just("refund"), st.integers(0, 1)),
    ),
    min_size=1,
    max_size=7,
)


@pytest.fixture(scope="module")
async def prop_tenant(make_tenant: Any) -> TenantHandle:
    tenant: TenantHandle = await make_tenant("salesprop", plan="enterprise")
    return tenant


async def _apply(
    sales: Sales, customers: list[dict[str, Any]], state: dict[str, Any], op: tuple[Any, ...]
) -> None:
    kind, who = op[0], customers[op[1]]["id"]
    invoices: list[dict[str, Any]] = state.setdefault(who, {"invoices": [], "payments": []})[
        "invoices"
    ]
    payments: list[dict[str, Any]] = state[who]["payments"]
    if kind == "invoice":
        invoices.append(
            await sales.posted_invoice(
                who,
                [
                    {
                        "description": "Job",
                        "quantity": "1",
                        "unitPrice": str(op[2]),
                        "taxCode": "SVC6",
                    }
                ],
                issueDate="2026-05-01",
                dueDate="2030-01-01",
            )
        )
    elif kind == "pay":
        fresh = [await sales.get_invoice(i["id"]) for i in invoices]
        open_ = [i for i in fresh if i and Decimal(i["amountDue"]) > 0]
        allocation = []
        if op[3] and open_:
            allocation = [(open_[0]["id"], str(min(op[2], Decimal(open_[0]["amountDue"]))))]
        paid = await sales.pay(who, str(op[2]), allocation, paymentDate="2026-05-02")
        assert paid["errors"] == [], paid
        payments.append(paid["payment"])
    elif kind == "credit":
        for invoice in invoices:
            if not invoice.get("credited"):
                note = await sales.call(
                    CREATE_CREDIT_NOTE,
                    "createCreditNote",
                    {
                        "input": {
                            "invoiceId": invoice["id"],
                            "lines": [{"lineNumber": 1, "quantity": "1"}],
                            "issueDate": "2026-05-03",
                        }
                    },
                )
                assert note["errors"] == [], note
                invoice["credited"] = True
                break
    elif kind == "refund":
        for payment in payments:
            left = Decimal(payment["unallocatedAmount"])
            if left > 0:
                refunded = await sales.call(
                    REFUND_PAYMENT,
                    "refundPayment",
                    {
                        "input": {
                            "paymentId": payment["id"],
                            "amount": str(left),
                            "refundDate": "2026-05-04",
                        }
                    },
                )
                assert refunded["errors"] == [], refunded
                payment["unallocatedAmount"] = "0"
                break


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(ops=operations)
async def test_ar_control_account_equals_the_sum_of_customer_balances(
    gql: Any,
    prop_tenant: TenantHandle,
    engine: AsyncEngine,
    celery_worker: Any,
    ops: list[tuple[Any, ...]],
) -> None:
    sales = await Sales.open(gql, prop_tenant)
    customers = [await sales.customer("A"), await sales.customer("B")]
    state: dict[str, Any] = {}
    for op in ops:
        await _apply(sales, customers, state, op)
    events = await _balance_events(engine, prop_tenant.schema)

    async def caught_up() -> bool:
        return bool(await _agrees(engine, prop_tenant, sales))

    assert await eventually(caught_up, timeout=30), (
        await _projection(engine, prop_tenant.schema, sales.company_id),
        await _books(sales),
        len(events),
    )
