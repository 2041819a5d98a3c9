"""Imports end to end: a real multipart upload to the real app, a real Celery worker."""

from __future__ import annotations

import csv
import io
import subprocess
from typing import Any

import openpyxl
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from db.tenant_plans import set_plan
from tests.conftest import GraphQLClient, TenantHandle
from tests.jobs.api import EXPORT, REPORT, company, settled, upload


async def rows(engine: AsyncEngine, sql: str) -> list[tuple[Any, ...]]:
    async with engine.connect() as conn:
        return [tuple(r) for r in await conn.execute(text(sql))]


async def fail_once(engine: AsyncEngine, schema: str, table: str, when: str, why: str) -> None:
    """The first statement on `table` matching `when` (on NEW) fails, once: a sequence is not
    rolled back with the failed transaction. A job's run then dies there, as on a lost
    connection, and the task runs it again."""
    async with engine.begin() as conn:
        await conn.execute(text(f"CREATE SEQUENCE {schema}.fail_once"))
        await conn.execute(text(f"""
            CREATE FUNCTION {schema}.fail_once() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF {when} AND nextval('{schema}.fail_once') = 1 THEN
                RAISE EXCEPTION '{why}';
              END IF;
              RETURN NEW;
            END $$"""))  # fmt: skip
        await conn.execute(text(
            f"CREATE TRIGGER fail_once BEFORE INSERT OR UPDATE ON {schema}.{table} "
            f"FOR EACH ROW EXECUTE FUNCTION {schema}.fail_once()"
        ))  # fmt: skip


async def test_customers_import_through_the_api_and_a_worker(
    gql: GraphQLClient,
    tenant: TenantHandle,
    engine: AsyncEngine,
    celery_worker: subprocess.Popen[bytes],
) -> None:
    company_id = await company(gql, tenant)
    content = (
        "\ufeffCode;Name;Tax ID;Credit Limit;payment_terms_days\n"
        "C001;Alpha Trading;IG123;1000.50;45\n"
        "C002;Beta Sdn Bhd;;;\n"
    ).encode()
    started = await upload(gql, tenant.token, kind="CUSTOMERS", company_id=company_id,
                           content=content)  # fmt: skip
    assert started["errors"] == []
    assert started["job"]["state"] == "QUEUED"
    done = await settled(gql, tenant.token, started["job"]["id"])
    assert (done["state"], done["rowsTotal"], done["rowsDone"], done["errorCount"]) == (
        "SUCCEEDED", 2, 2, 0,
    )  # fmt: skip
    stored = await rows(
        engine,
        f"SELECT code, name, credit_limit, payment_terms_days, currency_code "
        f"FROM {tenant.schema}.customers ORDER BY code",
    )
    assert [(c, n, str(limit) if limit is not None else None, d, cur)
            for c, n, limit, d, cur in stored] == [
        ("C001", "Alpha Trading", "1000.5000", 45, "MYR"),
        ("C002", "Beta Sdn Bhd", None, 30, "MYR"),
    ]  # fmt: skip
    # Recorded like createCustomer's: one CustomerCreated per row, in the outbox.
    events = await rows(
        engine,
        f"SELECT count(*) FROM {tenant.schema}.outbox WHERE event_type = 'CustomerCreated'",
    )
    assert events == [(2,)]
    # The uploaded file is kept only while the job may still need it.
    assert await rows(engine, f"SELECT octet_length(file_content) FROM {tenant.schema}.jobs") == [
        (0,)
    ]


