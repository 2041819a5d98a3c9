"""What an attacker would try, generated from the schema so that fields added later are covered.

A world of two tenants — A with companies A1 and A2, B with company B1, each with a custom role,
an API key, a pending invitation, a company's stock, purchases and sales in every state an id
argument takes (`build_commerce`) and whatever else the schema's `create*` mutations can make —
is attacked field by field: every query, mutation and subscription of the schema is called

- by A's owner with B's ids, and by B's owner (and B's API key) with A's ids;
- by a member of A who may only enter A1, with A2's ids;
- with no token, an expired one, a tampered one, `alg: none`, HS256 keyed with the public key,
  and a forged signature under the real key id.

Every answer must be free of 500s and exception text, carry only typed errors, contain none of the
victim's markers (ids, names, emails, secrets: the victim's records are named VICTIM-...), and a
call aimed at the victim's ids must achieve nothing; the victim's tables are fingerprinted
before and after each attacker and must not have moved.

Runs against a server of its own with tenant and anonymous rate limits switched off (the sweep is
hundreds of requests) and sign-in throttling out of the way; both tenants are on the enterprise
plan, so the plan's query limits and features never stand in for an access check.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx
import pytest
from joserfc.jwk import RSAKey
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.identity.builtin_roles import (
    ACCOUNTANT,
    ADMIN,
    BUILTIN_ROLES,
    OWNER,
    PURCHASING,
    SALES,
    VIEWER,
    WAREHOUSE,
)
from resolvers.root import build_schema
from server.services import Endpoints
from server.settings import Settings
from tests.banking.api import import_statement
from tests.conftest import (
    GraphQLClient,
    LiveServer,
    TenantHandle,
    eventually,
    start_server,
    stop_server,
)
from tests.e2e.ws_client import (
    PROTOCOLS,
    GraphQLWebSocket,
    SubscriptionCompleted,
    SubscriptionError,
)
from tests.identity.test_auth import (
    _alg_none,
    _expired,
    _foreign_key_same_kid,
    _hs256_with_public_pem,
    b64json,
    unverified,
)
from tests.jobs.api import upload
from tests.security.attack_kit import (
    PUBLIC_CODES,
    Call,
    DocumentFactory,
    Target,
    changes,
    contains_id,
    judge,
    leaked,
    refused,
    snapshot,
)
from tests.webhooks.receiver import WebhookReceiver
from workers.handlers import handlers_for

# Fields the sweep leaves out. None: the public ones (PUBLIC_FIELDS: sign-in, `_service`,
# `permissionCatalog`, `_entities`) are swept too, only judged as public.
NOT_SWEPT: frozenset[str] = frozenset()

# Fields whose generated document finds nothing of the rightful owner's either, and why; the
# sweep still runs them (the refusal must hold for attackers too), they just prove less.
UNPROVEN: dict[str, str] = {
    "matchBankLine": "its targets are (journal entry, line number) pairs on the bank account:"
    " a generated document cannot know which line of the owner's entries sits on it"
    " (tests/banking matches real ones)",
}
# Failures of the sweep in a context still being finished when the sweep grew to cover it:
# (field, attacker or the start of their label) -> the fix owed. Strict: a listed failure that
# no longer happens fails the sweep too, so an entry goes as soon as its fix lands.
KNOWN_OPEN: dict[tuple[str, str], str] = {}
# Refusals that say "no such thing (for you)" rather than "not like this".
ACCESS_CODES = frozenset(
    {"NOT_FOUND", "FORBIDDEN", "UNAUTHENTICATED", "BAD_USER_INPUT", "FEATURE_DISABLED", None}
)


# --- the server and the world ------------------------------------------------------------------


@pytest.fixture(scope="module")
async def server(
    settings: Settings, endpoints: Endpoints, engine: AsyncEngine
) -> AsyncIterator[LiveServer]:
    unlimited = settings.model_copy(
        update={
            "rate_limit_per_minute": 0,  # 0 switches a bucket off (db/rate_limit.py)
            "anonymous_rate_limit_per_minute": 0,
            "sign_in_free_failures": 100_000,
            "sign_in_lock_failures": 200_000,
            "sign_in_ip_free_failures": 100_000,
            "sign_in_ip_lock_failures": 200_000,
        }
    )
    live, uvicorn_server, task = await start_server(unlimited, endpoints)
    yield live
    await stop_server(uvicorn_server, task)


@pytest.fixture(scope="module")
async def http(server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def factory() -> DocumentFactory:
    return DocumentFactory(build_schema()._schema)


async def post(
    http: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    token: str | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    sent = dict(headers or {})
    if token:
        sent["Authorization"] = f"Bearer {token}"
    return await http.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=sent
    )


async def data(
    http: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    token: str | None = None,
) -> dict[str, Any]:
    response = await post(http, query, variables, token)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    return body["data"]


def victim_text(tag: str) -> str:
    return f"VICTIM-{tag}-{uuid.uuid4().hex[:12]}"


CREATE_COMPANY = """
mutation($input: CreateCompanyInput!) {
  createCompany(input: $input) { company { id name taxNumber registrationNumber version }
                                 errors { code message } }
}"""
CREATE_ROLE = """
mutation($input: CreateRoleInput!) {
  createRole(input: $input) { role { id name description version } errors { code message } }
}"""
CREATE_KEY = """
mutation($input: CreateApiKeyInput!) {
  createApiKey(input: $input) { apiKey { id name prefix } secret errors { code message } }
}"""
INVITE = """
mutation($input: InviteUserInput!) {
  inviteUser(input: $input) { userId invitationToken errors { code message field } }
}"""
ACCEPT = """
mutation($tenant: String!, $email: String!, $token: String!, $password: String!) {
  acceptInvitation(tenant: $tenant, email: $email, invitationToken: $token, password: $password) {
    accessToken refreshToken errors { code message }
  }
}"""
GRANT = """
mutation($input: GrantCompanyAccessInput!) {
  grantCompanyAccess(input: $input) { ok errors { code message field } }
}"""
UPDATE_COMPANY = """
mutation($input: UpdateCompanyInput!) {
  updateCompany(input: $input) { company { id name version } errors { code message } }
}"""
COMPANIES = "{ companies(first: 100) { edges { cursor node { id name } } } }"
MY_ACCESS = """{ myAccess {
  allCompanies tenantPermissions { resource action conditions { kind value } }
  companies { companyId roleIds permissions { resource action conditions { kind value } } } } }"""
ME = "{ me { user { id email } tenant { id slug schema } } }"

# Mutations the world builds by hand; any other `create*` / `set*` / `add*` the schema grows is
# called generically, once per company, to give the victim data of that kind too.
KNOWN_CREATORS = frozenset({"createCompany", "createRole", "createApiKey"})


@dataclass
class Person:
    id: str
    email: str
    token: str = ""
    refresh_token: str = ""
    full_name: str = ""
    invitation_token: str = ""


@dataclass
class TenantWorld:
    label: str
    handle: TenantHandle
    companies: dict[str, dict[str, Any]] = field(default_factory=dict)  # A1 -> record
    role: dict[str, Any] = field(default_factory=dict)
    api_key: dict[str, Any] = field(default_factory=dict)
    invitee: Person | None = None  # invited, never accepted
    member: Person | None = None  # A only: may enter A1 only (viewer + accountant in A1)
    records: dict[str, dict[str, list[dict[str, Any]]]] = field(default_factory=dict)
    # The same, made on purpose by `build_commerce` (documents in known states, linked).
    built: dict[str, dict[str, list[dict[str, Any]]]] = field(default_factory=dict)
    cursors: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def company_markers(self, label: str) -> dict[str, str]:
        company = self.companies[label]
        out = {company["id"]: f"{label}'s id", company["name"]: f"{label}'s name"}
        out[company["taxNumber"]] = f"{label}'s tax number"
        out[company["registrationNumber"]] = f"{label}'s registration number"
        for made in (self.records, self.built):
            for kind, records in made.get(label, {}).items():
                for record in records:
                    out.update(_record_markers(record, f"{label}'s {kind}"))
        return out

    def secrets(self) -> dict[str, str]:
        """Never shown to anyone but their holder, whoever asks."""
        h = self.handle
        out = {
            h.token: f"{self.label} owner's access token",
            h.refresh_token: f"{self.label} owner's refresh token",
            h.refresh_token.partition(".")[2]: f"{self.label} owner's refresh secret",
            self.api_key["secret"]: f"{self.label} API key secret",
        }
        if self.invitee:
            out[self.invitee.invitation_token] = f"{self.label} invitation token"
        if self.member:
            out[self.member.token] = f"{self.label} member's access token"
        return out

    def markers(self) -> dict[str, str]:
        """Everything of this tenant another tenant must never see."""
        h = self.handle
        out = {
            str(h.id): f"{self.label} tenant id",
            h.slug: f"{self.label} tenant slug",
            h.schema: f"{self.label} schema name",
            str(h.admin_id): f"{self.label} owner's id",
            h.email: f"{self.label} owner's email",
            self.role["id"]: f"{self.label} custom role id",
            self.role["name"]: f"{self.label} custom role name",
            self.role["description"]: f"{self.label} custom role description",
            self.api_key["id"]: f"{self.label} API key id",
            self.api_key["name"]: f"{self.label} API key name",
            self.api_key["prefix"]: f"{self.label} API key prefix",
        }
        for person, what in ((self.invitee, "invitee"), (self.member, "member")):
            if person is not None:
                out[person.id] = f"{self.label} {what}'s id"
                out[person.email] = f"{self.label} {what}'s email"
                out[person.full_name] = f"{self.label} {what}'s name"
        for label in self.companies:
            out.update(self.company_markers(label))
        return out | self.secrets()

    def ids(self, company_labels: list[str]) -> dict[str, list[str]]:
        """Ids by kind, company-scoped ones of the given companies only."""
        assert self.invitee is not None
        out: dict[str, list[str]] = {
            "company": [self.companies[c]["id"] for c in company_labels],
            "tenant": [str(self.handle.id)],
            "user": [str(self.handle.admin_id), self.invitee.id],
            "role": [self.role["id"]],
            "apikey": [self.api_key["id"]],
        }
        for label in company_labels:
            built, harvested = self.built.get(label, {}), self.records.get(label, {})
            for kind in [*built, *(k for k in harvested if k not in built)]:
                mine = [r["id"] for r in built.get(kind, [])]
                more = [r["id"] for r in harvested.get(kind, [])]
                # Queries take the first id of a kind, mutations the last: both are the ones
                # built on purpose, in a known state, whatever the generic creators added.
                out.setdefault(kind, []).extend(mine + more + mine[-1:] if more else mine)
        return out

    def versions(self) -> dict[str, int]:
        records = [*self.companies.values(), self.role]
        records += [
            r
            for made in (self.records, self.built)
            for kinds in made.values()
            for rs in kinds.values()
            for r in rs
        ]
        return {r["id"]: r["version"] for r in records if isinstance(r.get("version"), int)}

    def strings(self, company_label: str) -> dict[str, str]:
        assert self.invitee is not None
        return {
            "slug": self.handle.slug,
            "email": self.handle.email,
            "invitee_email": self.invitee.email,
            "refresh_token_id": self.handle.refresh_token.partition(".")[0],
            "cursor:CompanyConnection": self.cursors[company_label],
            "tax_number": self.companies[company_label]["taxNumber"],
        }


def _record_markers(record: dict[str, Any], what: str) -> dict[str, str]:
    out = {}
    for key, value in record.items():
        if key == "id" or (isinstance(value, str) and value.startswith("VICTIM-")):
            out[str(value)] = f"{what} {key}"
    return out


async def build_world(
    http: httpx.AsyncClient,
    factory: DocumentFactory,
    make_tenant: Any,
    label: str,
    company_labels: list[str],
) -> TenantWorld:
    handle = await make_tenant(label.lower(), plan="enterprise")
    world = TenantWorld(label, handle)
    owner = handle.token
    for company in company_labels:
        made = (
            await data(
                http,
                CREATE_COMPANY,
                {
                    "input": {
                        "name": victim_text(company),
                        "taxNumber": f"TX{uuid.uuid4().hex[:14]}",
                        "registrationNumber": victim_text(f"{company}-reg"),
                        # in ringgit: the exchange-rate connector (BNM quotes in MYR) needs it
                        "currencyCode": "MYR",
                    }
                },
                owner,
            )
        )["createCompany"]
        assert made["errors"] == [], made
        world.companies[company] = made["company"]
    role = (
        await data(
            http,
            CREATE_ROLE,
            {
                "input": {
                    "name": victim_text(f"{label}-role"),
                    "description": victim_text(f"{label}-role-description"),
                    "permissions": [{"resource": "company", "action": "read"}],
                    "inherits": [str(VIEWER.id)],
                }
            },
            owner,
        )
    )["createRole"]
    assert role["errors"] == [], role
    world.role = role["role"]
    key = (
        await data(
            http,
            CREATE_KEY,
            {
                "input": {
                    "name": victim_text(f"{label}-key"),
                    "permissions": [{"resource": "company", "action": "read"}],
                }
            },
            owner,
        )
    )["createApiKey"]
    assert key["errors"] == [], key
    world.api_key = key["apiKey"] | {"secret": key["secret"]}

    first = company_labels[0]
    world.invitee = await invite(
        http,
        world,
        roles=[world.role["id"]],
        access=[{"companyId": world.companies[first]["id"]}],
        accept=False,
    )
    listing = await data(http, COMPANIES, token=owner)
    by_id = {e["node"]["id"]: e["cursor"] for e in listing["companies"]["edges"]}
    world.cursors = {c: by_id[world.companies[c]["id"]] for c in company_labels}
    for company in company_labels:
        await harvest(http, factory, world, company)
        await build_commerce(http, factory, world, company)
    return world


async def invite(
    http: httpx.AsyncClient,
    world: TenantWorld,
    *,
    roles: list[str],
    access: list[dict[str, Any]],
    accept: bool,
    by: str | None = None,
) -> Person:
    email = f"{victim_text('user').lower()}@{world.handle.slug}.example"
    name = victim_text(f"{world.label}-person")
    invited = (
        await data(
            http,
            INVITE,
            {
                "input": {
                    "email": email,
                    "fullName": name,
                    "roleIds": roles,
                    "companyAccess": access,
                }
            },
            by or world.handle.token,
        )
    )["inviteUser"]
    assert invited["errors"] == [], invited
    person = Person(
        invited["userId"], email, full_name=name, invitation_token=invited["invitationToken"]
    )
    if accept:
        accepted = (
            await data(
                http,
                ACCEPT,
                {
                    "tenant": world.handle.slug,
                    "email": email,
                    "token": invited["invitationToken"],
                    "password": "correct horse battery",
                },
            )
        )["acceptInvitation"]
        assert accepted["errors"] == [], accepted
        person.token, person.refresh_token = accepted["accessToken"], accepted["refreshToken"]
    return person


async def harvest(
    http: httpx.AsyncClient, factory: DocumentFactory, world: TenantWorld, company: str
) -> None:
    """Call every other `create*`/`set*`/`add*` mutation as the owner, in `company`, and keep
    what comes back (ids and VICTIM-... strings) as that company's data. Two passes, so that a
    creation depending on another (a journal entry on accounts) gets its chance."""
    creators = [
        n
        for n in factory.fields("mutation")
        if n.startswith(("create", "set", "add")) and n not in KNOWN_CREATORS
    ]
    done: set[str] = set()
    for _ in range(2):
        for name in creators:
            if name in done:
                continue
            own = Target(
                label=f"{world.label} owner (building)",
                token=world.handle.token,
                ids=world.ids([company]),
                victim_ids=set(),
                strings=world.strings(company),
                markers={},
                free_text=f"VICTIM-{company}",
            )
            call = factory.call("mutation", name, own)
            response = await post(http, call.query, call.variables, own.token)
            body = response.json()
            payload = (body.get("data") or {}).get(name)
            if not isinstance(payload, dict) or payload.get("errors") or body.get("errors"):
                world.notes.append(f"{name} in {company}: {json.dumps(body)[:300]}")
                continue
            done.add(name)
            for kind, record in _records(payload):
                world.records.setdefault(company, {}).setdefault(kind, []).append(record)
    world.notes = [n for n in world.notes if n.split(" in ")[0] not in done]


async def make(
    http: httpx.AsyncClient, factory: DocumentFactory, token: str, name: str, input_: Any
) -> dict[str, Any]:
    """One mutation as the owner, selecting everything its payload holds; must succeed."""
    fld = factory.roots()["mutation"].fields[name]
    input_type = fld.args["input"].type
    selection = factory.selection(fld.type, 3, True)
    query = f"mutation($input: {input_type}) {{ {name}(input: $input) {selection} }}"
    payload = (await data(http, query, {"input": input_}, token))[name]
    assert payload["errors"] == [], (name, payload)
    return dict(payload)


def _leaves(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if not isinstance(v, dict | list)}


async def build_commerce(
    http: httpx.AsyncClient, factory: DocumentFactory, world: TenantWorld, company: str
) -> None:
    """The company's inventory, purchasing and sales, each stage through the API, kept as the
    company's records under the id kind the schema's arguments name (`orderLineId` -> line,
    `paymentId` -> payment, `customerPayment(id)` -> customerpayment). Of every kind a mutation
    acts on, the one it should find last (the generated mutations take the last): a PO still
    open, a draft bill, an unallocated payment."""
    token, company_id = world.handle.token, world.companies[company]["id"]
    today = date.today().isoformat()
    records = world.built.setdefault(company, {})

    def keep(kind: str, record: dict[str, Any]) -> dict[str, Any]:
        records.setdefault(kind, []).append(_leaves(record))
        return record

    async def run(name: str, input_: dict[str, Any]) -> dict[str, Any]:
        return await make(http, factory, token, name, input_)

    listing = await data(
        http,
        "query($c: ID!) { accounts(companyId: $c, first: 100) { edges { node { id code } } } }",
        {"c": company_id},
        token,
    )
    account = {e["node"]["code"]: e["node"]["id"] for e in listing["accounts"]["edges"]}
    tag = f"{world.label}{company}"

    # Inventory: a category, two warehouses (one with a bin), a stocked product, a count and a
    # transfer still in transit.
    category = keep(
        "category",
        (await run("createProductCategory", {"companyId": company_id, "name": victim_text(tag)}))[
            "category"
        ],
    )
    warehouses = []
    for code in ("W1", "W2"):
        made = (
            await run(
                "createWarehouse",
                {
                    "companyId": company_id,
                    "code": f"{code}{uuid.uuid4().hex[:4]}",
                    "name": victim_text(f"{tag}-{code}"),
                    "locations": [{"code": "BIN1", "name": victim_text(f"{tag}-bin")}],
                },
            )
        )["warehouse"]
        warehouses.append(keep("warehouse", made)["id"])
        for location in made["locations"]:
            keep("location", location)
    product = keep(
        "product",
        (
            await run(
                "createProduct",
                {
                    "companyId": company_id,
                    "sku": f"SKU{uuid.uuid4().hex[:6]}",
                    "name": victim_text(f"{tag}-product"),
                    "categoryId": category["id"],
                    "sellingPrice": "10.00",
                    "reorderPoint": "500",  # below it: a reorder suggestion to find
                    "reorderQuantity": "50",
                },
            )
        )["product"],
    )["id"]
    stock = {"companyId": company_id, "productId": product}
    await run(
        "adjustStock",
        stock | {"warehouseId": warehouses[0], "delta": "100", "unitCost": "5.00", "reason": "in"},
    )
    moved = await run(
        "transferStock",
        stock
        | {
            "fromWarehouseId": warehouses[0],
            "toWarehouseId": warehouses[1],
            "quantity": "5",
            "reason": "rebalance",
            "inTransit": True,
        },
    )
    keep("transfer", moved["transfer"])

    # Purchasing: a supplier, an order received and billed (posted, paid in part, credited),
    # then a draft bill and an order still open.
    supplier = keep(
        "supplier",
        (
            await run(
                "createSupplier",
                {
                    "companyId": company_id,
                    "code": f"S{uuid.uuid4().hex[:6]}",
                    "name": victim_text(f"{tag}-supplier"),
                },
            )
        )["supplier"],
    )["id"]
    order_input = {
        "companyId": company_id,
        "supplierId": supplier,
        "warehouseId": warehouses[0],
        "orderDate": today,
        "lines": [{"productId": product, "quantity": "10", "unitPrice": "5.00"}],
    }
    received_order = (await run("createPurchaseOrder", order_input))["purchaseOrder"]
    receipt = (
        await run(
            "receiveGoods",
            {
                "purchaseOrderId": received_order["id"],
                "receiptDate": today,
                "lines": [{"orderLineId": received_order["lines"][0]["id"], "quantity": "10"}],
            },
        )
    )["goodsReceipt"]
    keep("goodsreceipt", receipt)
    for line in receipt["lines"]:
        keep("receiptline", line)
    bill_input = {"companyId": company_id, "supplierId": supplier, "billDate": today}
    posted_bill = (
        await run(
            "createBill",
            bill_input
            | {
                "post": True,
                "lines": [
                    {
                        "receiptLineId": receipt["lines"][0]["id"],
                        "quantity": "10",
                        "unitPrice": "5.00",
                    }
                ],
            },
        )
    )["bill"]
    keep("bill", posted_bill)
    keep(
        "supplierpayment",
        (
            await run(
                "makeSupplierPayment",
                {
                    "companyId": company_id,
                    "supplierId": supplier,
                    "paymentDate": today,
                    "amount": "20.00",
                    "allocations": [{"billId": posted_bill["id"], "amount": "20.00"}],
                },
            )
        )["payment"],
    )
    keep(
        "suppliercredit",
        (
            await run(
                "issueSupplierCredit",
                {
                    "billId": posted_bill["id"],
                    "creditDate": today,
                    "lines": [
                        {
                            "billLineId": posted_bill["lines"][0]["id"],
                            "quantity": "1",
                            "returnStock": False,
                        }
                    ],
                },
            )
        )["credit"],
    )
    draft_bill = (
        await run(
            "createBill",
            bill_input
            | {
                "post": False,
                "lines": [{"accountId": account["5100"], "quantity": "1", "unitPrice": "7.00"}],
            },
        )
    )["bill"]
    keep("bill", draft_bill)
    for line in (*posted_bill["lines"], *draft_bill["lines"]):
        keep("billline", line)
    open_order = (await run("createPurchaseOrder", order_input))["purchaseOrder"]
    for order in (received_order, open_order):
        keep("purchaseorder", order)
        for line in order["lines"]:
            keep("line", line)

    # Sales: a customer, a quotation, an order, its delivery, a posted invoice paid in part,
    # credit and debit notes, and an unallocated payment.
    customer = keep(
        "customer",
        (
            await run(
                "createCustomer",
                {
                    "companyId": company_id,
                    "code": f"C{uuid.uuid4().hex[:6]}",
                    "name": victim_text(f"{tag}-customer"),
                },
            )
        )["customer"],
    )["id"]
    items = [{"productId": product, "quantity": "2", "unitPrice": "10.00"}]
    quotation = (await run("createQuotation", {"customerId": customer, "items": items}))["document"]
    keep("quotation", quotation)
    sales_order = (
        await run(
            "createSalesOrder",
            {"quotationId": quotation["id"], "warehouseId": warehouses[0]},
        )
    )["document"]
    keep("salesorder", sales_order)
    keep("delivery", (await run("createDelivery", {"salesOrderId": sales_order["id"]}))["document"])
    invoice = (
        await run(
            "createInvoice",
            {"customerId": customer, "items": items, "warehouseId": warehouses[0], "post": True},
        )
    )["invoice"]
    keep("invoice", invoice)
    pay = {"customerId": customer, "bankAccountId": account["1110"]}
    paid = (
        await run(
            "receivePayment",
            pay
            | {"amount": "5.00", "allocations": [{"invoiceId": invoice["id"], "amount": "5.00"}]},
        )
    )["payment"]
    credit = await run(
        "createCreditNote",
        {
            "invoiceId": invoice["id"],
            "lines": [{"lineNumber": 1, "quantity": "1"}],
            "returnStock": False,
        },
    )
    keep("creditnote", credit["invoice"])
    debit = await run(
        "createDebitNote",
        {
            "invoiceId": invoice["id"],
            "items": [
                {"description": victim_text(f"{tag}-charge"), "quantity": "1", "unitPrice": "3.00"}
            ],
        },
    )
    keep("debitnote", debit["invoice"])
    unallocated = (await run("receivePayment", pay | {"amount": "4.00", "allocations": []}))[
        "payment"
    ]
    for payment in (paid, unallocated):
        keep("customerpayment", payment)
        keep("payment", payment)
    # Imports: a dry-run job, its file a multipart upload as a browser sends it.
    started = await upload(
        GraphQLClient(http), token, kind="CUSTOMERS", company_id=company_id, dry_run=True,
        content=f"code,name\n{tag}-IMP,{victim_text(f'{tag}-imported')}\n".encode(),
        file_name=f"{victim_text(f'{tag}-file')}.csv",
    )  # fmt: skip
    assert started["errors"] == [], started
    keep("job", started["job"])
    await build_integrations(http, token, company_id, account["1110"], tag, keep, run)


async def build_integrations(
    http: httpx.AsyncClient,
    token: str,
    company_id: str,
    bank_account_id: str,
    tag: str,
    keep: Any,
    run: Any,
) -> None:
    """The victim's webhook endpoint (with a delivered delivery: nothing of it changes later,
    unless an attacker retries it), connector and bank statement."""
    with WebhookReceiver() as receiver:
        endpoint = (
            await run(
                "createWebhookEndpoint",
                {"url": receiver.url(f"/{tag}"), "eventTypes": ["webhook.test"],
                 "companyId": company_id, "description": victim_text(f"{tag}-hook")},
            )
        )["endpoint"]  # fmt: skip
        sent = (
            await data(
                http,
                "mutation($id: ID!) { sendTestWebhook(endpointId: $id) {"
                " delivery { id } errors { code } } }",
                {"id": endpoint["id"]},
                token,
            )
        )["sendTestWebhook"]
        assert sent["errors"] == [], sent

        async def delivered() -> bool:
            found = await data(
                http,
                "query($id: ID!) { webhookDeliveries(endpointId: $id) {"
                " edges { node { status } } } }",
                {"id": endpoint["id"]},
                token,
            )
            return [e["node"]["status"] for e in found["webhookDeliveries"]["edges"]] == [
                "SUCCEEDED"
            ]

        assert await eventually(delivered, timeout=30)
        [delivery] = (
            await data(
                http,
                "query($id: ID!) { webhookDeliveries(endpointId: $id) { edges { node { id } } } }",
                {"id": endpoint["id"]},
                token,
            )
        )["webhookDeliveries"]["edges"]
        keep("webhookdelivery", delivery["node"])  # `retryWebhookDelivery(id:)`
    keep("endpoint", endpoint)  # `endpointId` arguments
    keep("webhookendpoint", endpoint)  # `webhookEndpoint(id:)`
    connector = await run(
        "createConnector",
        {"kind": "EXCHANGE_RATES", "companyId": company_id, "name": victim_text(f"{tag}-rates"),
         "settings": {"baseUrl": "http://127.0.0.1:9", "currencies": ["USD"]}},
    )  # fmt: skip
    keep("connector", connector["connector"])
    imported = await import_statement(
        GraphQLClient(http), token, bank_account_id,
        f"date,amount,text\n2026-03-02,12.50,{victim_text(f'{tag}-ref')}\n".encode(), "CSV",
        file_name=f"{tag}.csv", csv_mapping={"date": "date", "amount": "amount",
                                            "reference": "text"},
    )  # fmt: skip
    assert imported["errors"] == [], imported
    keep("bankaccount", {"id": bank_account_id})  # `bankAccountId` arguments
    keep("statement", imported["statement"])  # `statementId` arguments
    keep("bankstatement", imported["statement"])  # `bankStatement(id:)`
    for line in imported["statement"]["lines"]:
        keep("line", line)


def _records(value: Any, key: str = "") -> list[tuple[str, dict[str, Any]]]:
    """(kind, record) for every object with an id in a payload, nested ones included; the kind
    is the field's name (`journalEntry` -> journalentry, `periods` -> period)."""
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(value, list):
        for item in value:
            found += _records(item, key.removesuffix("s"))
    elif isinstance(value, dict):
        if key and isinstance(value.get("id"), str):
            leaves = {k: v for k, v in value.items() if not isinstance(v, dict | list)}
            found.append((key.lower().replace("_", ""), leaves))
        for k, v in value.items():
            if k != "errors":
                found += _records(v, k)
    return found


