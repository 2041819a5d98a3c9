"""Posting clients that behave like real ones while the servers behind them are killed.

Each client posts journal entries (`createJournalEntry(post: true)`), invoices
(`createInvoice(post: true)`, free-text service lines) and customer payments
(`receivePayment`, allocated to an invoice it posted earlier, sometimes with an advance on top).
Every command carries an idempotency key, also used as its `reference`, so the books can be
searched for it afterwards. A command is sent again with the same key, with backoff, until it
is answered: on a refused or dropped connection, a timeout, HTTP 5xx/429, or a GraphQL error
that is not about the document ("Internal server error", SERVICE_UNAVAILABLE, RATE_LIMITED).
A typed refusal in the payload (`errors: [{code, …}]`) is final and recorded.

What the clients were told is the truth the audit compares the books with: an acknowledged
command must be in the ledger exactly once; one never answered (the run ended first) is
"in doubt" and may be there at most once.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx

JOURNAL = """mutation($input: CreateJournalEntryInput!) {
  createJournalEntry(input: $input) {
    journalEntry { id status } errors { code message field } } }"""
INVOICE = """mutation($input: CreateInvoiceInput!) {
  createInvoice(input: $input) { invoice { id status total } errors { code message field } } }"""
PAYMENT = """mutation($input: ReceivePaymentInput!) {
  receivePayment(input: $input) { payment { id amount } errors { code message field } } }"""

# GraphQL errors worth sending again: the server could not do it now, not "this is wrong".
_TRANSIENT = ("Internal server error", "SERVICE_UNAVAILABLE", "RATE_LIMITED", "UNAVAILABLE")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Books:
    """What the setup made, that the clients post against."""

    company_id: str
    customers: tuple[str, ...]
    bank_account: str  # 1110 Cash at Bank
    expense_account: str  # 6100 Salaries and Wages
    day: str  # the posting date, ISO


@dataclass(frozen=True)
class Acknowledged:
    kind: str  # journal, invoice, payment
    key: str
    id: str
    amount: Decimal  # entry amount, invoice total, payment amount
    attempts: int
    latency_s: float  # first send to the answer, retries included


@dataclass
class LoadRecord:
    acknowledged: list[Acknowledged] = field(default_factory=list)
    refused: list[tuple[str, str, Any]] = field(default_factory=list)  # kind, key, errors
    in_doubt: list[tuple[str, str]] = field(default_factory=list)  # kind, key: never answered
    failed: list[tuple[str, str, str]] = field(default_factory=list)  # kind, key, why (a bug)
    retries: Counter[str] = field(default_factory=Counter)  # why a command was sent again

    def count(self, kind: str) -> int:
        return sum(1 for a in self.acknowledged if a.kind == kind)


class _Transient(Exception):
    """An answer (or no answer) after which the same command is sent again."""


class _Final(Exception):
    """An answer that will not change by sending again."""


async def _send_once(
    http: httpx.AsyncClient, query: str, variables: dict[str, Any], name: str
) -> dict[str, Any]:
    try:
        response = await http.post("/graphql", json={"query": query, "variables": variables})
    except httpx.ConnectError as exc:
        raise _Transient("connection refused") from exc
    except httpx.TimeoutException as exc:
        raise _Transient("timeout") from exc
    except httpx.TransportError as exc:  # dropped mid-request, reset, protocol error
        raise _Transient(f"connection lost ({type(exc).__name__})") from exc
    if response.status_code >= 500 or response.status_code == 429:
        raise _Transient(f"HTTP {response.status_code}")
    if response.status_code != 200:
        raise _Final(f"HTTP {response.status_code}: {response.text[:200]}")
    body = response.json()
    payload = (body.get("data") or {}).get(name)
    if body.get("errors") and payload is None:
        error = body["errors"][0]
        code = (error.get("extensions") or {}).get("code") or ""
        message = str(error.get("message", ""))
        if any(t in message or t == code for t in _TRANSIENT):
            raise _Transient(f"GraphQL error: {code or message[:60]}")
        raise _Final(f"GraphQL error: {code} {message[:200]}")
    if payload is None:
        raise _Final(f"no payload: {str(body)[:200]}")
    return dict(payload)


class PostingClient:
    """One client: commands one after another, each retried until answered."""

    def __init__(
        self, index: int, http: httpx.AsyncClient, books: Books, record: LoadRecord, run_tag: str
    ) -> None:
        self.index = index
        self.http = http
        self.books = books
        self.record = record
        self.tag = run_tag
        self.rng = random.Random(f"{run_tag}-{index}")
        self.unpaid: list[tuple[str, str, Decimal]] = []  # invoice id, customer id, total
        self.sent = 0

    async def run(self, stop: asyncio.Event, give_up_at: float) -> None:
        """Post until `stop` is set; the command in hand is finished (or given up at
        `give_up_at`, time.monotonic()) before returning."""
        while not stop.is_set():
            self.sent += 1
            key = f"{self.tag}-c{self.index}-{self.sent}"
            roll = self.rng.random()
            if roll < 0.3 and self.unpaid:
                await self._payment(key, give_up_at)
            elif roll < 0.65:
                await self._invoice(key, give_up_at)
            else:
                await self._journal(key, give_up_at)

    async def _command(
        self,
        kind: str,
        key: str,
        query: str,
        variables: dict[str, Any],
        name: str,
        entity: str,
        give_up_at: float,
    ) -> dict[str, Any] | None:
        """Send until answered; the created object, or None (refused, failed, in doubt)."""
        started = time.monotonic()
        attempts = 0
        delay = 0.05
        while True:
            attempts += 1
            try:
                payload = await _send_once(self.http, query, variables, name)
            except _Transient as exc:
                self.record.retries[str(exc)] += 1
                if time.monotonic() + delay > give_up_at:
                    self.record.in_doubt.append((kind, key))
                    return None
                await asyncio.sleep(delay)
                delay = min(delay * 2, 1.0)
                continue
            except _Final as exc:
                self.record.failed.append((kind, key, str(exc)))
                return None
            if payload["errors"]:
                self.record.refused.append((kind, key, payload["errors"]))
                return None
            made: dict[str, Any] = payload[entity]
            made["_attempts"], made["_latency"] = attempts, time.monotonic() - started
            return made

    def _acknowledge(self, kind: str, key: str, made: dict[str, Any], amount: Decimal) -> None:
        self.record.acknowledged.append(
            Acknowledged(kind, key, str(made["id"]), amount, made["_attempts"], made["_latency"])
        )

    def _money(self, low: int, high: int) -> Decimal:
        return Decimal(self.rng.randint(low * 100, high * 100)) / 100

    async def _journal(self, key: str, give_up_at: float) -> None:
        amount = self._money(1, 5000)
        b = self.books
        variables = {
            "input": {
                "companyId": b.company_id,
                "postingDate": b.day,
                "reference": key,
                "description": "durability run",
                "post": True,
                "idempotencyKey": key,
                "lines": [
                    {"accountId": b.expense_account, "debit": str(amount)},
                    {"accountId": b.bank_account, "credit": str(amount)},
                ],
            }
        }
        made = await self._command(
            "journal", key, JOURNAL, variables, "createJournalEntry", "journalEntry", give_up_at
        )
        if made is not None:
            self._acknowledge("journal", key, made, amount)

    async def _invoice(self, key: str, give_up_at: float) -> None:
        customer = self.rng.choice(self.books.customers)
        items = [
            {
                "description": f"Service {n}",
                "quantity": str(self.rng.randint(1, 3)),
                "unitPrice": str(self._money(10, 2000)),
                "taxCode": "SST10" if self.rng.random() < 0.5 else None,
            }
            for n in range(self.rng.randint(1, 2))
        ]
        variables = {
            "input": {
                "customerId": customer,
                "issueDate": self.books.day,
                "reference": key,
                "items": items,
                "post": True,
                "idempotencyKey": key,
            }
        }
        made = await self._command(
            "invoice", key, INVOICE, variables, "createInvoice", "invoice", give_up_at
        )
        if made is not None:
            self._acknowledge("invoice", key, made, Decimal(made["total"]))
            self.unpaid.append((str(made["id"]), customer, Decimal(made["total"])))

    async def _payment(self, key: str, give_up_at: float) -> None:
        invoice, customer, total = self.unpaid.pop(self.rng.randrange(len(self.unpaid)))
        allocated = total if self.rng.random() < 0.5 else (total / 2).quantize(CENT)
        advance = Decimal("25.00") if self.rng.random() < 0.3 else Decimal(0)
        amount = allocated + advance
        variables = {
            "input": {
                "customerId": customer,
                "amount": str(amount),
                "paymentDate": self.books.day,
                "bankAccountId": self.books.bank_account,
                "reference": key,
                "allocations": [{"invoiceId": invoice, "amount": str(allocated)}],
                "idempotencyKey": key,
            }
        }
        made = await self._command(
            "payment", key, PAYMENT, variables, "receivePayment", "payment", give_up_at
        )
        if made is not None:
            self._acknowledge("payment", key, made, amount)


async def run_clients(
    url: str,
    token: str,
    books: Books,
    *,
    clients: int,
    stop: asyncio.Event,
    give_up_at: float,
    record: LoadRecord,
    run_tag: str,
) -> None:
    """`clients` concurrent clients (one pool of keep-alive HTTP connections), until `stop`."""
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=15) as http:
        workers = [PostingClient(i, http, books, record, run_tag) for i in range(clients)]
        await asyncio.gather(*(w.run(stop, give_up_at) for w in workers))
