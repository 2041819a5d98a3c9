"""Sales queries: customers, tax codes, invoices (the spec's InvoiceListQuery), quotations,
sales orders, deliveries, payments, AR aging and customer statements.

A company the caller may not enter (or read this resource in) reads as empty / null, the same
answer as for one that does not exist."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import strawberry

from db.readmodels.sales import (
    AgingRow,
    DocumentFilter,
    Row,
    ar_aging,
    customers_page,
    documents_page,
    payments_page,
    sales_accounts_of,
    statement_lines,
    tax_codes_of,
    tax_rounding_of,
)
from domain.party.statements import statement
from domain.sales.model import DocumentKind
from domain.shared.aging import today_in
from domain.tax.model import TaxRounding
from resolvers.company.scope import visible_company
from resolvers.errors import bad_input
from resolvers.ids import argument_id
from resolvers.sales.build import documents_of, invoices_of
from resolvers.sales.mutations.set_sales_account import sales_accounts
from schema.cursors import SORT_VALUE
from schema.permissions import guarded
from schema.relay import page_info, page_size
from schema.sales.types import (
    ArAging,
    ArAgingBuckets,
    Customer,
    CustomerAging,
    CustomerConnection,
    CustomerEdge,
    CustomerPayment,
    CustomerPaymentConnection,
    CustomerPaymentEdge,
    CustomerStatement,
    CustomerStatementLine,
    Invoice,
    InvoiceConnection,
    InvoiceEdge,
    InvoiceFilter,
    InvoiceSort,
    InvoiceSortField,
    InvoiceStatus,
    SalesAccount,
    SalesDocument,
    SalesDocumentConnection,
    SalesDocumentEdge,
    SalesDocumentStatus,
    SortDirection,
    TaxCode,
    money,
)

ZERO = Decimal(0)
INVOICE_KINDS = (DocumentKind.INVOICE, DocumentKind.CREDIT_NOTE, DocumentKind.DEBIT_NOTE)


def _readable(info: strawberry.Info, company_id: uuid.UUID, resource: str) -> bool:
    grants = info.context.grants
    return bool(grants.can_enter(company_id) and grants.allows(resource, "read", company_id))


def _company(info: strawberry.Info, company_id: strawberry.ID, resource: str) -> uuid.UUID | None:
    key = argument_id(company_id, "companyId")
    return key if _readable(info, key, resource) else None


def _today(info: strawberry.Info) -> date:
    tenant = info.context.tenant_context
    return today_in(tenant.timezone if tenant is not None else None)


def _buckets(rows: list[AgingRow]) -> ArAgingBuckets:
    def total(attribute: str) -> Decimal:
        return sum((getattr(r, attribute) for r in rows), ZERO)

    return ArAgingBuckets(
        current=money(total("current")),
        days_1_to_30=money(total("days_1_30")),
        days_31_to_60=money(total("days_31_60")),
        days_61_to_90=money(total("days_61_90")),
        over_90=money(total("over_90")),
        total=money(sum((r.total for r in rows), ZERO)),
    )


async def _documents(
    info: strawberry.Info,
    company: uuid.UUID | None,
    where: DocumentFilter,
    sort: InvoiceSort | None,
    first: int | None,
    after: str | None,
) -> tuple[list[Row], bool, int]:
    size = page_size(first)
    position = SORT_VALUE.decode(after) if after else None
    if company is None:
        return [], False, size
    sort = sort or InvoiceSort()
    rows = await documents_page(
        info.context.tenant_engine,
        company_id=company,
        where=where,
        today=_today(info),
        sort=sort.field.value,
        descending=sort.direction is SortDirection.DESC,
        first=size,
        after=position,
    )
    return rows[:size], len(rows) > size, size


def _sort_value(row: Row, sort: InvoiceSort | None) -> Any:
    return row[(sort or InvoiceSort()).field.value]


@strawberry.type
class SalesQueries:
    @strawberry.field(
        **guarded(
            "customer:read",
            "A company's customers in code order; `search` matches name or code (contains) "
            "or the tax id (exactly).",
        )
    )
    async def customers(
        self,
        info: strawberry.Info,
        company_id: strawberry.ID,
        search: str | None = None,
        include_inactive: bool = True,
        first: int | None = 50,
        after: str | None = None,
    ) -> CustomerConnection:
        size = page_size(first)
        position = None
        if after:
            code, row_id = SORT_VALUE.decode(after)
            position = (str(code), row_id)
        company = _company(info, company_id, "customer")
        found = (
            await customers_page(
                info.context.tenant_engine,
                company_id=company,
                search=(search or "").strip() or None,
                include_inactive=include_inactive,
                first=size,
                after=position,
                cipher=info.context.services.cipher,
            )
            if company is not None
            else []
        )
        edges = [
            CustomerEdge(cursor=SORT_VALUE.encode(c.code, c.id), node=Customer.of(c))
            for c in found[:size]
        ]
        return CustomerConnection(
            edges=edges, page_info=page_info(edges, len(found) > size, after is not None)
        )

    @strawberry.field(**guarded("customer:read", "One customer, or null."))
    async def customer(self, info: strawberry.Info, id: strawberry.ID) -> Customer | None:
        found = await info.context.loaders.customer_by_id.load(argument_id(id, "id"))
        if found is None or not _readable(info, found.company_id, "customer"):
            return None
        return Customer.of(found)

    @strawberry.field(
        **guarded(
            "invoice:read",
            "A company's tax codes (the Malaysian SST set to start with).",
        )
    )
    async def tax_codes(self, info: strawberry.Info, company_id: strawberry.ID) -> list[TaxCode]:
        company = _company(info, company_id, "invoice")
        if company is None:
            return []
        return [
            TaxCode(
                id=strawberry.ID(str(c.id)),
                code=c.code,
                name=c.name,
                rate=Decimal(format(c.rate.normalize(), "f")),
                kind=c.kind,
                account_id=strawberry.ID(str(c.account_id)) if c.account_id else None,
                is_active=c.is_active,
            )
            for c in await tax_codes_of(info.context.tenant_engine, company)
        ]

    @strawberry.field(
        **guarded("invoice:read", "How the company rounds each line's tax.", feature="sales")
    )
    async def tax_rounding(
        self, info: strawberry.Info, company_id: strawberry.ID
    ) -> TaxRounding | None:
        company = await visible_company(info, company_id, reads="invoice")
        if company is None:
            return None
        return await tax_rounding_of(info.context.tenant_engine, company)

    @strawberry.field(
        **guarded(
            "account:read",
            "The accounts a company's sales postings book to, per role.",
        )
    )
    async def sales_accounts(
        self, info: strawberry.Info, company_id: strawberry.ID
    ) -> list[SalesAccount]:
        company = await visible_company(info, company_id, reads="account")
        if company is None:
            return []
        return sales_accounts(await sales_accounts_of(info.context.tenant_engine, company))

    @strawberry.field(
        **guarded(
            "invoice:read",
            "The spec's InvoiceListQuery: a company's invoices filtered by customer, status "
            "(OVERDUE: posted or partially paid and past due in the tenant's timezone) and "
            "issue-date range, sorted, as a Relay connection (at most 100 per page).",
        )
    )
    async def invoices(
        self,
        info: strawberry.Info,
        company_id: strawberry.ID,
        filter: InvoiceFilter | None = None,
        first: int | None = 20,
        after: str | None = None,
        sort: InvoiceSort | None = None,
    ) -> InvoiceConnection:
        statuses = list(filter.status or []) if filter else []
        where = DocumentFilter(
            kinds=tuple(
                k.value
                for k in (filter.kinds if filter and filter.kinds else [DocumentKind.INVOICE])
            ),
            customer_id=argument_id(filter.customer_id, "filter.customerId")
            if filter and filter.customer_id
            else None,
            statuses=tuple(s.value for s in statuses if s is not InvoiceStatus.OVERDUE),
            overdue=InvoiceStatus.OVERDUE in statuses,
            date_from=filter.date_from if filter else None,
            date_to=filter.date_to if filter else None,
        )
        rows, more, _ = await _documents(
            info, _company(info, company_id, "invoice"), where, sort, first, after
        )
        nodes = await invoices_of(info, rows, _today(info))
        edges = [
            InvoiceEdge(cursor=SORT_VALUE.encode(_sort_value(r, sort), r["id"]), node=node)
            for r, node in zip(rows, nodes, strict=True)
        ]
        return InvoiceConnection(edges=edges, page_info=page_info(edges, more, after is not None))

    @strawberry.field(
        **guarded(
            "invoice:read",
            "One invoice, credit or debit note with its lines, customer, payments and journal "
            "entry, or null.",
        )
    )
    async def invoice(self, info: strawberry.Info, id: strawberry.ID) -> Invoice | None:
        row = await info.context.loaders.sales_document_by_id.load(argument_id(id, "id"))
        if (
            row is None
            or DocumentKind(row["kind"]) not in INVOICE_KINDS
            or not _readable(info, row["company_id"], "invoice")
        ):
            return None
        return (await invoices_of(info, [row], _today(info)))[0]

    @staticmethod
    async def _sales_documents(
        info: strawberry.Info,
        kind: DocumentKind,
        company_id: strawberry.ID,
        customer_id: strawberry.ID | None,
        status: list[SalesDocumentStatus] | None,
        first: int | None,
        after: str | None,
    ) -> SalesDocumentConnection:
        where = DocumentFilter(
            kinds=(kind.value,),
            customer_id=argument_id(customer_id, "customerId") if customer_id else None,
            statuses=tuple(s.value for s in status or []),
        )
        sort = InvoiceSort(field=InvoiceSortField.CREATED_AT, direction=SortDirection.DESC)
        rows, more, _ = await _documents(
            info, _company(info, company_id, "invoice"), where, sort, first, after
        )
        nodes = await documents_of(info, rows)
        edges = [
            SalesDocumentEdge(cursor=SORT_VALUE.encode(r["created_at"], r["id"]), node=node)
            for r, node in zip(rows, nodes, strict=True)
        ]
        return SalesDocumentConnection(
            edges=edges, page_info=page_info(edges, more, after is not None)
        )

    @staticmethod
    async def _sales_document(
        info: strawberry.Info, id: strawberry.ID, kind: DocumentKind
    ) -> SalesDocument | None:
        row = await info.context.loaders.sales_document_by_id.load(argument_id(id, "id"))
        if (
            row is None
            or row["kind"] != kind.value
            or not _readable(info, row["company_id"], "invoice")
        ):
            return None
        return (await documents_of(info, [row]))[0]

    @strawberry.field(**guarded("invoice:read", "A company's quotations, newest first."))
    async def quotations(
        self,
        info: strawberry.Info,
        company_id: strawberry.ID,
        customer_id: strawberry.ID | None = None,
        status: list[SalesDocumentStatus] | None = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> SalesDocumentConnection:
        return await SalesQueries._sales_documents(
            info, DocumentKind.QUOTATION, company_id, customer_id, status, first, after
        )

    @strawberry.field(**guarded("invoice:read", "One quotation with its lines, or null."))
    async def quotation(self, info: strawberry.Info, id: strawberry.ID) -> SalesDocument | None:
        return await SalesQueries._sales_document(info, id, DocumentKind.QUOTATION)

    @strawberry.field(**guarded("invoice:read", "A company's sales orders, newest first."))
    async def sales_orders(
        self,
        info: strawberry.Info,
        company_id: strawberry.ID,
        customer_id: strawberry.ID | None = None,
        status: list[SalesDocumentStatus] | None = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> SalesDocumentConnection:
        return await SalesQueries._sales_documents(
            info, DocumentKind.SALES_ORDER, company_id, customer_id, status, first, after
        )

    @strawberry.field(**guarded("invoice:read", "One sales order with its lines, or null."))
    async def sales_order(self, info: strawberry.Info, id: strawberry.ID) -> SalesDocument | None:
        return await SalesQueries._sales_document(info, id, DocumentKind.SALES_ORDER)

    @strawberry.field(**guarded("invoice:read", "A company's deliveries, newest first."))
    async def deliveries(
        self,
        info: strawberry.Info,
        company_id: strawberry.ID,
        customer_id: strawberry.ID | None = None,
        status: list[SalesDocumentStatus] | None = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> SalesDocumentConnection:
        return await SalesQueries._sales_documents(
            info, DocumentKind.DELIVERY, company_id, customer_id, status, first, after
        )

    @strawberry.field(**guarded("invoice:read", "One delivery with its lines, or null."))
    async def delivery(self, info: strawberry.Info, id: strawberry.ID) -> SalesDocument | None:
        return await SalesQueries._sales_document(info, id, DocumentKind.DELIVERY)

    @strawberry.field(**guarded("payment:read", "A company's customer payments, newest first."))
    async def customer_payments(
        self,
        info: strawberry.Info,
        company_id: strawberry.ID,
        customer_id: strawberry.ID | None = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> CustomerPaymentConnection:
        size = page_size(first)
        position = SORT_VALUE.decode(after) if after else None
        company = _company(info, company_id, "payment")
        rows = (
            await payments_page(
                info.context.tenant_engine,
                company_id=company,
                customer_id=argument_id(customer_id, "customerId") if customer_id else None,
                first=size,
                after=position,
            )
            if company is not None
            else []
        )
        edges = [
            CustomerPaymentEdge(
                cursor=SORT_VALUE.encode(r["created_at"], r["id"]), node=CustomerPayment.of(r)
            )
            for r in rows[:size]
        ]
        return CustomerPaymentConnection(
            edges=edges, page_info=page_info(edges, len(rows) > size, after is not None)
        )

    @strawberry.field(
        **guarded(
            "payment:read",
            "One payment or refund with its allocations and journal entry, or null.",
        )
    )
    async def customer_payment(
        self, info: strawberry.Info, id: strawberry.ID
    ) -> CustomerPayment | None:
        row = await info.context.loaders.customer_payment_by_id.load(argument_id(id, "id"))
        if row is None or not _readable(info, row["company_id"], "payment"):
            return None
        return CustomerPayment.of(row)

    @strawberry.field(
        **guarded(
            "invoice:read",
            "Accounts receivable aging at `asOf` (default: today in the tenant's timezone): "
            "invoices and debit notes open at that date (less payments and credit notes up "
            "to it) per customer by days past due — current, 1-30, 31-60, 61-90, over 90 — "
            "in base currency, at what the books carry for each document (revaluations in "
            "force at that date included), so the total is the receivable account's balance.",
        )
    )
    async def ar_aging(
        self, info: strawberry.Info, company_id: strawberry.ID, as_of: date | None = None
    ) -> ArAging | None:
        company = await visible_company(info, company_id, reads="invoice")
        if company is None:
            return None
        row = await info.context.loaders.company_by_id.load(company)  # cached by the check
        day = as_of or _today(info)
        rows = await ar_aging(info.context.tenant_engine, company, day)
        return ArAging(
            company_id=strawberry.ID(str(company)),
            as_of=day,
            currency_code=row["currency_code"],
            customers=[
                CustomerAging(
                    customer_id=strawberry.ID(str(r.customer_id)),
                    customer_code=r.customer_code,
                    customer_name=r.customer_name,
                    buckets=_buckets([r]),
                )
                for r in rows
            ],
            totals=_buckets(rows),
        )

    @strawberry.field(
        **guarded(
            "invoice:read",
            "A customer's statement in their currency: the balance brought forward, every "
            "posted invoice, note, receipt and refund between the dates with the running "
            "balance, and the aging of what is open.",
        )
    )
    async def customer_statement(
        self,
        info: strawberry.Info,
        customer_id: strawberry.ID,
        date_from: date,
        date_to: date | None = None,
    ) -> CustomerStatement | None:
        found = await info.context.loaders.customer_by_id.load(
            argument_id(customer_id, "customerId")
        )
        if found is None or not _readable(info, found.company_id, "invoice"):
            return None
        until = date_to or _today(info)
        if until < date_from:
            raise bad_input("`dateTo` is before `dateFrom`.", "dateTo")
        rows = await statement_lines(info.context.tenant_engine, found.id, until)
        account = statement(
            # a document in another currency is not part of this account
            (r for r in rows if r["currency_code"] == found.currency_code),
            date_from=date_from,
            day=lambda r: r["day"],
            change=lambda r: r["debit"] - r["credit"],
        )
        lines = [
            CustomerStatementLine(
                date=r["day"],
                kind=r["kind"],
                number=r["number"],
                reference=r["reference"],
                debit=money(r["debit"]),
                credit=money(r["credit"]),
                balance=money(balance),
            )
            for r, balance in account.lines
        ]
        aging = await ar_aging(info.context.tenant_engine, found.company_id, until, [found.id])
        return CustomerStatement(
            customer=Customer.of(found),
            currency_code=found.currency_code,
            date_from=date_from,
            date_to=until,
            opening_balance=money(account.opening),
            lines=lines,
            closing_balance=money(account.closing),
            aging=_buckets(aging),
        )