# What A's member may do in A1 (and nowhere else): every company resource a role hands out, so
# that their attacks with A2's records under A1 meet the cross-company checks, not a missing
# permission.
MEMBER_A1_ROLES = [str(r.id) for r in (ACCOUNTANT, SALES, PURCHASING, WAREHOUSE)]
MEMBER_A1_PERMISSIONS = [{"resource": "invoice", "action": "*"}]


# Kinds that name the company a command acts in (a customer's invoice, a payment's allocation,
# an order's receipt, a product's stock): A1's, with A2's records in the rest of the input.
A1_PARENTS = ("company", "customer", "supplier", "purchaseorder", "payment", "product")
# The same from the other side: A1's warehouses, accounts, parties and documents, A2's products
# and document lines (so that a check of only the warehouse or only the party shows).
A1_PLACES = (
    "company",
    "warehouse",
    "location",
    "category",
    "account",
    "customer",
    "supplier",
    "quotation",
    "salesorder",
    "delivery",
)


@dataclass
class World:
    a: TenantWorld
    b: TenantWorld
    key: RSAKey
    settings: Settings


@pytest.fixture(scope="module")
async def world(
    http: httpx.AsyncClient,
    factory: DocumentFactory,
    make_tenant: Any,
    server: LiveServer,
    settings: Settings,
    celery_worker: object,  # the victims' webhook deliveries are sent (and settle) while built
) -> World:
    a = await build_world(http, factory, make_tenant, "A", ["A1", "A2"])
    b = await build_world(http, factory, make_tenant, "B", ["B1"])
    a1 = a.companies["A1"]["id"]
    a.member = await invite(http, a, roles=[str(VIEWER.id)], access=[], accept=True)
    granted = await data(
        http,
        GRANT,
        {
            "input": {
                "userId": a.member.id,
                "companyId": a1,
                "roleIds": MEMBER_A1_ROLES,
                "permissions": MEMBER_A1_PERMISSIONS,
            }
        },
        a.handle.token,
    )
    assert granted["grantCompanyAccess"]["errors"] == [], granted
    access = (await data(http, MY_ACCESS, token=a.member.token))["myAccess"]
    assert access["allCompanies"] is False
    assert [c["companyId"] for c in access["companies"]] == [a1]
    return World(a, b, server.services.tokens._key, settings)


