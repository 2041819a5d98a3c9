"""Benchmark: inventory — adjustStock throughput vs raw asyncpg, stockLevels, stockValuation.

`python -m bench.inventory [--clients 32] [--warmup 2] [--duration 10] [--movements 1000000]`

1. `adjustStock` with `--clients` concurrent keep-alive clients, alternating +1 (at a unit cost)
   and -1 on FIFO products: (a) spread over 100 products, (b) all on one hot product. In the
   same run, the raw ceiling: an asyncpg pool of `--clients` connections issuing, per
   adjustment, the statements the app's stock seam and posting issue (domain/inventory/stock.py,
   db/repositories/inventory.py, the accounting posting): level row created/locked FOR UPDATE,
   product, warehouse, default accounts, the FIFO layers touched, the movement, the layer
   write, level and per-day upserts, the journal entry (period share lock, header + lines,
   balance upserts, gapless number) and the movement's entry id.
2. `stockLevels(first: 100)` with product and warehouse nested: SQL statements per request
   (counted in-process on the app's engine, as tests do) and throughput over HTTP.
3. `stockValuation(companyId, asOf)` p50/p99 with `--movements` stock movements loaded with
   COPY (and the per-day read model built from them, as the app maintains it).

Writes its section of bench/RESULTS.md between `<!-- bench:inventory -->` markers.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import random
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

import httpx
import orjson

from bench.accounting_posting import _measure, asyncpg_dsn, gql, setup_company
from bench.harness import (
    HOST,
    Harness,
    log,
    login,
    machine_info,
    machine_markdown,
    percentile,
    today,
    write_section,
)
from bench.loadgen import HttpConnection, encode_request

NAME = "inventory"
DAY = date(2026, 6, 15)

CREATE_PRODUCT = """mutation($input: CreateProductInput!) {
  createProduct(input: $input) { product { id } errors { code message } } }"""
CREATE_WAREHOUSE = """mutation($input: CreateWarehouseInput!) {
  createWarehouse(input: $input) { warehouse { id } errors { code message } } }"""
ADJUST = """mutation($input: AdjustStockInput!) {
  adjustStock(input: $input) { levels { onHand value } errors { code message field } } }"""
LEVELS = """query($company: ID!) {
  stockLevels(companyId: $company, first: 100) {
    edges { node { onHand reserved available incoming value
      product { sku name unitOfMeasure } warehouse { code name } } }
    pageInfo { hasNextPage endCursor } } }"""
VALUATION = """query($company: ID!, $asOf: Date) {
  stockValuation(companyId: $company, asOf: $asOf) { totalValue inTransitValue
    warehouses { warehouseId quantity value } lines { productId warehouseId quantity value } } }"""


async def make_stock(
    http: httpx.AsyncClient, company: str, products: int, warehouses: int, seed_qty: str
) -> tuple[list[str], list[str]]:
    stores = []
    for w in range(warehouses):
        made = await gql(
            http,
            CREATE_WAREHOUSE,
            {"input": {"companyId": company, "code": f"W{w}", "name": f"Store {w}"}},
        )
        stores.append(made["createWarehouse"]["warehouse"]["id"])
    items = []
    for p in range(products):
        made = await gql(
            http,
            CREATE_PRODUCT,
            {"input": {"companyId": company, "sku": f"SKU-{p:04d}", "name": f"Item {p}"}},
        )
        items.append(made["createProduct"]["product"]["id"])
    if seed_qty:
        for item in items:
            for store in stores:
                done = await gql(
                    http,
                    ADJUST,
                    {
                        "input": {
                            "companyId": company,
                            "productId": item,
                            "warehouseId": store,
                            "delta": seed_qty,
                            "unitCost": "2.00",
                            "reason": "opening stock",
                            "occurredOn": "2026-01-02",
                        }
                    },
                )
                assert done["adjustStock"]["errors"] == [], done
    return items, stores


def adjustments(company: str, items: list[str], store: str, n: int) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        fields: dict[str, str] = (
            {"delta": "1", "unitCost": f"{2 + (i % 9) / 4:.2f}"} if i % 2 == 0 else {"delta": "-1"}
        )
        out.append(
            {
                "companyId": company,
                "productId": items[(i // 2) % len(items)],
                "warehouseId": store,
                "reason": "bench",
                "occurredOn": DAY.isoformat(),
                **fields,
            }
        )
    return out


async def api_adjust(
    port: int, token: str, work: list[dict[str, Any]], clients: int, warmup: float, duration: float
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    requests = [
        encode_request(
            port,
            "/graphql",
            orjson.dumps({"query": ADJUST, "variables": {"input": item}}),
            headers,
        )
        for item in work
    ]
    return await _http_load(port, requests, clients, warmup, duration, b'"errors":[]')


async def _http_load(
    port: int,
    requests: list[bytes],
    clients: int,
    warmup: float,
    duration: float,
    must_contain: bytes,
) -> dict[str, Any]:
    state = {"measuring": False, "running": True}
    latencies: list[float] = []
    failures: list[str] = []
    done = [0]

    async def client(k: int) -> None:
        conn = await HttpConnection.open(port)
        i = k
        try:
            while state["running"]:
                status, body, sent, received = await conn.request(requests[i % len(requests)])
                i += clients
                if status != 200 or must_contain not in body or b'"errors":[{' in body:
                    failures.append(f"{status} {body[:300]!r}")
                    continue
                if state["measuring"]:
                    latencies.append(received - sent)
                    done[0] += 1
        finally:
            conn.close()

    tasks = [asyncio.create_task(client(k)) for k in range(clients)]
    await asyncio.sleep(warmup)
    result = await _measure(tasks, state, latencies, failures, done, duration)
    result["latencies"] = latencies
    return result


async def raw_adjust(
    dsn: str,
    schema: str,
    company: str,
    actor: uuid.UUID,
    work: list[dict[str, Any]],
    clients: int,
    warmup: float,
    duration: float,
) -> dict[str, Any]:
    """The app's adjustStock writes, statement for statement, straight through asyncpg."""
    import asyncpg

    company_id = uuid.UUID(company)
    pool = await asyncpg.create_pool(
        dsn, min_size=clients, max_size=clients, server_settings={"search_path": schema}
    )
    state = {"measuring": False, "running": True}
    latencies: list[float] = []
    failures: list[str] = []
    done = [0]

    async def one(conn: Any, item: dict[str, Any]) -> None:
        product, store = uuid.UUID(item["productId"]), uuid.UUID(item["warehouseId"])
        delta = Decimal(item["delta"])
        async with conn.transaction():
            await conn.execute(
                "INSERT INTO stock_levels (product_id, warehouse_id, company_id)"
                " VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                product,
                store,
                company_id,
            )
            level = await conn.fetchrow(
                "SELECT * FROM stock_levels WHERE (product_id, warehouse_id) IN (($1, $2))"
                " ORDER BY product_id, warehouse_id FOR UPDATE",
                product,
                store,
            )
            await conn.fetch("SELECT * FROM products WHERE id = ANY($1::uuid[])", [product])
            await conn.fetch("SELECT * FROM warehouses WHERE id = ANY($1::uuid[])", [store])
            accounts = {
                r["account_code"]: r["id"]
                for r in await conn.fetch(
                    "SELECT account_code, id FROM chart_of_accounts WHERE company_id = $1"
                    " AND account_code = ANY($2::text[]) AND is_active",
                    company_id,
                    ["1300", "5110", "5400", "2120"],
                )
            }
            movement_id = uuid.uuid4()
            if delta > 0:
                await conn.fetch(
                    "SELECT * FROM stock_layers WHERE product_id = $1 AND warehouse_id = $2"
                    " AND quantity < 0 ORDER BY received_on, seq",
                    product,
                    store,
                )
                value = (delta * Decimal(item["unitCost"])).quantize(Decimal("0.0001"))
            else:
                layers = await conn.fetch(
                    "SELECT * FROM (SELECT *, sum(quantity) OVER (ORDER BY received_on, seq)"
                    " - quantity AS before FROM stock_layers WHERE product_id = $1 AND"
                    " warehouse_id = $2) l WHERE before < $3 ORDER BY received_on, seq",
                    product,
                    store,
                    -delta,
                )
                first = layers[0]
                value = -(first["value"] / first["quantity"]).quantize(Decimal("0.0001"))
            seq = await conn.fetchval(
                "INSERT INTO stock_movements (id, company_id, product_id, warehouse_id,"
                " movement_type, occurred_on, quantity, nominal_value, value, reason,"
                " reference_type, reference_id, inventory_account_id, counter_account_id,"
                " created_by) VALUES ($1, $2, $3, $4, 'ADJUSTMENT', $5, $6, $7, $8, 'bench',"
                " 'StockAdjustment', $9, $10, $11, $12) RETURNING seq",
                movement_id,
                company_id,
                product,
                store,
                DAY,
                delta,
                value if delta > 0 else None,
                value,
                uuid.uuid4(),
                accounts["1300"],
                accounts["5400"],
                actor,
            )
            if delta > 0:
                await conn.execute(
                    "INSERT INTO stock_layers (product_id, warehouse_id, movement_id, seq,"
                    " received_on, quantity, value) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    product,
                    store,
                    movement_id,
                    seq,
                    DAY,
                    delta,
                    value,
                )
            elif first["quantity"] == -delta:
                await conn.execute(
                    "DELETE FROM stock_layers WHERE product_id = $1 AND warehouse_id = $2"
                    " AND seq = ANY($3::bigint[])",
                    product,
                    store,
                    [first["seq"]],
                )
            else:
                await conn.execute(
                    "UPDATE stock_layers SET quantity = quantity + $4, value = value + $5"
                    " WHERE product_id = $1 AND warehouse_id = $2 AND seq = $3",
                    product,
                    store,
                    first["seq"],
                    delta,
                    value,
                )
            await conn.execute(
                "UPDATE stock_levels SET on_hand = $3, value = $4, last_movement_on = $5,"
                " updated_at = now() WHERE product_id = $1 AND warehouse_id = $2",
                product,
                store,
                level["on_hand"] + delta,
                level["value"] + value,
                DAY,
            )
            await conn.execute(
                "INSERT INTO stock_daily AS d (product_id, warehouse_id, day, company_id,"
                " quantity, value, issued) VALUES ($1, $2, $3, $4, $5, $6, 0)"
                " ON CONFLICT (product_id, warehouse_id, day) DO UPDATE SET quantity ="
                " d.quantity + excluded.quantity, value = d.value + excluded.value",
                product,
                store,
                DAY,
                company_id,
                delta,
                value,
            )
            # the journal entry, as the accounting posting writes it
            await conn.fetchval("SELECT currency_code FROM companies WHERE id = $1", company_id)
            await conn.fetch(
                "SELECT id, company_id, account_code, account_type, is_active, version"
                " FROM chart_of_accounts WHERE id = ANY($1::uuid[])",
                [accounts["1300"], accounts["5400"]],
            )
            period = await conn.fetchrow(
                "SELECT p.id, p.fiscal_year_id, p.status, y.end_date FROM fiscal_periods p"
                " JOIN fiscal_years y ON y.id = p.fiscal_year_id WHERE p.company_id = $1"
                " AND p.start_date <= $2 AND p.end_date >= $2 FOR SHARE OF p",
                company_id,
                DAY,
            )
            entry_id, amount = uuid.uuid4(), abs(value)
            debit, credit = (
                (accounts["1300"], accounts["5400"])
                if value > 0
                else (accounts["5400"], accounts["1300"])
            )
            await conn.execute(
                "WITH h AS (INSERT INTO transactions (id, company_id, transaction_date,"
                " total_amount, currency_code, status, created_at, updated_at, created_by,"
                " version) VALUES ($1, $2, $3, $4, 'MYR', 'draft', now(), now(), $5, 2)"
                " RETURNING id) INSERT INTO journal_lines (transaction_id, line_number,"
                " transaction_date, company_id, account_id, currency_code, exchange_rate, debit,"
                " credit, base_debit, base_credit) SELECT h.id, l.n, $3, $2, l.a, 'MYR', 1, l.dr,"
                " l.cr, l.dr, l.cr FROM h, unnest($6::smallint[], $7::uuid[], $8::numeric[],"
                " $9::numeric[]) AS l(n, a, dr, cr)",
                entry_id,
                company_id,
                DAY,
                amount,
                actor,
                [1, 2],
                [debit, credit],
                [amount, Decimal(0)],
                [Decimal(0), amount],
            )
            rows = sorted(
                [(debit, amount, Decimal(0)), (credit, Decimal(0), amount)], key=lambda r: str(r[0])
            )
            for table, key, when in (
                ("account_balances", "period_month", DAY.replace(day=1)),
                ("account_daily_balances", "balance_date", DAY),
            ):
                await conn.execute(
                    f"INSERT INTO {table} AS b (account_id, {key}, company_id, debit_total,"
                    f" credit_total) SELECT a, $2, $3, dr, cr FROM unnest($1::uuid[],"
                    f" $4::numeric[], $5::numeric[]) AS x(a, dr, cr)"
                    f" ON CONFLICT (account_id, {key}) DO UPDATE SET debit_total ="
                    f" b.debit_total + excluded.debit_total, credit_total ="
                    f" b.credit_total + excluded.credit_total",
                    [r[0] for r in rows],
                    when,
                    company_id,
                    [r[1] for r in rows],
                    [r[2] for r in rows],
                )
            await conn.execute(
                "UPDATE stock_movements SET transaction_id = $1 WHERE id = $2",
                entry_id,
                movement_id,
            )
            await conn.fetchrow(
                "WITH drawn AS (UPDATE entry_number_sequences SET next_value = next_value + 1"
                " WHERE fiscal_year_id = $2 AND company_id = $3 RETURNING next_value - 1 AS n)"
                " UPDATE transactions t SET entry_number = $4 || lpad(drawn.n::text, 6, '0'),"
                " status = 'posted', fiscal_year_id = $2, posted_at = now(),"
                " posted_by = $5, updated_at = now() FROM drawn WHERE t.id = $1"
                " RETURNING drawn.n",
                entry_id,
                period["fiscal_year_id"],
                company_id,
                f"JE-{period['end_date'].year}-",
                actor,
            )

    async def client(k: int) -> None:
        i = k
        async with pool.acquire() as conn:
            while state["running"]:
                sent = time.perf_counter()
                try:
                    await one(conn, work[i % len(work)])
                except Exception as exc:
                    failures.append(repr(exc))
                    continue
                finally:
                    i += clients
                if state["measuring"]:
                    latencies.append(time.perf_counter() - sent)
                    done[0] += 1

    tasks = [asyncio.create_task(client(k)) for k in range(clients)]
    await asyncio.sleep(warmup)
    try:
        return await _measure(tasks, state, latencies, failures, done, duration)
    finally:
        await pool.close()