async def test_suppliers_products_accounts_and_rates_from_xlsx_utf16_and_pipes(
    gql: GraphQLClient,
    tenant: TenantHandle,
    engine: AsyncEngine,
    celery_worker: subprocess.Popen[bytes],
) -> None:
    company_id = await company(gql, tenant)
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["CODE", "Name", "Currency Code", "Payment Terms Days", "Credit Limit"])
    sheet.append(["s-01", "Gamma Supplies", "USD", 60, 2500.25])
    sheet.append(["S-02", "Delta Parts", None, None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    products = "sku\tname\tselling_price\tcost method\r\nP-1\tWidget\t12.50\tmoving average\r\n"
    parent = (
        await rows(
            engine,
            f"SELECT account_code FROM {tenant.schema}.chart_of_accounts WHERE company_id = "
            f"'{company_id}' AND account_type = 'expense' ORDER BY account_code LIMIT 1",
        )
    )[0][0]
    accounts = (
        f"code|name|type|subtype|parentCode\n"
        f"9100|Import costs|expense||{parent}\n"
        f"9110|Freight in|expense||9100\n"
    )
    files = {
        "SUPPLIERS": (buffer.getvalue(), "suppliers.xlsx"),
        "PRODUCTS": (products.encode("utf-16"), "products.csv"),  # UTF-16 with its BOM
        "ACCOUNTS": (accounts.encode(), "chart.csv"),
        "EXCHANGE_RATES": (
            b"currency,effective date,rate\nusd,2026-01-02,4.4725\nSGD,2026-01-02,3.3\n",
            "rates.csv",
        ),
    }
    for kind, (content, name) in files.items():
        started = await upload(gql, tenant.token, kind=kind, company_id=company_id,
                               content=content, file_name=name)  # fmt: skip
        assert started["errors"] == [], (kind, started)
        done = await settled(gql, tenant.token, started["job"]["id"])
        assert (done["state"], done["errorCount"]) == ("SUCCEEDED", 0), (kind, done)
    assert await rows(
        engine,
        f"SELECT code, currency_code, payment_terms_days, credit_limit::text "
        f"FROM {tenant.schema}.suppliers ORDER BY code",
    ) == [("S-01", "USD", 60, "2500.2500"), ("S-02", "MYR", 30, None)]
    assert await rows(
        engine, f"SELECT sku, selling_price::text, cost_method FROM {tenant.schema}.products"
    ) == [("P-1", "12.5000", "MOVING_AVERAGE")]
    chart = await rows(
        engine,
        f"SELECT a.account_code, p.account_code FROM {tenant.schema}.chart_of_accounts a "
        f"JOIN {tenant.schema}.chart_of_accounts p ON p.id = a.parent_account_id "
        f"WHERE a.account_code IN ('9100', '9110') ORDER BY a.account_code",
    )
    assert chart == [("9100", parent), ("9110", "9100")]
    assert await rows(
        engine,
        f"SELECT from_currency, to_currency, effective_date::text, rate::text "
        f"FROM {tenant.schema}.exchange_rates ORDER BY 1",
    ) == [
        ("SGD", "MYR", "2026-01-02", "3.3000000000"),
        ("USD", "MYR", "2026-01-02", "4.4725000000"),
    ]
    events = await rows(
        engine,
        f"SELECT event_type, count(*) FROM {tenant.schema}.outbox WHERE event_type IN "
        "('SupplierCreated', 'ProductCreated', 'AccountCreated') GROUP BY 1 ORDER BY 1",
    )
    assert ("SupplierCreated", 2) in events and ("ProductCreated", 1) in events
    assert any(t == "AccountCreated" and n >= 2 for t, n in events)


BAD_FILES: list[tuple[str, bytes, str, str]] = [
    ("statement.pdf", b"%PDF-1.7 not a table", "FILE_TYPE", "PDF"),
    ("latin1.csv", "code,name\nC1,Caf\xe9 Sdn Bhd\n".encode("latin-1"), "ENCODING", "UTF-8"),
    ("utf16-no-bom.csv", "code,name\nC1,X\n".encode("utf-16-le"), "ENCODING", "UTF-16"),
    ("spaces.csv", b"code name\nC1 X\n", "DELIMITER", "delimiter"),
    ("extra.csv", b"code,name,shoe size\nC1,X,42\n", "UNKNOWN_COLUMN", "shoe size"),
    ("no-name.csv", b"code;email\nC1;a@b.example\n", "MISSING_COLUMN", "name"),
    ("broken.xlsx", b"PK\x03\x04 not really a workbook", "FILE_TYPE", "XLSX"),
    ("header-only.csv", b"code,name\n\n", "EMPTY", "no rows"),
]


async def test_bad_files_are_refused_with_typed_errors_and_write_nothing(
    gql: GraphQLClient, tenant: TenantHandle, engine: AsyncEngine, redis: Redis
) -> None:
    company_id = await company(gql, tenant)
    for name, content, reason, says in BAD_FILES:
        refused = await upload(gql, tenant.token, kind="CUSTOMERS", company_id=company_id,
                               content=content, file_name=name)  # fmt: skip
        assert refused["job"] is None, name
        assert [(e["reason"], e["field"]) for e in refused["errors"]] == [(reason, "file")], name
        assert says in refused["errors"][0]["message"], (name, refused["errors"])
    await set_plan(engine, redis, slug=tenant.slug, limits={"maxImportBytes": 100})
    big = b"code,name\n" + b"".join(b"C%04d,Customer %04d\n" % (i, i) for i in range(20))
    refused = await upload(gql, tenant.token, kind="CUSTOMERS", company_id=company_id,
                           content=big)  # fmt: skip
    assert [(e["code"], e["reason"]) for e in refused["errors"]] == [
        ("LIMIT_EXCEEDED", "FILE_TOO_LARGE")
    ]
    # A plan without the imports feature: the API refuses before reading the file.
    await set_plan(engine, redis, slug=tenant.slug, features={"imports": False})
    body = await upload(gql, tenant.token, kind="CUSTOMERS", company_id=company_id,
                        content=b"code,name\nC1,X\n", raw=True)  # fmt: skip
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FEATURE_DISABLED"]
    assert await rows(engine, f"SELECT count(*) FROM {tenant.schema}.jobs") == [(0,)]
    assert await rows(engine, f"SELECT count(*) FROM {tenant.schema}.customers") == [(0,)]


async def test_dry_run_checks_every_row_writes_nothing_and_reports_each_problem(
    gql: GraphQLClient,
    tenant: TenantHandle,
    engine: AsyncEngine,
    celery_worker: subprocess.Popen[bytes],
) -> None:
    company_id = await company(gql, tenant)
    content = (
        b"code,name,email,creditLimit,currencyCode\n"
        b"C1,Alpha,a@alpha.example,100,\n"
        b"C2,,not-an-email,,\n"  # no name, bad email (the API's rules)
        b"C1,Alpha again,,,\n"  # duplicate code in the file
        b"C3,Gamma,,12.34567,XXX\n"  # 5 places, not a currency
        b"C4,Delta,,-5,\n"
    )
    started = await upload(gql, tenant.token, kind="CUSTOMERS", company_id=company_id,
                           content=content, dry_run=True)  # fmt: skip
    done = await settled(gql, tenant.token, started["job"]["id"])
    assert (done["state"], done["rowsTotal"], done["errorCount"]) == ("VALIDATED", 5, 6)
    report = (await gql.data(REPORT, {"id": done["id"]}, tenant.token))["jobErrorReport"]
    lines = list(csv.reader(io.StringIO(report)))
    assert lines[0] == ["row", "column", "code", "message"]
    assert [(r, c, code) for r, c, code, _ in lines[1:]] == [
        ("3", "name", "REQUIRED"),
        ("3", "email", "INVALID"),
        ("4", "code", "DUPLICATE"),
        ("5", "currencyCode", "INVALID"),
        ("5", "creditLimit", "INVALID"),
        ("6", "creditLimit", "INVALID"),
    ]
    # The same file for real: refused as a whole, nothing written either.
    real = await upload(gql, tenant.token, kind="CUSTOMERS", company_id=company_id,
                        content=content)  # fmt: skip
    failed = await settled(gql, tenant.token, real["job"]["id"])
    assert (failed["state"], failed["errorCount"]) == ("FAILED", 6)
    assert await rows(engine, f"SELECT count(*) FROM {tenant.schema}.customers") == [(0,)]
    assert await rows(
        engine,
        f"SELECT count(*) FROM {tenant.schema}.outbox WHERE event_type = 'CustomerCreated'",
    ) == [(0,)]


async def test_a_key_returns_its_first_job_and_refuses_another_file(
    gql: GraphQLClient,
    tenant: TenantHandle,
    engine: AsyncEngine,
    celery_worker: subprocess.Popen[bytes],
) -> None:
    company_id = await company(gql, tenant)
    content = b"code,name\nK1,Keyed\n"
    first = await upload(gql, tenant.token, kind="CUSTOMERS", company_id=company_id,
                         content=content, idempotency_key="nightly-1")  # fmt: skip
    again = await upload(gql, tenant.token, kind="CUSTOMERS", company_id=company_id,
                         content=content, idempotency_key="nightly-1")  # fmt: skip
    assert again["errors"] == [] and again["job"]["id"] == first["job"]["id"]
    other = await upload(gql, tenant.token, kind="CUSTOMERS", company_id=company_id,
                         content=b"code,name\nK2,Other\n", idempotency_key="nightly-1")  # fmt: skip
    assert other["job"] is None
    assert [(e["code"], e["field"], e["reason"]) for e in other["errors"]] == [
        ("CONFLICT", "idempotencyKey", "IDEMPOTENCY_CONFLICT")
    ]
    await settled(gql, tenant.token, first["job"]["id"])
    assert await rows(engine, f"SELECT code FROM {tenant.schema}.customers") == [("K1",)]
    assert await rows(engine, f"SELECT count(*) FROM {tenant.schema}.jobs") == [(1,)]


async def test_a_run_that_crashes_in_batch_two_resumes_without_duplicates(
    gql: GraphQLClient,
    tenant: TenantHandle,
    engine: AsyncEngine,
    celery_worker: subprocess.Popen[bytes],
) -> None:
    company_id = await company(gql, tenant)
    schema = tenant.schema
    # The second batch's first insert fails once: the run dies mid-job.
    await fail_once(engine, schema, "customers", "NEW.code = 'R003'", "crash in batch 2")
    content = "code,name\n" + "".join(f"R{i:03},Resumed {i}\n" for i in range(1, 7))
    started = await upload(gql, tenant.token, kind="CUSTOMERS", company_id=company_id,
                           content=content.encode(), batch_size=2)  # fmt: skip
    done = await settled(gql, tenant.token, started["job"]["id"])
    assert (done["state"], done["rowsDone"], done["batchesCommitted"]) == ("SUCCEEDED", 6, 3)
    assert done["attempts"] == 2  # resumed once
    assert await rows(
        engine, f"SELECT code, count(*) FROM {schema}.customers GROUP BY code ORDER BY code"
    ) == [(f"R{i:03}", 1) for i in range(1, 7)]
    assert await rows(
        engine, f"SELECT count(*) FROM {schema}.outbox WHERE event_type = 'CustomerCreated'"
    ) == [(6,)]


async def export(gql: GraphQLClient, tenant: TenantHandle, kind: str, company_id: str) -> str:
    found = await gql.data(
        EXPORT, {"kind": kind, "companyId": company_id, "format": "CSV"}, tenant.token
    )
    return str(found["exportData"]["text"])


CREATE_YEAR = """
mutation Year($input: CreateFiscalYearInput!) {
  createFiscalYear(input: $input) { fiscalYear { id } errors { code message } }
}"""


async def test_opening_balances_become_one_posted_balanced_entry(
    gql: GraphQLClient,
    tenant: TenantHandle,
    engine: AsyncEngine,
    celery_worker: subprocess.Popen[bytes],
) -> None:
    company_id = await company(gql, tenant)
    year = await gql.data(
        CREATE_YEAR, {"input": {"companyId": company_id, "startDate": "2026-01-01"}}, tenant.token
    )
    assert year["createFiscalYear"]["errors"] == []
    codes = {
        kind: code
        for kind, code in await rows(
            engine,
            f"SELECT DISTINCT ON (account_type) account_type::text, account_code "
            f"FROM {tenant.schema}.chart_of_accounts WHERE company_id = '{company_id}' "
            "AND parent_account_id IS NOT NULL ORDER BY account_type, account_code",
        )
    }
    asset, liability, equity = codes["asset"], codes["liability"], codes["equity"]
    unbalanced = (
        f"date,accountCode,debit,credit\n2026-01-01,{asset},1000.00,\n"
        f"2026-01-01,{equity},,900\n2026-01-01,NOPE,,100\n"
    )
    dry = await upload(gql, tenant.token, kind="OPENING_BALANCES", company_id=company_id,
                       content=unbalanced.encode(), dry_run=True)  # fmt: skip
    checked = await settled(gql, tenant.token, dry["job"]["id"])
    assert (checked["state"], checked["errorCount"]) == ("VALIDATED", 1)
    report = (await gql.data(REPORT, {"id": checked["id"]}, tenant.token))["jobErrorReport"]
    assert "4,accountCode,NOT_FOUND" in report
    balanced = (
        f"date,accountCode,debit,credit,description\n"
        f"2026-01-01,{asset},1500.00,,Cash at bank\n"
        f"2026-01-01,{liability},,500.00,Supplier owed\n"
        f"2026-01-01,{equity},,1000.00,Capital\n"
    )
    # The run dies once right after its one batch committed, before the job says so: the
    # next run must find the entry made, not post it again.
    await fail_once(engine, tenant.schema, "jobs", "NEW.state = 'succeeded'", "crash at the end")
    started = await upload(gql, tenant.token, kind="OPENING_BALANCES", company_id=company_id,
                           content=balanced.encode())  # fmt: skip
    done = await settled(gql, tenant.token, started["job"]["id"])
    assert (done["state"], done["rowsDone"], done["rowsTotal"]) == ("SUCCEEDED", 3, 3), done
    assert done["attempts"] == 2
    entries = await rows(
        engine,
        f"SELECT t.status::text, t.transaction_date::text, sum(l.base_debit)::text, "
        f"sum(l.base_credit)::text, count(*) FROM {tenant.schema}.transactions t "
        f"JOIN {tenant.schema}.journal_lines l ON l.transaction_id = t.id "
        f"WHERE t.reference = 'OPENING' GROUP BY t.id",
    )
    assert entries == [("posted", "2026-01-01", "1500.0000", "1500.0000", 3)]
    assert await rows(
        engine,
        f"SELECT count(*) FROM {tenant.schema}.outbox WHERE event_type = 'TransactionPosted'",
    ) == [(1,)]
    exported = await export(gql, tenant, "OPENING_BALANCES", company_id)
    assert sorted(line.split(",")[1:] for line in exported.splitlines()[1:]) == sorted(
        [[asset, "1500.0000", ""], [liability, "", "500.0000"], [equity, "", "1000.0000"]]
    )


CREATE_WAREHOUSE = """
mutation Warehouse($input: CreateWarehouseInput!) {
  createWarehouse(input: $input) { warehouse { id } errors { code message } }
}"""


async def test_stock_on_hand_comes_in_as_valued_adjustments(
    gql: GraphQLClient,
    tenant: TenantHandle,
    engine: AsyncEngine,
    celery_worker: subprocess.Popen[bytes],
) -> None:
    company_id = await company(gql, tenant)
    year = await gql.data(
        CREATE_YEAR, {"input": {"companyId": company_id, "startDate": "2026-01-01"}}, tenant.token
    )
    assert year["createFiscalYear"]["errors"] == []
    made = await gql.data(
        CREATE_WAREHOUSE,
        {"input": {"companyId": company_id, "code": "WH1", "name": "Main"}},
        tenant.token,
    )
    assert made["createWarehouse"]["errors"] == []
    catalogue = b"sku,name,isStocked\nP-1,Bolt,true\nP-2,Nut,yes\nSVC,Installation,false\n"
    started = await upload(gql, tenant.token, kind="PRODUCTS", company_id=company_id,
                           content=catalogue)  # fmt: skip
    assert (await settled(gql, tenant.token, started["job"]["id"]))["state"] == "SUCCEEDED"

    bad = (
        "date,sku,warehouse,quantity,unitCost\n"
        "2026-01-31,P-1,WH1,10,2.50\n"
        "2026-01-31,SVC,WH1,1,5\n"  # a service keeps no stock
        "2026-01-31,P-2,WH9,4,1\n"  # no such warehouse
        "2026-01-31,P-1,WH1,3,2.50\n"  # P-1 in WH1 twice
    )
    dry = await upload(gql, tenant.token, kind="STOCK_ON_HAND", company_id=company_id,
                       content=bad.encode(), dry_run=True)  # fmt: skip
    assert dry["errors"] == [], dry
    checked = await settled(gql, tenant.token, dry["job"]["id"])
    report = (await gql.data(REPORT, {"id": checked["id"]}, tenant.token))["jobErrorReport"]
    assert [line.split(",")[:3] for line in report.splitlines()[1:]] == [
        ["3", "sku", "INVALID"], ["4", "warehouse", "NOT_FOUND"], ["5", "sku", "DUPLICATE"],
    ]  # fmt: skip

    good = (
        "date,sku,warehouse,quantity,unitCost\n"
        "2026-01-31,P-1,WH1,10,2.50\n2026-01-31,P-2,WH1,4,10\n"
    )
    # The run dies after its last batch, before the job says it succeeded: the next run
    # finds every batch in and only finishes.
    await fail_once(engine, tenant.schema, "jobs", "NEW.state = 'succeeded'", "crash at the end")
    started = await upload(gql, tenant.token, kind="STOCK_ON_HAND", company_id=company_id,
                           content=good.encode(), batch_size=1)  # fmt: skip
    done = await settled(gql, tenant.token, started["job"]["id"])
    assert (done["state"], done["rowsDone"], done["failure"]) == ("SUCCEEDED", 2, None), done
    assert done["attempts"] == 2
    levels = await rows(
        engine,
        f"SELECT p.sku, l.on_hand::text, l.value::text FROM {tenant.schema}.stock_levels l "
        f"JOIN {tenant.schema}.products p ON p.id = l.product_id ORDER BY p.sku",
    )
    assert levels == [("P-1", "10.0000", "25.0000"), ("P-2", "4.0000", "40.0000")]
    exported = await export(gql, tenant, "STOCK_ON_HAND", company_id)
    assert [line.split(",")[1:] for line in exported.splitlines()] == [
        ["sku", "warehouse", "quantity", "unitCost"],
        ["P-1", "WH1", "10.0000", "2.5000"],
        ["P-2", "WH1", "4.0000", "10.0000"],
    ]


async def test_sales_invoice_history_through_create_invoice_resumes_by_its_keys(
    gql: GraphQLClient,
    tenant: TenantHandle,
    engine: AsyncEngine,
    celery_worker: subprocess.Popen[bytes],
) -> None:
    company_id = await company(gql, tenant)
    year = await gql.data(
        CREATE_YEAR, {"input": {"companyId": company_id, "startDate": "2026-01-01"}}, tenant.token
    )
    assert year["createFiscalYear"]["errors"] == []
    parties = b"code,name,paymentTermsDays\nC1,Alpha,30\nC2,Beta,14\n"
    started = await upload(gql, tenant.token, kind="CUSTOMERS", company_id=company_id,
                           content=parties)  # fmt: skip
    assert (await settled(gql, tenant.token, started["job"]["id"]))["state"] == "SUCCEEDED"
    header = "invoiceNumber,customerCode,issueDate,description,quantity,unitPrice\n"
    bad = header + (
        "OLD-1,C1,2026-02-01,Consulting,2,100\n"
        "OLD-1,C2,2026-02-01,Travel,1,50\n"  # another customer on the same invoice
        "OLD-2,C9,2026-02-03,Training,1,300\n"  # no such customer
        "OLD-3,C2,2026-02-03,Widgets,-1,3\n"  # the API's line rule
    )
    dry = await upload(gql, tenant.token, kind="SALES_INVOICES", company_id=company_id,
                       content=bad.encode(), dry_run=True)  # fmt: skip
    checked = await settled(gql, tenant.token, dry["job"]["id"])
    report = (await gql.data(REPORT, {"id": checked["id"]}, tenant.token))["jobErrorReport"]
    assert [line.split(",")[:3] for line in report.splitlines()[1:]] == [
        ["4", "customerCode", "NOT_FOUND"], ["5", "quantity", "INVALID"],
    ]  # fmt: skip
    # The rows' own problems first; an invoice's rows that disagree, once they are fixed.
    fixed = bad.replace("C9", "C2").replace("Widgets,-1", "Widgets,1")
    dry = await upload(gql, tenant.token, kind="SALES_INVOICES", company_id=company_id,
                       content=fixed.encode(), dry_run=True)  # fmt: skip
    checked = await settled(gql, tenant.token, dry["job"]["id"])
    report = (await gql.data(REPORT, {"id": checked["id"]}, tenant.token))["jobErrorReport"]
    assert [line.split(",")[:3] for line in report.splitlines()[1:]] == [
        ["3", "invoiceNumber", "INVALID"]
    ]

    schema = tenant.schema
    # OLD-2's first insert fails once: the run dies after OLD-1 was made; the next run
    # replays OLD-1 by its idempotency key and makes OLD-2.
    await fail_once(engine, schema, "sales_documents", "NEW.reference = 'OLD-2'", "crash")
    good = header + (
        "OLD-1,C1,2026-02-01,Consulting,2,100\n"
        "OLD-1,C1,2026-02-01,Travel,1,50.50\n"
        "OLD-2,C2,2026-02-03,Training,1,300\n"
    )
    started = await upload(gql, tenant.token, kind="SALES_INVOICES", company_id=company_id,
                           content=good.encode())  # fmt: skip
    done = await settled(gql, tenant.token, started["job"]["id"])
    assert (done["state"], done["rowsDone"], done["attempts"]) == ("SUCCEEDED", 3, 2), done
    invoices = await rows(
        engine,
        f"SELECT d.reference, c.code, d.status, d.issue_date::text, d.due_date::text, "
        f"d.total::text FROM {schema}.sales_documents d JOIN {schema}.customers c "
        f"ON c.id = d.customer_id WHERE d.kind = 'invoice' ORDER BY d.reference",
    )
    assert invoices == [
        ("OLD-1", "C1", "posted", "2026-02-01", "2026-03-03", "250.5000"),
        ("OLD-2", "C2", "posted", "2026-02-03", "2026-02-17", "300.0000"),
    ]
    assert await rows(
        engine, f"SELECT count(*) FROM {schema}.outbox WHERE event_type = 'InvoicePosted'"
    ) == [(2,)]
    exported = await export(gql, tenant, "SALES_INVOICES", company_id)
    assert [line.split(",")[:8] for line in exported.splitlines()[1:]] == [
        ["OLD-1", "C1", "2026-02-01", "2026-03-03", "MYR", "", "Consulting", "2.0000"],
        ["OLD-1", "C1", "2026-02-01", "2026-03-03", "MYR", "", "Travel", "1.0000"],
        ["OLD-2", "C2", "2026-02-03", "2026-02-17", "MYR", "", "Training", "1.0000"],
    ]
    # The same file again is refused: those invoices exist.
    again = await upload(gql, tenant.token, kind="SALES_INVOICES", company_id=company_id,
                         content=good.encode(), dry_run=True)  # fmt: skip
    assert (await settled(gql, tenant.token, again["job"]["id"]))["errorCount"] == 3  # by row