# --- attackers ---------------------------------------------------------------------------------


def _tampered_into(genuine: str, victim: TenantHandle) -> str:
    """A's genuine token, its payload swapped for the victim's owner and tenant, signature kept."""
    header, _payload, signature = genuine.split(".")
    _, claims = unverified(genuine)
    claims |= {"sub": str(victim.admin_id), "tenant": str(victim.id)}
    return f"{header}.{b64json(claims)}.{signature}"


def targets(w: World) -> list[Target]:
    a, b = w.a, w.b
    assert a.member is not None
    everyone = a.markers() | b.markers()

    def scope(victim: TenantWorld, company: str | None = None) -> tuple[str, uuid.UUID, str | None]:
        h = victim.handle
        return h.schema, h.id, victim.companies[company]["id"] if company else None

    def full(
        victim: TenantWorld,
        label: str,
        token: str | None,
        *,
        authenticated: bool = True,
        headers: dict[str, str] | None = None,
    ) -> Target:
        labels = list(victim.companies)
        ids = victim.ids(labels)
        return Target(
            label=label,
            token=token,
            ids=ids,
            victim_ids={i for kind in ids.values() for i in kind},
            strings=victim.strings(labels[-1]),
            markers=victim.markers() if authenticated else everyone,
            authenticated=authenticated,
            headers=headers or {},
            versions=victim.versions(),
            victims=[scope(victim)] if authenticated else [scope(a), scope(b)],
        )

    # A's member who may enter A1 only. A's users, roles and keys are their own tenant's (not
    # secret to them by tenancy: their permissions decide), A2 and what lives in it are.
    a2 = a.ids(["A2"])
    a1 = a.ids(["A1"])
    tenant_kinds = set(a.ids([]))
    a2_records = {i for kind, ids in a2.items() if kind not in tenant_kinds for i in ids}
    member_markers = a.company_markers("A2") | a.secrets()

    def member(label: str, ids: dict[str, list[str]]) -> Target:
        assert a.member is not None
        return Target(
            label=label,
            token=a.member.token,
            ids=ids,
            victim_ids=set(a2["company"]) | a2_records,
            strings=a.strings("A2"),
            markers=member_markers,
            versions=a.versions(),
            victims=[scope(a, "A2")],
        )

    bad = {
        "expired token": _expired(w.key, a.handle, w.settings),
        "alg none": _alg_none(w.key, a.handle, w.settings),
        "HS256 keyed with the public key": _hs256_with_public_pem(w.key, a.handle, w.settings),
        "forged signature, real kid": _foreign_key_same_kid(w.key, a.handle, w.settings),
    }
    return [
        full(b, "A owner → B", a.handle.token),
        member("A1-only member → A2", a2),
        # Their own company A1, with A2's accounts, entries, periods: cross-company references.
        member(
            "A1-only member → A2's records under A1", a2 | {"company": [a.companies["A1"]["id"]]}
        ),
        # A1's own documents (the parent a command acts in or on) with A2's records inside:
        # an A1 invoice of A2's product from A2's warehouse, an A1 payment allocated to A2's
        # invoice, A2's order lines received on A1's order, ...
        member(
            "A1-only member → A2's records in A1's documents",
            a2 | {k: a1[k] for k in A1_PARENTS if k in a1},
        ),
        member(
            "A1-only member → A2's products and lines in A1's warehouses and parties",
            a2 | {k: a1[k] for k in A1_PLACES if k in a1},
        ),
        member(
            "A1-only member → A2's records in A1's invoices and bills",
            a2 | {k: a1[k] for k in ("company", "invoice", "bill", "salesorder") if k in a1},
        ),
        full(a, "B owner → A", b.handle.token),
        full(a, "B API key → A", b.api_key["secret"]),
        full(a, "no token → A", None, authenticated=False),
        full(
            b,
            "A token tampered into B",
            _tampered_into(a.handle.token, b.handle),
            authenticated=False,
        ),
        *(full(a, label, token, authenticated=False) for label, token in bad.items()),
    ]