async def count_statements(h: Harness, token: str, company: str, schema: str) -> tuple[int, int]:
    """stockLevels(first: 100) and (first: 10) once each against an in-process app: the SQL
    statements the request sends (the tests' StatementLog way)."""
    import uvicorn
    from sqlalchemy import event

    from bench.harness import free_port
    from server.app import create_app
    from server.services import Endpoints
    from server.settings import Settings

    settings = Settings.model_validate(
        {"BIGLEDGER_DATA_DIR": str(h.data_dir), "LOG_LEVEL": "WARNING",
         "BIGLEDGER_DEMO_PASSWORD": "bench-demo-password"}
    )  # fmt: skip
    app = create_app(settings, Endpoints(h.database_url, h.redis_url, h.broker_url))
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host=HOST, port=port, log_config=None, lifespan="on")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    seen: list[str] = []

    def listener(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if schema in statement and "outbox" not in statement:
            seen.append(statement)

    target = app.state.services.engines.root.sync_engine
    counts = []
    try:
        async with httpx.AsyncClient(
            base_url=f"http://{HOST}:{port}", headers={"Authorization": f"Bearer {token}"}
        ) as http:
            for first in (100, 10):
                query = LEVELS.replace("first: 100", f"first: {first}")
                await gql(http, query, {"company": company})  # warm (plan cache, schema)
                event.listen(target, "before_cursor_execute", listener)
                seen.clear()
                data = await gql(http, query, {"company": company})
                event.remove(target, "before_cursor_execute", listener)
                assert len(data["stockLevels"]["edges"]) == first
                counts.append(len(seen))
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=30)
    return counts[0], counts[1]