# --- the checker can fail ----------------------------------------------------------------------


def test_the_checker_flags_leaks_500s_untyped_errors_and_effects() -> None:
    victim_id, name = str(uuid.uuid4()), victim_text("X")
    target = Target(
        label="probe",
        token="attacker-token",
        ids={"company": [victim_id]},
        victim_ids={victim_id},
        strings={},
        markers={victim_id: "victim id", name: "name"},
    )
    query = "query Attack($id: ID!) { company(id: $id) { id name } }"
    hostile = Call("query", "company", query, {"id": victim_id}, hostile=True)
    clean = Call("query", "users", "query Attack { users { id } }", {}, hostile=False)

    def verdict(call: Call, body: dict[str, Any], status: int = 200) -> list[str]:
        return judge(call, target, status, json.dumps(body))

    # Nothing found, or a typed refusal: fine. (The id the attacker sent coming back is no leak.)
    assert verdict(hostile, {"data": {"company": None}}) == []
    refusal = {
        "data": None,
        "errors": [{"message": f"No company {victim_id}.", "extensions": {"code": "NOT_FOUND"}}],
    }
    assert verdict(hostile, refusal) == []
    # The victim's name anywhere — data, an error message, nested JSON — is a leak.
    for body in (
        {"data": {"users": [{"id": "x", "note": f"see {name}"}]}},
        {
            "data": None,
            "errors": [{"message": f"taken by {name}", "extensions": {"code": "FORBIDDEN"}}],
        },
    ):
        [problem] = verdict(clean, body)
        assert "leaks name" in problem
    # The victim's id the attacker did not send is a leak too.
    assert any(
        "leaks victim id" in p for p in verdict(clean, {"data": {"users": [{"id": victim_id}]}})
    )
    # A record returned for the victim's id is an effect even without a marker in it; so is a
    # page without rows but with what it pages through. A count of nothing is nothing.
    assert any("did something" in p for p in verdict(hostile, {"data": {"company": {"id": "1"}}}))
    assert not refused({"edges": [], "pageInfo": {"hasNextPage": False}, "accountId": "1"})
    assert refused({"edges": [], "pageInfo": {"hasNextPage": False}, "accountId": None})
    assert refused({"closedPeriods": 0, "errors": [{"code": "NOT_FOUND"}]})
    assert not refused({"closedPeriods": 3, "errors": [{"code": "NOT_FOUND"}]})
    assert not refused({"ok": True, "errors": []})
    # 500s, masked internal errors, untyped errors, exception text, invalid documents.
    assert any("HTTP 500" in p for p in verdict(clean, {"data": None}, 500))
    masked = {"data": None, "errors": [{"message": "Internal server error. Quote the request id."}]}
    assert len(verdict(clean, masked)) == 2
    assert verdict(
        clean, {"errors": [{"message": "KeyError: 'x'", "extensions": {"code": "FORBIDDEN"}}]}
    )
    invalid = {"errors": [{"message": "Unknown argument", "extensions": {"code": None}}]}
    assert any("never ran" in p for p in verdict(clean, invalid))
    # Without a valid token a guarded field must answer UNAUTHENTICATED, and nothing else.
    target.authenticated = False
    assert any("without a valid token" in p for p in verdict(clean, {"data": {"users": []}}))
    unauthenticated = {
        "data": None,
        "errors": [
            {"message": "Access token has expired.", "extensions": {"code": "UNAUTHENTICATED"}}
        ],
    }
    assert verdict(clean, unauthenticated) == []
    assert leaked("x", {}, "") == []


# --- every query and mutation ------------------------------------------------------------------


@dataclass
class SweepReport:
    failures: list[str] = field(default_factory=list)
    exercised: dict[str, set[str]] = field(default_factory=dict)  # attacker -> fields run
    calls: int = 0
    hostile: dict[str, set[str]] = field(default_factory=dict)  # attacker -> fields aimed
    fallbacks: set[str] = field(default_factory=set)
    snap_time: float = 0.0


async def delivered(engine: AsyncEngine, schema: str) -> bool:
    """Every event of the tenant relayed, and every handler it is for done (its claim)."""
    async with engine.connect() as conn:
        events = (
            await conn.execute(
                text(f'SELECT event_id, event_type, published_at IS NOT NULL AND'
                     f' dispatched_at IS NOT NULL AS sent FROM "{schema}".outbox')
            )
        ).all()  # fmt: skip
        claims = await conn.execute(
            text(f'SELECT event_id, handler FROM "{schema}".processed_events')
        )
        done = {(c.event_id, c.handler) for c in claims}
    return all(e.sent for e in events) and all(
        (e.event_id, handler) in done for e in events for handler in handlers_for(e.event_type)
    )


async def settled_snapshot(engine: AsyncEngine, schema: str, tenant_id: uuid.UUID) -> Any:
    """The tenant's fingerprint once the events of the commands that set the scene are relayed
    and handled: the relay's own bookkeeping on the outbox is not a change an attacker made."""
    assert await eventually(lambda: delivered(engine, schema), timeout=30), schema
    return await snapshot(engine, schema, tenant_id)


async def run_sweep(
    http: httpx.AsyncClient,
    factory: DocumentFactory,
    engine: AsyncEngine,
    target: Target,
    report: SweepReport,
) -> None:
    t0 = time.perf_counter()
    # What an earlier attacker did in its own tenant (it may act there) carries on through the
    # outbox relay and the worker's handlers: let it land before the victims are fingerprinted.
    for schema in {victim[0] for victim in target.victims}:
        assert await eventually(lambda s=schema: delivered(engine, s), timeout=30), schema
    before = [await snapshot(engine, *victim) for victim in target.victims]
    report.snap_time += time.perf_counter() - t0
    ran = report.exercised.setdefault(target.label, set())
    aimed = report.hostile.setdefault(target.label, set())

    async def attack(operation: str, name: str) -> None:
        call = factory.call(operation, name, target)
        report.fallbacks.update(f"{name}: {path}" for path in call.fallbacks)
        response = await post(http, call.query, call.variables, target.token, target.headers)
        report.calls += 1
        problems = judge(call, target, response.status_code, response.text)
        if not any("never ran" in p for p in problems):
            ran.add(name)
        if call.hostile:
            aimed.add(name)
        report.failures.extend(f"{name} ← {target.label}: {p}" for p in problems)

    # Reads first, on untouched data; then the mutations (none may succeed against the victim,
    # so their order does not matter). A few at a time: the server shares this event loop.
    gate = asyncio.Semaphore(12)

    async def gated(operation: str, name: str) -> None:
        async with gate:
            await attack(operation, name)

    for operation in ("query", "mutation"):
        await asyncio.gather(*(gated(operation, name) for name in factory.fields(operation)))
    for victim, earlier in zip(target.victims, before, strict=True):
        t0 = time.perf_counter()
        after = await snapshot(engine, *victim)
        report.snap_time += time.perf_counter() - t0
        report.failures += [
            f"after {target.label}: {victim[0]}{' company ' + victim[2] if victim[2] else ''}: {p}"
            for p in await changes(engine, earlier, after, victim[1], whole_tenant=not victim[2])
        ]


async def test_every_query_and_mutation_refuses_other_tenants_companies_and_bad_tokens(
    http: httpx.AsyncClient,
    factory: DocumentFactory,
    engine: AsyncEngine,
    world: World,
    celery_worker: object,  # the handlers' effects land (and settle) while the sweep runs
) -> None:
    started = time.perf_counter()
    report = SweepReport()
    attackers = targets(world)
    for target in attackers:
        await run_sweep(http, factory, engine, target, report)

    schema = build_schema()._schema
    in_schema = [
        name for root in (schema.query_type, schema.mutation_type) if root for name in root.fields
    ]
    fields = set(in_schema) - NOT_SWEPT
    notes = world.a.notes + world.b.notes
    open_ = {
        key: [f for f in report.failures if f.startswith(f"{key[0]} ← {key[1]}")]
        for key in KNOWN_OPEN
    }
    failures = [f for f in report.failures if not any(f in seen for seen in open_.values())]
    assert failures == [], "\n".join(failures)
    fixed = [key for key, seen in open_.items() if not seen]
    assert fixed == [], f"fixed now, remove from KNOWN_OPEN: {fixed}"
    # Every field of the schema really ran (no document refused by validation or as too
    # complex) for every attacker ...
    for target in attackers:
        assert report.exercised[target.label] == fields, target.label
    assert len(fields) == len(in_schema) - len(NOT_SWEPT)
    assert report.calls == len(fields) * len(attackers)
    # ... and every field that takes an id was aimed at the victim's (a field left out here
    # needs victim data of its kind: see the world's notes on what could not be created).
    takes_ids = {
        name
        for op in ("query", "mutation")
        for name in factory.fields(op)
        if _id_arguments(factory, op, name)
    }
    for label in ("A owner → B", "B owner → A", "no token → A"):
        assert report.hostile[label] == takes_ids, (label, takes_ids - report.hostile[label], notes)
    print(
        f"\nswept {len(fields)} fields x {len(attackers)} attackers = {report.calls} calls in "
        f"{time.perf_counter() - started:.1f}s (snapshots {report.snap_time:.1f}s); id kinds "
        f"guessed for {sorted(report.fallbacks)}; world notes: {notes}"
    )


def _id_arguments(factory: DocumentFactory, operation: str, name: str) -> list[str]:
    root = factory.roots()[operation]
    return [a for a, arg in root.fields[name].args.items() if contains_id(arg.type)]


# --- every subscription ------------------------------------------------------------------------