async def load_movements(
    dsn: str,
    schema: str,
    company: str,
    actor: uuid.UUID,
    items: list[str],
    stores: list[str],
    n: int,
) -> float:
    """COPY `n` movements (receipts and issues over 2026, per product and warehouse), then build
    the per-day read model and the levels from them, as the app would have maintained them."""
    import asyncpg

    started = time.perf_counter()
    rng = random.Random(7)
    company_id = uuid.UUID(company)
    keys = [(uuid.UUID(p), uuid.UUID(w)) for p in items for w in stores]
    conn = await asyncpg.connect(dsn, server_settings={"search_path": schema})
    try:
        await conn.execute(
            "INSERT INTO stock_levels (product_id, warehouse_id, company_id)"
            " SELECT p, w, $3 FROM unnest($1::uuid[]) p, unnest($2::uuid[]) w"
            " ON CONFLICT DO NOTHING",
            [k[0] for k in keys][:: len(stores)],
            [uuid.UUID(w) for w in stores],
            company_id,
        )
        batch = 200_000
        start_day = date(2026, 1, 1)
        created = datetime.now(UTC)
        for offset in range(0, n, batch):
            buffer = io.StringIO()
            for i in range(offset, min(n, offset + batch)):
                product, store = keys[i % len(keys)]
                day = start_day + timedelta(days=(i * 365) // n)
                inbound = i % 3 != 2
                quantity = Decimal(rng.randint(1, 20)) if inbound else -Decimal(rng.randint(1, 10))
                value = quantity * Decimal("2.5")
                kind = "RECEIPT" if inbound else "ISSUE"
                nominal = str(value) if inbound else "\\N"
                buffer.write(
                    f"{uuid.uuid4()}\t{company_id}\t{product}\t{store}\t{kind}\t{day}\t"
                    f"{quantity}\t{nominal}\t{value}\tbench\tBench\t{uuid.uuid4()}\t{created}\t"
                    f"{actor}\n"
                )
            await conn.copy_to_table(
                "stock_movements",
                source=io.BytesIO(buffer.getvalue().encode()),
                columns=[
                    "id", "company_id", "product_id", "warehouse_id", "movement_type",
                    "occurred_on", "quantity", "nominal_value", "value", "reason",
                    "reference_type", "reference_id", "created_at", "created_by",
                ],
            )  # fmt: skip
            log(f"  copied {min(n, offset + batch):,} movements")
        await conn.execute(
            "INSERT INTO stock_daily (product_id, warehouse_id, day, company_id, quantity, value,"
            " issued) SELECT product_id, warehouse_id, occurred_on, company_id, sum(quantity),"
            " sum(value), sum(CASE WHEN movement_type = 'ISSUE' THEN -quantity ELSE 0 END)"
            " FROM stock_movements WHERE company_id = $1 GROUP BY 1, 2, 3, 4",
            company_id,
        )
        await conn.execute(
            "UPDATE stock_levels l SET on_hand = t.q, value = t.v FROM (SELECT product_id,"
            " warehouse_id, sum(quantity) q, sum(value) v FROM stock_daily WHERE company_id = $1"
            " GROUP BY 1, 2) t WHERE l.product_id = t.product_id"
            " AND l.warehouse_id = t.warehouse_id",
            company_id,
        )
        await conn.execute("ANALYZE stock_movements; ANALYZE stock_daily; ANALYZE stock_levels")
        daily = await conn.fetchval(
            "SELECT count(*) FROM stock_daily WHERE company_id = $1", company_id
        )
        log(f"  {daily:,} per-day rows")
    finally:
        await conn.close()
    return time.perf_counter() - started


async def valuation_latency(port: int, token: str, company: str, requests: int) -> dict[str, Any]:
    rng = random.Random(11)
    latencies = []
    async with httpx.AsyncClient(
        base_url=f"http://{HOST}:{port}", headers={"Authorization": f"Bearer {token}"}, timeout=60
    ) as http:
        for i in range(requests + 5):
            as_of = date(2026, 1, 1) + timedelta(days=rng.randrange(365))
            t0 = time.perf_counter()
            data = await gql(http, VALUATION, {"company": company, "asOf": as_of.isoformat()})
            took = time.perf_counter() - t0
            assert data["stockValuation"]["lines"], data
            if i >= 5:  # the first few warm connections and plans
                latencies.append(took)
        lines = len(data["stockValuation"]["lines"])
    return {
        "p50": percentile(latencies, 50) * 1000,
        "p99": percentile(latencies, 99) * 1000,
        "n": len(latencies),
        "lines": lines,
    }


async def run(args: argparse.Namespace) -> None:
    import asyncpg

    started = time.perf_counter()
    info = machine_info()
    async with Harness() as h:
        tenant = await h.tenant(f"bench_inv_{uuid.uuid4().hex[:6]}")
        api = await h.start_api("api")
        token = await login(api.port, tenant)
        async with httpx.AsyncClient(
            base_url=f"http://{HOST}:{api.port}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        ) as http:
            log("setup: companies, warehouses, 100 (+1 hot) products with opening stock")
            api_company = await setup_company(http, "Stock API Sdn Bhd", ["2026-01-01"])
            raw_company = await setup_company(http, "Stock Raw Sdn Bhd", ["2026-01-01"])
            val_company = await setup_company(http, "Stock Valuation Sdn Bhd", ["2026-01-01"])
            api_items, (api_store,) = await make_stock(http, api_company, 101, 1, "1000000")
            raw_items, (raw_store,) = await make_stock(http, raw_company, 101, 1, "1000000")
            val_items, val_stores = await make_stock(http, val_company, 100, 2, "")
        dsn = asyncpg_dsn(h.database_url)
        spread_api = adjustments(api_company, api_items[:100], api_store, 4000)
        hot_api = adjustments(api_company, api_items[100:], api_store, 4000)
        spread_raw = adjustments(raw_company, raw_items[:100], raw_store, 4000)
        hot_raw = adjustments(raw_company, raw_items[100:], raw_store, 4000)

        timing = (args.clients, args.warmup, args.duration)
        loads: list[tuple[str, Any]] = [
            ("API, 100 products", partial(api_adjust, api.port, token, spread_api, *timing)),
            ("raw asyncpg, 100 products", partial(raw_adjust, dsn, tenant.schema, raw_company,
                                                  tenant.admin_id, spread_raw, *timing)),
            ("API, 1 hot product", partial(api_adjust, api.port, token, hot_api, *timing)),
            ("raw asyncpg, 1 hot product", partial(raw_adjust, dsn, tenant.schema, raw_company,
                                                   tenant.admin_id, hot_raw, *timing)),
        ]  # fmt: skip
        results: dict[str, dict[str, Any]] = {}
        for label, runner in loads:
            log(f"adjustStock: {label}")
            results[label] = await runner()
            r = results[label]
            log(f"  {r['rate']:,.0f}/s p50 {r['p50']:.1f} ms p99 {r['p99']:.1f} ms")

        conn = await asyncpg.connect(dsn, server_settings={"search_path": tenant.schema})
        try:
            check = await conn.fetch(
                "SELECT l.company_id, sum(l.on_hand) q, sum(l.value) v,"
                " (SELECT sum(d.value) FROM stock_daily d WHERE d.company_id = l.company_id) dv,"
                " (SELECT sum(b.debit_total - b.credit_total) FROM account_balances b"
                "  JOIN chart_of_accounts a ON a.id = b.account_id AND a.account_code = '1300'"
                "  WHERE b.company_id = l.company_id) gl"
                " FROM stock_levels l GROUP BY l.company_id"
            )
        finally:
            await conn.close()
        for row in check:
            assert row["v"] == row["dv"] == row["gl"], dict(row)
        log(f"consistency: {[dict(c) for c in check]}")

        log("stockLevels(first: 100): statements per request (in-process)")
        statements_100, statements_10 = await count_statements(h, token, api_company, tenant.schema)
        log(f"  {statements_100} statements (first: 100), {statements_10} (first: 10)")
        level_request = encode_request(
            api.port,
            "/graphql",
            orjson.dumps({"query": LEVELS, "variables": {"company": api_company}}),
            {"Authorization": f"Bearer {token}"},
        )
        levels = await _http_load(
            api.port, [level_request], args.clients, args.warmup, args.duration, b'"edges"'
        )
        log(f"  {levels['rate']:,.0f} requests/s p50 {levels['p50']:.1f} ms")

        log(f"stockValuation: COPY {args.movements:,} movements")
        load_s = await load_movements(
            dsn, tenant.schema, val_company, tenant.admin_id, val_items, val_stores, args.movements
        )
        valuation = await valuation_latency(api.port, token, val_company, args.valuations)
        log(f"  p50 {valuation['p50']:.1f} ms p99 {valuation['p99']:.1f} ms")

    def result_row(label: str, x: dict[str, Any]) -> str:
        return (
            f"| {label} | {x['entries']:,} | **{x['rate']:,.0f}** | {x['p50']:.1f} | "
            f"{x['p99']:.1f} |"
        )

    spread_ratio = (
        results["API, 100 products"]["rate"] / results["raw asyncpg, 100 products"]["rate"]
    )
    hot_ratio = (
        results["API, 1 hot product"]["rate"] / results["raw asyncpg, 1 hot product"]["rate"]
    )
    table = "\n".join(
        ["| path | adjustments | adjustments/s | p50 ms | p99 ms |", "|---|---|---|---|---|"]
        + [result_row(label, x) for label, x in results.items()]
    )
    levels_line = (
        f"**{levels['rate']:,.0f} requests/s** (p50 {levels['p50']:.1f} ms, "
        f"p99 {levels['p99']:.1f} ms)"
    )
    valuation_line = (
        f"**{valuation['p50']:.1f} ms / {valuation['p99']:.1f} ms** ({valuation['lines']} "
        "product x warehouse lines)"
    )
    body = f"""## Inventory: adjustStock vs raw asyncpg, stockLevels, stockValuation

**What.** (1) `adjustStock` with {args.clients} concurrent clients, alternating +1 (at a unit
cost) and -1 on FIFO products, spread over 100 products and all on one hot product, each an
adjustment movement + its journal entry (Dr/Cr inventory 1300 vs adjustments 5400), and in the
same run the raw asyncpg ceiling issuing the same statements per adjustment (level row created
and locked FOR UPDATE, product, warehouse, default accounts, the FIFO layers touched, movement,
layer write, level update, per-day upsert, then the posting: currency, accounts, period FOR
SHARE, header + 2 lines, monthly and daily balance upserts, movement's entry id, gapless number
drawn last). Not in the raw path: HTTP/GraphQL/auth/domain, the StockLevelChanged outbox row and
the audit row. (2) `stockLevels(first: 100)` with `product {{ sku name unitOfMeasure }}` and
`warehouse {{ code name }}` nested. (3) `stockValuation(companyId, asOf)` at random dates of 2026
over {args.movements:,} movements (100 products x 2 warehouses, every day of 2026) loaded with
COPY; the per-day read model (`stock_daily`, which every movement maintains) built from them.

**Method.** `bench.harness.Harness` (embedded PostgreSQL + Redis), enterprise tenant with bench
limits, `bigledger serve` (default workers). {args.warmup:g} s warm-up, {args.duration:g} s
measured per load; every response checked for `errors: []`. After the loads the levels, the
per-day model and the inventory account's balance are checked equal for every company.

**Results** ({today()}, benchmark took {time.perf_counter() - started:.0f} s):

{table}

API / raw: **{spread_ratio * 100:.0f}%** on 100 products, **{hot_ratio * 100:.0f}%** on the hot
product (every adjustment of a product+warehouse queues on its stock-level row lock, and every
posting of the company's fiscal year on the gapless number row at commit).

| stockLevels(first: 100), product + warehouse nested | |
|---|---|
| SQL statements per request | **{statements_100}** (first: 10 -> {statements_10}: constant) |
| throughput ({args.clients} clients) | {levels_line} |

| stockValuation over {args.movements:,} movements | |
|---|---|
| COPY + per-day model + levels | {load_s:.0f} s |
| p50 / p99 ({valuation["n"]} sequential requests, random asOf) | {valuation_line} |

{machine_markdown(info)}

**Reproduce:** `.venv/bin/python -m bench.inventory --clients {args.clients} --warmup
{args.warmup:g} --duration {args.duration:g} --movements {args.movements}`
"""
    write_section(NAME, body)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--movements", type=int, default=1_000_000)
    parser.add_argument("--valuations", type=int, default=200)
    asyncio.run(run(parser.parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