async def test_subscriptions_deliver_nothing_of_the_victim(
    http: httpx.AsyncClient, factory: DocumentFactory, server: LiveServer, world: World
) -> None:
    a, b = world.a, world.b
    subscriptions = factory.fields("subscription")
    assert subscriptions, "the schema has no subscriptions?"
    attackers = targets(world)
    # What the tenants are about to do must not reach the attackers either: new names.
    renamed = {label: victim_text(f"{label}-renamed") for label in ("A1", "A2", "B1")}
    created = {label: victim_text(f"{label}-new") for label in ("A", "B")}
    extra_a2 = {renamed["A2"]: "A2's new name", created["A"]: "A's new company"}
    extra_a = extra_a2 | {renamed["A1"]: "A1's new name"}
    extra_b = {renamed["B1"]: "B1's new name", created["B"]: "B's new company"}
    for target in attackers:
        if not target.authenticated:
            target.markers |= extra_a | extra_b
        elif target.label.startswith("A owner"):
            target.markers |= extra_b
        elif target.label.startswith("A1-only"):  # A1 is theirs; A2 and the new one are not
            target.markers |= extra_a2
        else:  # B's owner and key
            target.markers |= extra_a

    failures: list[str] = []
    outcomes: dict[str, str] = {}
    async with contextlib.AsyncExitStack() as stack:
        listening: list[tuple[Target, Call, str, Any]] = []
        for target in attackers:
            for protocol in PROTOCOLS:
                params: dict[str, Any] = {}
                if target.label.startswith("B owner"):  # and naming A in the handshake
                    params = {"X-Tenant-Id": str(a.handle.id), "tenant": a.handle.slug}
                ws = await stack.enter_async_context(
                    GraphQLWebSocket(
                        server.ws_url, protocol, target.token, connection_params=params
                    )
                )
                for name in subscriptions:
                    call = factory.call("subscription", name, target)
                    sub = await ws.subscribe(call.query, call.variables)
                    listening.append((target, call, protocol, sub))
        # The rightful owners listen too: when their events arrive, the attackers' would have.
        controls = []
        for victim, company in ((a, "A2"), (b, "B1")):
            ws = await stack.enter_async_context(
                GraphQLWebSocket(server.ws_url, PROTOCOLS[0], victim.handle.token)
            )
            controls.append(
                await ws.subscribe(
                    "subscription($c: ID) { companyEvents(companyId: $c) { aggregateId } }",
                    {"c": victim.companies[company]["id"]},
                )
            )
        await asyncio.sleep(0.3)  # subscribe has no acknowledgement

        for victim, company in ((a, "A1"), (a, "A2"), (b, "B1")):
            record = victim.companies[company]
            updated = await data(
                http,
                UPDATE_COMPANY,
                {
                    "input": {
                        "id": record["id"],
                        "version": record["version"],
                        "name": renamed[company],
                    }
                },
                victim.handle.token,
            )
            assert updated["updateCompany"]["errors"] == [], updated
            record.update(updated["updateCompany"]["company"])
            await harvest(http, factory, victim, company)  # more of every kind: their events
        for victim in (a, b):
            new = await data(
                http,
                CREATE_COMPANY,
                {"input": {"name": created[victim.label]}},
                victim.handle.token,
            )
            assert new["createCompany"]["errors"] == []
        for control in controls:
            await control.next(timeout=10)
        await asyncio.sleep(1.0)  # the attackers' copies, if any, would be here by now
        # What was just made is the victims' too.
        fresh = {t.label: t.markers for t in targets(world)}
        for target in attackers:
            target.markers |= fresh[target.label]

        alive: dict[str, int] = {}  # authenticated attacker -> their own events received
        for target, call, protocol, sub in listening:
            where = f"{call.field} ← {target.label} ({protocol})"
            received: list[dict[str, Any]] = []
            while True:
                try:
                    received.append(await sub.next(timeout=0.05))
                except SubscriptionError as exc:
                    received.append({"errors": exc.errors})
                except (TimeoutError, SubscriptionCompleted):
                    break
            sent = call.sent + (target.token or "").lower()
            for payload in received:
                text_ = json.dumps(payload)
                failures += [f"{where}: leaks {m}" for m in leaked(text_, target.markers, sent)]
                codes = [
                    (e.get("extensions") or {}).get("code") for e in payload.get("errors") or []
                ]
                failures += [
                    f"{where}: untyped error {payload}" for c in codes if c not in PUBLIC_CODES
                ]
                if payload.get("data") and (call.hostile or not target.authenticated):
                    failures.append(f"{where}: delivered {text_[:300]}")
            errors = [e for p in received for e in p.get("errors") or []]
            outcomes[where] = f"{len(received) - len(errors)} events, {len(errors)} errors"
            if not target.authenticated:
                if not any(
                    (e.get("extensions") or {}).get("code") == "UNAUTHENTICATED" for e in errors
                ):
                    failures.append(f"{where}: no UNAUTHENTICATED error, got {received}")
            elif not call.hostile and not errors:
                alive[target.label] = alive.get(target.label, 0) + len(received)
    # Each attacker's sockets were live: their own tenant's events (A1's for A1's member) came.
    failures += [
        f"{label}: not even their own events arrived" for label, n in alive.items() if not n
    ]
    print(f"\n{len(outcomes)} attacking subscriptions:", json.dumps(outcomes, indent=1))
    assert failures == [], "\n".join(failures)


# --- privilege escalation ----------------------------------------------------------------------

ASSIGN = """
mutation($user: ID!, $role: ID!) {
  assignRole(userId: $user, roleId: $role) { ok errors { code message } }
}"""
UPDATE_ROLE = """
mutation($input: UpdateRoleInput!) {
  updateRole(input: $input) { role { id version inherits } errors { code message field } }
}"""
DEACTIVATE = "mutation($u: ID!) { deactivateUser(userId: $u) { ok errors { code message } } }"
USERS = "{ users { id email isActive roleIds companyAccess { companyId roleIds } } }"
COMPANY = "query($id: ID!) { company(id: $id) { id name } }"
EVERYTHING = [{"resource": "*", "action": "*"}]
Request = tuple[str, dict[str, Any]]


def assign(user: str, role: object) -> Request:
    return ASSIGN, {"user": user, "role": str(role)}


def grant(
    user: str, company: str, roles: Sequence[object] = (), perms: Sequence[Any] = ()
) -> Request:
    access = {"userId": user, "companyId": company, "roleIds": [str(r) for r in roles]}
    return GRANT, {"input": access | {"permissions": list(perms)}}


def new_role(name: str, perms: Sequence[Any] = (), inherits: Sequence[object] = ()) -> Request:
    role = {"name": name, "permissions": list(perms), "inherits": [str(r) for r in inherits]}
    return CREATE_ROLE, {"input": role}


def change_role(role: str, version: int, **changes: Any) -> Request:
    return UPDATE_ROLE, {"input": {"id": role, "version": version} | changes}


def invite_with(*roles: object) -> Request:
    email = f"puppet-{uuid.uuid4().hex[:8]}@example.com"
    return INVITE, {"input": {"email": email, "roleIds": [str(r) for r in roles]}}


def deactivate(user: object) -> Request:
    return DEACTIVATE, {"u": str(user)}


class Attempts:
    """Escalation attempts, each of which must be refused (FORBIDDEN or NOT_FOUND, as a GraphQL
    error or in the payload); what went through is collected."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.failures: list[str] = []

    async def __call__(self, who: tuple[str, str], what: str, request: Request) -> dict[str, Any]:
        (label, token), (query, variables) = who, request
        response = await post(self.http, query, variables, token)
        body = response.json()
        name = query.split("{", 2)[1].split("(")[0].strip()
        codes = [(e.get("extensions") or {}).get("code") for e in body.get("errors") or []]
        payload = (body.get("data") or {}).get(name)
        if isinstance(payload, dict):
            codes += [e["code"] for e in payload.get("errors") or []]
        if response.status_code != 200 or not codes:
            self.failures.append(f"{label}: {what}: done — {json.dumps(body)[:300]}")
        elif not {"FORBIDDEN", "NOT_FOUND"} & set(codes):
            self.failures.append(f"{label}: {what}: refused, but as {codes}")
        return body


async def signed_in_member(
    http: httpx.AsyncClient, w: TenantWorld, *roles: object, companies: tuple[str, ...] = ()
) -> Person:
    access = [{"companyId": w.companies[c]["id"]} for c in companies]
    return await invite(http, w, roles=[str(r) for r in roles], access=access, accept=True)


async def test_nobody_raises_their_own_access_or_hands_on_what_they_lack(
    http: httpx.AsyncClient, engine: AsyncEngine, world: World
) -> None:
    a = world.a
    assert a.member is not None
    owner, a1, a2 = a.handle, a.companies["A1"]["id"], a.companies["A2"]["id"]
    attempt = Attempts(http)
    admin_user = await signed_in_member(http, a, ADMIN.id)
    before_access = (await data(http, MY_ACCESS, token=a.member.token))["myAccess"]
    before = await settled_snapshot(engine, owner.schema, owner.id)

    # The member who may enter A1 (viewer; accountant, sales, purchasing, warehouse there)
    # tries it all on themselves.
    me, member = a.member.id, ("A1-only member", a.member.token)
    for role in BUILTIN_ROLES:
        await attempt(member, f"assignRole(self, {role.name})", assign(me, role.id))
    await attempt(member, "assignRole(self, custom role)", assign(me, a.role["id"]))
    await attempt(member, "grantCompanyAccess(self, A2)", grant(me, a2, [ACCOUNTANT.id]))
    await attempt(member, "grantCompanyAccess(self, A1, owner)", grant(me, a1, [OWNER.id]))
    await attempt(member, "grantCompanyAccess(self, A1, *:*)", grant(me, a1, perms=EVERYTHING))
    await attempt(member, "createRole(*:*)", new_role("Everything", EVERYTHING))
    await attempt(member, "createRole(inherits owner)", new_role("Crown", inherits=[OWNER.id]))
    for role_id in (OWNER.id, ACCOUNTANT.id, a.role["id"]):
        await attempt(
            member,
            f"updateRole({role_id}, *:*)",
            change_role(str(role_id), 1, permissions=EVERYTHING),
        )
    for perms in (EVERYTHING, [{"resource": "journal", "action": "post"}]):
        key = (CREATE_KEY, {"input": {"name": "mine", "permissions": perms}})
        await attempt(member, f"createApiKey({perms})", key)
    await attempt(member, "inviteUser(owner)", invite_with(OWNER.id))
    await attempt(member, "deactivateUser(owner)", deactivate(owner.admin_id))

    # An admin: makes no owner, does not touch the owner.
    admin = ("admin", admin_user.token)
    await attempt(admin, "assignRole(self, owner)", assign(admin_user.id, OWNER.id))
    await attempt(admin, "assignRole(member, owner)", assign(me, OWNER.id))
    await attempt(admin, "inviteUser(owner)", invite_with(OWNER.id))
    await attempt(admin, "deactivateUser(owner)", deactivate(owner.admin_id))
    await attempt(admin, "updateRole(owner)", change_role(str(OWNER.id), 1, description="mine"))
    assert attempt.failures == [], "\n".join(attempt.failures)

    # Nothing changed: the member's access, the tenant's data, the owner still the owner.
    assert (await data(http, MY_ACCESS, token=a.member.token))["myAccess"] == before_access
    after = await snapshot(engine, owner.schema, owner.id)
    assert await changes(engine, before, after, owner.id) == []
    users = {u["id"]: u for u in (await data(http, USERS, token=owner.token))["users"]}
    assert users[str(owner.admin_id)]["isActive"] is True
    assert users[me]["roleIds"] == [str(VIEWER.id)]
    [access] = users[me]["companyAccess"]
    assert access["companyId"] == a1 and sorted(access["roleIds"]) == sorted(MEMBER_A1_ROLES)
    assert users[admin_user.id]["roleIds"] == [str(ADMIN.id)]


async def small_world(
    http: httpx.AsyncClient, make_tenant: Any, label: str, companies: list[str]
) -> TenantWorld:
    """A tenant of its own with a few companies: for attacks that may wreck it if they work."""
    handle = await make_tenant(label.lower(), plan="enterprise")
    w = TenantWorld(label, handle)
    for company in companies:
        made = await data(
            http, CREATE_COMPANY, {"input": {"name": victim_text(company)}}, handle.token
        )
        w.companies[company] = made["createCompany"]["company"]
    return w


async def test_a_company_limited_superuser_cannot_reach_every_company_through_inheritance(
    http: httpx.AsyncClient, make_tenant: Any
) -> None:
    """Every permission, but only in E1: wrapping `admin` (every company) in a custom role —
    their own, or a new one for an account they control — must not open E2."""
    w = await small_world(http, make_tenant, "E", ["E1", "E2"])
    e2 = w.companies["E2"]["id"]
    attempt = Attempts(http)
    made = await data(http, *new_role("Company boss", EVERYTHING), token=w.handle.token)
    own_role = made["createRole"]["role"]
    boss_user = await signed_in_member(http, w, own_role["id"], companies=("E1",))
    bystander = await signed_in_member(http, w, VIEWER.id)
    assert (await data(http, COMPANY, {"id": e2}, boss_user.token))["company"] is None
    boss = ("E1-only superuser", boss_user.token)

    inherit_admin = change_role(own_role["id"], own_role["version"], inherits=[str(ADMIN.id)])
    await attempt(boss, "updateRole(own role, inherits admin)", inherit_admin)
    query, variables = new_role("Climber", inherits=[ADMIN.id])
    climber = (await post(http, query, variables, boss_user.token)).json()["data"]["createRole"]
    if climber["role"] is not None:  # making it may be fine; handing it on must not be
        await attempt(boss, "inviteUser(role inheriting admin)", invite_with(climber["role"]["id"]))
        await attempt(
            boss,
            "assignRole(someone, role inheriting admin)",
            assign(bystander.id, climber["role"]["id"]),
        )
    reach = (await data(http, MY_ACCESS, token=boss_user.token))["myAccess"]["allCompanies"]
    seen = (await data(http, COMPANY, {"id": e2}, boss_user.token))["company"]
    if reach or seen:
        attempt.failures.append(f"the E1-only superuser now enters every company: E2 = {seen}")
    assert attempt.failures == [], "\n".join(attempt.failures)


async def test_an_admin_cannot_make_an_owner_through_inheritance(
    http: httpx.AsyncClient, make_tenant: Any
) -> None:
    """Only an owner makes owners: not by a custom role inheriting `owner` either, handed to an
    account the admin controls, which would then crown the admin and depose the owner."""
    w = await small_world(http, make_tenant, "F", ["F1"])
    attempt = Attempts(http)
    admin_user = await signed_in_member(http, w, ADMIN.id)
    bystander = await signed_in_member(http, w, VIEWER.id)
    admin = ("admin", admin_user.token)
    query, variables = new_role("Shadow", inherits=[OWNER.id])
    shadow = (await post(http, query, variables, admin_user.token)).json()["data"]["createRole"]
    if shadow["role"] is not None:  # making it may be fine; handing it on must not be
        request = invite_with(shadow["role"]["id"])
        invited = await attempt(admin, "inviteUser(role inheriting owner)", request)
        await attempt(
            admin,
            "assignRole(someone, role inheriting owner)",
            assign(bystander.id, shadow["role"]["id"]),
        )
        secret = ((invited.get("data") or {}).get("inviteUser") or {}).get("invitationToken")
        if secret:  # it went through: what can that account do?
            credentials = {
                "tenant": w.handle.slug,
                "email": request[1]["input"]["email"],
                "token": secret,
                "password": "correct horse battery",
            }
            accepted = (await data(http, ACCEPT, credentials))["acceptInvitation"]
            puppet = ("the admin's puppet", accepted["accessToken"])
            await attempt(puppet, "assignRole(admin, owner)", assign(admin_user.id, OWNER.id))
            await attempt(puppet, "deactivateUser(owner)", deactivate(w.handle.admin_id))
    assert attempt.failures == [], "\n".join(attempt.failures)


async def test_the_owner_role_inside_one_company_makes_nobody_an_owner(
    http: httpx.AsyncClient, make_tenant: Any
) -> None:
    """Only an owner hands on the owner role, even as a role inside one company; and the attempt
    makes no owner: no owners made, no owner deposed, no other company."""
    w = await small_world(http, make_tenant, "G", ["G1", "G2"])
    g1, g2 = w.companies["G1"]["id"], w.companies["G2"]["id"]
    admin_user = await signed_in_member(http, w, ADMIN.id)
    member_user = await signed_in_member(http, w, VIEWER.id)
    refused = (
        await post(http, *grant(member_user.id, g1, [OWNER.id]), token=admin_user.token)
    ).json()
    assert [e["code"] for e in refused["data"]["grantCompanyAccess"]["errors"]] == ["FORBIDDEN"]
    attempt = Attempts(http)
    member = ("member with the owner's role in G1", member_user.token)
    await attempt(member, "assignRole(admin, owner)", assign(admin_user.id, OWNER.id))
    await attempt(member, "deactivateUser(owner)", deactivate(w.handle.admin_id))
    await attempt(member, "grantCompanyAccess(admin, G2)", grant(admin_user.id, g2))
    assert attempt.failures == [], "\n".join(attempt.failures)
    access = (await data(http, MY_ACCESS, token=member_user.token))["myAccess"]
    assert access["allCompanies"] is False
    assert access["companies"] == []
    for company in (g1, g2):  # refused outright (no company to read in) or null: nothing shown
        answer = (await post(http, COMPANY, {"id": company}, member_user.token)).json()
        assert (answer.get("data") or {}).get("company") is None, answer


def invite_to(*roles: object, access: Sequence[dict[str, Any]] = ()) -> Request:
    email = f"puppet-{uuid.uuid4().hex[:8]}@example.com"
    invitation = {"email": email, "roleIds": [str(r) for r in roles], "companyAccess": access}
    return INVITE, {"input": invitation}


async def test_invitations_and_grants_hand_on_nothing_the_granter_lacks_where_they_lack_it(
    http: httpx.AsyncClient, engine: AsyncEngine, make_tenant: Any
) -> None:
    """inviteUser under the same delegation rule as assignRole and grantCompanyAccess: a clerk
    who keeps H1's books and reads H2 puts no tenant-wide poster into H2 (by invitation, or by
    letting a tenant-wide accountant in); an admin makes no owner of one company; role ids the
    tenant does not have are refused, not stored. Nothing of the tenant changes."""
    w = await small_world(http, make_tenant, "H", ["H1", "H2"])
    h1, h2, owner = w.companies["H1"]["id"], w.companies["H2"]["id"], w.handle.token
    clerk_perms = [
        {"resource": r, "action": a}
        for r, a in (("user", "invite"), ("user", "read"), ("role", "read"), ("role", "assign"))
    ]
    posting = [{"resource": "journal", "action": a} for a in ("create", "post")]
    clerk_role = (await data(http, *new_role("Clerk", clerk_perms), token=owner))["createRole"]
    poster = (await data(http, *new_role("Poster", posting), token=owner))["createRole"]
    clerk_user = await invite(http, w, roles=[clerk_role["role"]["id"]], access=[
        {"companyId": h1, "roleIds": [str(ACCOUNTANT.id)]},
        {"companyId": h2, "roleIds": [str(VIEWER.id)]},
    ], accept=True)  # fmt: skip
    admin_user = await signed_in_member(http, w, ADMIN.id)
    roaming_accountant = await signed_in_member(http, w, ACCOUNTANT.id)  # in no company yet
    users_before = (await data(http, USERS, token=owner))["users"]
    before = await settled_snapshot(engine, w.handle.schema, w.handle.id)

    attempt = Attempts(http)
    clerk = ("clerk: accountant in H1, viewer in H2", clerk_user.token)
    ghost = str(uuid.uuid4())
    await attempt(clerk, "inviteUser(tenant-wide poster, into H2)",
                  invite_to(poster["role"]["id"], access=[{"companyId": h2}]))  # fmt: skip
    await attempt(clerk, "grantCompanyAccess(tenant-wide accountant, H2)",
                  grant(roaming_accountant.id, h2))  # fmt: skip
    await attempt(clerk, "inviteUser(unknown role in H1)",
                  invite_to(access=[{"companyId": h1, "roleIds": [ghost]}]))  # fmt: skip
    admin = ("admin", admin_user.token)
    await attempt(admin, "inviteUser(owner of H1)",
                  invite_to(access=[{"companyId": h1, "roleIds": [str(OWNER.id)]}]))  # fmt: skip
    await attempt(admin, "inviteUser(unknown tenant-wide role)", invite_to(ghost))
    await attempt(admin, "inviteUser(unknown role in H2)",
                  invite_to(access=[{"companyId": h2, "roleIds": [ghost]}]))  # fmt: skip
    assert attempt.failures == [], "\n".join(attempt.failures)

    assert (await data(http, USERS, token=owner))["users"] == users_before
    after = await snapshot(engine, w.handle.schema, w.handle.id)
    assert await changes(engine, before, after, w.handle.id) == []


async def test_editing_a_role_hands_its_holders_nothing_the_editor_lacks_where_they_lack_it(
    http: httpx.AsyncClient, engine: AsyncEngine, make_tenant: Any
) -> None:
    """updateRole under the same rule: an editor who posts journals but enters J1 only cannot
    add journal:post to a role whose holders reach J2 — tenant-wide, as a J2 company role, or
    through a role inheriting it — nor make it inherit a poster role. Nothing changes."""
    w = await small_world(http, make_tenant, "J", ["J1", "J2"])
    j1, j2, owner = w.companies["J1"]["id"], w.companies["J2"]["id"], w.handle.token
    posting = [{"resource": "journal", "action": a} for a in ("create", "post")]
    editing = [{"resource": "role", "action": a} for a in ("read", "update")]
    helping = [
        {"resource": "journal", "action": "create"},
        {"resource": "profile", "action": "read"},
    ]

    async def role(name: str, perms: Sequence[Any], inherits: Sequence[object] = ()) -> str:
        made = (await data(http, *new_role(name, perms, inherits), token=owner))["createRole"]
        return str(made["role"]["id"])

    editor_role, poster = await role("Editor", [*editing, *posting]), await role("Poster", posting)
    helper = await role("Helper", helping)
    deputy = await role("Deputy", (), inherits=[helper])
    editor_user = await invite(http, w, roles=[editor_role], access=[{"companyId": j1}],
                               accept=True)  # fmt: skip
    roamer = await invite(http, w, roles=[helper], access=[{"companyId": j2}], accept=True)
    await invite(http, w, roles=[], access=[{"companyId": j2, "roleIds": [deputy]}], accept=True)
    access_before = (await data(http, MY_ACCESS, token=roamer.token))["myAccess"]
    before = await settled_snapshot(engine, w.handle.schema, w.handle.id)

    attempt = Attempts(http)
    editor = ("editor: posts journals, enters J1 only", editor_user.token)
    await attempt(editor, "updateRole(helper held in J2, +journal:post)",
                  change_role(helper, 1, permissions=posting))  # fmt: skip
    await attempt(editor, "updateRole(helper held in J2, inherits poster)",
                  change_role(helper, 1, inherits=[poster]))  # fmt: skip
    await attempt(editor, "updateRole(deputy held in J2, +journal:post)",
                  change_role(deputy, 1, permissions=posting))  # fmt: skip
    assert attempt.failures == [], "\n".join(attempt.failures)

    assert (await data(http, MY_ACCESS, token=roamer.token))["myAccess"] == access_before
    after = await snapshot(engine, w.handle.schema, w.handle.id)
    assert await changes(engine, before, after, w.handle.id) == []


# --- token swapping ----------------------------------------------------------------------------

SWAP_QUERY = """
query($a1: ID!, $reps: [_Any!]!) {
  companies(first: 100) { edges { node { id name } } }
  company(id: $a1) { id name }
  _entities(representations: $reps) { __typename ... on Tenant { id slug } ... on Company { id } }
}"""


async def test_a_token_acts_in_its_own_tenant_whatever_else_names_another(
    http: httpx.AsyncClient, world: World
) -> None:
    """B's token (or key) with headers, query parameters, request extensions and arguments
    naming tenant A: everything still happens in B, and nothing of A comes back."""
    a, b = world.a, world.b
    a1 = a.companies["A1"]["id"]
    naming_a = {
        "X-Tenant-Id": str(a.handle.id),
        "X-Tenant": a.handle.slug,
        "X-Tenant-Slug": a.handle.slug,
        "X-Schema": a.handle.schema,
        "X-Company-Id": a1,
        "X-Forwarded-Host": f"{a.handle.slug}.example",
    }
    variables = {
        "a1": a1,
        "reps": [
            {"__typename": "Tenant", "id": str(a.handle.id)},
            {"__typename": "Company", "id": a1},
        ],
    }
    markers = a.markers()
    plain = await data(http, COMPANIES, token=b.handle.token)
    b_companies = {e["node"]["id"] for e in plain["companies"]["edges"]}
    assert {c["id"] for c in b.companies.values()} <= b_companies
    failures: list[str] = []
    for label, token in (("B owner", b.handle.token), ("B API key", b.api_key["secret"])):
        for url in ("/graphql", f"/graphql?tenant={a.handle.slug}&tenantId={a.handle.id}"):
            response = await http.post(
                url,
                json={
                    "query": SWAP_QUERY,
                    "variables": variables,
                    "extensions": {"tenant": str(a.handle.id), "tenantId": str(a.handle.id)},
                },
                headers=naming_a | {"Authorization": f"Bearer {token}"},
            )
            where = f"{label} via {url}"
            assert response.status_code == 200, response.text
            sent = json.dumps(variables).lower() + url.lower() + json.dumps(naming_a).lower()
            failures += [f"{where}: leaks {m}" for m in leaked(response.text, markers, sent)]
            got = response.json()["data"]
            seen = {e["node"]["id"] for e in got["companies"]["edges"]}
            if seen != b_companies:
                failures.append(f"{where}: companies {seen}")
            if got["company"] is not None or got["_entities"] != [None, None]:
                failures.append(f"{where}: {got['company']} {got['_entities']}")
        me = await post(http, ME, token=b.handle.token, headers=naming_a)
        if label == "B owner":
            tenant = me.json()["data"]["me"]["tenant"]
            assert tenant["id"] == str(b.handle.id) and tenant["slug"] == b.handle.slug
    assert failures == [], "\n".join(failures)

    # Signing in with B's token and headers naming A: B's credentials give a token for B, and
    # are no good for A.
    login = """mutation($t: String!, $e: String!, $p: String!) {
      login(tenant: $t, email: $e, password: $p) { accessToken errors { code } } }"""
    for slug, expect in ((b.handle.slug, True), (a.handle.slug, False)):
        answer = await post(
            http,
            login,
            {"t": slug, "e": b.handle.email, "p": b.handle.password},
            token=b.handle.token,
            headers=naming_a,
        )
        payload = answer.json()["data"]["login"]
        if expect:
            _, claims = unverified(payload["accessToken"])
            assert claims["tenant"] == str(b.handle.id) and claims["sub"] == str(b.handle.admin_id)
        else:
            assert payload["accessToken"] is None
            assert [e["code"] for e in payload["errors"]] == ["UNAUTHENTICATED"]


# --- the control: the same documents for the rightful owner -------------------------------------


async def test_the_sweep_documents_do_work_for_the_rightful_owner(
    http: httpx.AsyncClient, factory: DocumentFactory, world: World
) -> None:
    """The same generated documents, sent by B's owner with B's own ids, get through: the
    refusals above come from tenancy and access, not from documents that could never work.

    For every field that takes ids: a query finds something (were B's data of that kind empty,
    an attacker's empty answer would prove nothing), a mutation finds its records — it may
    still be refused for a reason of the domain (a conflict, a state), not for an id it does
    not know or a permission. Last in the module: it changes B (revokes its key, ...)."""
    b = world.b
    labels = list(b.companies)
    own = Target(
        label="B owner → B (control)",
        token=b.handle.token,
        ids=b.ids(labels),
        victim_ids=set(),
        strings=b.strings(labels[-1]),
        markers={},
        versions=b.versions(),
        free_text="CONTROL",
    )
    unproven: dict[str, str] = {}
    problems: list[str] = []
    for operation in ("query", "mutation"):
        for name in factory.fields(operation):
            if not _id_arguments(factory, operation, name):
                continue
            call = factory.call(operation, name, own)
            response = await post(http, call.query, call.variables, own.token)
            problems += [
                f"{name}: {p}" for p in judge(call, own, response.status_code, response.text)
            ]
            body = response.json()
            value = (body.get("data") or {}).get(name)
            codes = {(e.get("extensions") or {}).get("code") for e in body.get("errors") or []}
            if isinstance(value, dict):
                codes |= {e["code"] for e in value.get("errors") or []}
            if codes & ACCESS_CODES or (operation == "query" and refused(value)):
                unproven[name] = json.dumps(body)[:300]
    assert problems == [], "\n".join(problems)
    assert set(unproven) <= set(UNPROVEN), "\n".join(f"{k}: {v}" for k, v in unproven.items())
