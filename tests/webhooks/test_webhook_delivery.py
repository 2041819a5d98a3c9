"""Webhooks end to end: a real API, a real Celery worker, a receiver on a real socket, and the
independent `standardwebhooks` library verifying every signature as a receiver would."""

from __future__ import annotations

import base64
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from standardwebhooks.webhooks import Webhook

from tests.banking.api import import_statement
from tests.conftest import GraphQLClient, StatementLog, TenantHandle, eventually
from tests.webhooks.receiver import Answer, WebhookReceiver

ERRORS = "errors { code message field }"
ENDPOINT = "id url eventTypes enabled disabledAt disabledReason asymmetricSigning breaker version"
CREATE = f"""
mutation($input: CreateWebhookEndpointInput!) {{
  createWebhookEndpoint(input: $input) {{ endpoint {{ {ENDPOINT} }} secret publicKey {ERRORS} }}
}}"""
UPDATE = f"""
mutation($input: UpdateWebhookEndpointInput!) {{
  updateWebhookEndpoint(input: $input) {{ endpoint {{ {ENDPOINT} }} {ERRORS} }}
}}"""
DELIVERY = "id webhookId eventType status attemptCount attempts { statusCode durationMs error }"
DELIVERIES = f"""
query($id: ID!, $first: Int) {{
  webhookDeliveries(endpointId: $id, first: $first) {{
    edges {{ node {{ {DELIVERY} }} }} pageInfo {{ hasNextPage }}
  }}
}}"""
SEND_TEST = f"""
mutation($id: ID!) {{ sendTestWebhook(endpointId: $id) {{ delivery {{ {DELIVERY} }} {ERRORS} }} }}
"""
CREATE_COMPANY = (
    "mutation($name: String!) { createCompany(input: {name: $name}) { company { id } } }"
)
ROTATE = f"""
mutation($id: ID!) {{ rotateWebhookSecret(endpointId: $id) {{ secret {ERRORS} }} }}"""


async def create_endpoint(
    gql: GraphQLClient, tenant: TenantHandle, url: str, event_types: list[str], **more: Any
) -> dict[str, Any]:
    given = {"url": url, "eventTypes": event_types, **more}
    result = (await gql.data(CREATE, {"input": given}, tenant.token))["createWebhookEndpoint"]
    assert result["errors"] == [], result["errors"]
    return result


async def deliveries(gql: GraphQLClient, tenant: TenantHandle, endpoint_id: str) -> list[dict]:
    data = await gql.data(DELIVERIES, {"id": endpoint_id, "first": 50}, tenant.token)
    return [e["node"] for e in data["webhookDeliveries"]["edges"]]


def verify_v1a(public_key: str, received: Any) -> None:
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key.removeprefix("whpk_")))
    signed = f"{received.webhook_id}.{received.headers['webhook-timestamp']}.".encode()
    v1a = [s for s in received.headers["webhook-signature"].split() if s.startswith("v1a,")]
    assert len(v1a) == 1
    key.verify(base64.b64decode(v1a[0].removeprefix("v1a,")), signed + received.body)


async def test_a_subscribed_event_arrives_signed_and_is_recorded(
    gql: GraphQLClient, tenant: TenantHandle, celery_worker: Any
) -> None:
    with WebhookReceiver() as receiver:
        made = await create_endpoint(
            gql, tenant, receiver.url("/books"), ["company.*"], asymmetricSigning=True
        )
        other = await create_endpoint(gql, tenant, receiver.url("/customers"), ["customer.created"])
        assert made["secret"].startswith("whsec_") and made["publicKey"].startswith("whpk_")
        assert made["endpoint"]["breaker"] == "CLOSED"

        company = (await gql.data(CREATE_COMPANY, {"name": "Hooked Sdn Bhd"}, tenant.token))[
            "createCompany"
        ]["company"]
        [arrived] = await eventually(lambda: _async(receiver.at("/books")), timeout=20)

        # Any Standard Webhooks receiver verifies it with the secret it was shown once.
        body = Webhook(made["secret"]).verify(arrived.body, arrived.headers)
        assert body["type"] == "company.created"
        assert body["data"]["eventType"] == "CompanyCreated"
        assert body["data"]["aggregateId"] == company["id"]
        assert body["data"]["tenantId"] == str(tenant.id)
        assert arrived.webhook_id.startswith("msg_")
        assert arrived.headers["user-agent"].startswith("BigLedger-Webhooks/")
        verify_v1a(made["publicKey"], arrived)

        async def recorded() -> list[dict] | None:
            found = await deliveries(gql, tenant, made["endpoint"]["id"])
            return found if found and found[0]["status"] == "SUCCEEDED" else None

        [delivery] = await eventually(recorded, timeout=10)
        assert delivery["webhookId"] == arrived.webhook_id
        assert delivery["eventType"] == "company.created"
        assert [a["statusCode"] for a in delivery["attempts"]] == [200]
        # Not subscribed to company events: nothing for the other endpoint.
        assert receiver.at("/customers") == []
        assert await deliveries(gql, tenant, other["endpoint"]["id"]) == []


async def _async(value: Any) -> Any:
    return value


async def test_a_failed_attempt_is_retried_with_the_same_id_and_a_rotation_signs_twice(
    gql: GraphQLClient, tenant: TenantHandle, celery_worker: Any
) -> None:
    with WebhookReceiver() as receiver:
        receiver.script("/flaky", Answer(status=500, body=b"boom"), then=Answer(200))
        made = await create_endpoint(gql, tenant, receiver.url("/flaky"), ["webhook.test"])
        endpoint_id = made["endpoint"]["id"]
        sent = (await gql.data(SEND_TEST, {"id": endpoint_id}, tenant.token))["sendTestWebhook"]
        assert sent["errors"] == [] and sent["delivery"]["eventType"] == "webhook.test"

        # The schedule's second attempt comes 5 s after the first failed.
        first, second = await eventually(
            lambda: _async(receiver.at("/flaky") if len(receiver.at("/flaky")) >= 2 else None),
            timeout=25,
        )
        assert first.webhook_id == second.webhook_id  # the receiver's idempotency key
        assert second.at - first.at >= 4.5

        async def settled() -> dict | None:
            [found] = await deliveries(gql, tenant, endpoint_id)
            return found if found["status"] == "SUCCEEDED" else None

        delivery = await eventually(settled, timeout=10)
        assert [a["statusCode"] for a in delivery["attempts"]] == [500, 200]
        assert delivery["attemptCount"] == 2

        rotated = (await gql.data(ROTATE, {"id": endpoint_id}, tenant.token))["rotateWebhookSecret"]
        assert rotated["errors"] == [] and rotated["secret"] != made["secret"]
        await gql.data(SEND_TEST, {"id": endpoint_id}, tenant.token)
        await eventually(lambda: _async(len(receiver.at("/flaky")) >= 3), timeout=20)
        after_rotation = receiver.at("/flaky")[2]
        # During the day after a rotation, receivers on either secret verify the delivery.
        assert len(after_rotation.headers["webhook-signature"].split()) == 2
        Webhook(made["secret"]).verify(after_rotation.body, after_rotation.headers)
        Webhook(rotated["secret"]).verify(after_rotation.body, after_rotation.headers)

        # A manual retry: one more attempt, same webhook-id.
        retried = (
            await gql.data(
                f"mutation($id: ID!) {{ retryWebhookDelivery(id: $id) {{"
                f" delivery {{ id status }} {ERRORS} }} }}",
                {"id": delivery["id"]},
                tenant.token,
            )
        )["retryWebhookDelivery"]
        assert retried["errors"] == []
        await eventually(lambda: _async(len(receiver.at("/flaky")) >= 4), timeout=20)
        assert receiver.at("/flaky")[3].webhook_id == first.webhook_id


async def test_410_disables_the_endpoint_and_tells_the_others(
    gql: GraphQLClient, tenant: TenantHandle, celery_worker: Any
) -> None:
    with WebhookReceiver() as receiver:
        receiver.script("/gone", then=Answer(410, body=b"no such hook"))
        gone = await create_endpoint(gql, tenant, receiver.url("/gone"), ["webhook.test"])
        watcher = await create_endpoint(
            gql, tenant, receiver.url("/watch"), ["webhook_endpoint.disabled"]
        )
        await gql.data(SEND_TEST, {"id": gone["endpoint"]["id"]}, tenant.token)

        [notice] = await eventually(lambda: _async(receiver.at("/watch")), timeout=20)
        body = Webhook(watcher["secret"]).verify(notice.body, notice.headers)
        assert body["type"] == "webhook_endpoint.disabled"
        assert body["data"]["payload"]["endpointId"] == gone["endpoint"]["id"]
        assert "410" in body["data"]["payload"]["reason"]

        read = await gql.data(
            f"query($id: ID!) {{ webhookEndpoint(id: $id) {{ {ENDPOINT} }} }}",
            {"id": gone["endpoint"]["id"]},
            tenant.token,
        )
        endpoint = read["webhookEndpoint"]
        assert endpoint["enabled"] is False and endpoint["disabledAt"] is not None
        assert "410" in endpoint["disabledReason"]
        # A disabled endpoint gets nothing more, and cannot be tested until enabled again.
        refused = (await gql.data(SEND_TEST, {"id": endpoint["id"]}, tenant.token))[
            "sendTestWebhook"
        ]
        assert refused["errors"][0]["code"] == "INVALID_STATE"
        again = {"endpointId": endpoint["id"], "version": endpoint["version"], "enabled": True}
        enabled = (await gql.data(UPDATE, {"input": again}, tenant.token))["updateWebhookEndpoint"]
        assert enabled["errors"] == []
        assert enabled["endpoint"]["enabled"] is True
        assert enabled["endpoint"]["disabledReason"] is None


async def test_bad_input_is_refused_with_typed_errors_and_writes_nothing(
    gql: GraphQLClient, tenant: TenantHandle, make_tenant: Any, engine: AsyncEngine
) -> None:
    cases = [
        ({"url": "https://example.com/h", "eventTypes": ["invoice.posted", "invoice.teleported"]},
         "eventTypes.1"),
        ({"url": "https://example.com/h", "eventTypes": ["spaceship.*"]}, "eventTypes.0"),
        ({"url": "https://example.com/h", "eventTypes": []}, "eventTypes"),
        ({"url": "ftp://example.com/h", "eventTypes": ["*"]}, "url"),
        ({"url": "https://user:pw@example.com/h", "eventTypes": ["*"]}, "url"),
        ({"url": "http://203.0.113.9/h", "eventTypes": ["*"]}, "url"),  # plain http, public
    ]  # fmt: skip
    for given, field in cases:
        result = (await gql.data(CREATE, {"input": given}, tenant.token))["createWebhookEndpoint"]
        assert result["endpoint"] is None and result["secret"] is None
        assert field in [e["field"] for e in result["errors"]], (given, result["errors"])
    async with engine.connect() as conn:
        table = f'"{tenant.schema}".webhook_endpoints'
        count = await conn.execute(text(f"SELECT count(*) FROM {table}"))
        assert count.scalar_one() == 0

    free = await make_tenant("free", plan="free")  # the free plan has no webhooks
    body = await gql(CREATE, {"input": {"url": "https://example.com/h", "eventTypes": ["*"]}},
                     free.token)  # fmt: skip
    assert body["errors"][0]["extensions"]["code"] == "FEATURE_DISABLED"


async def test_other_tenants_neither_see_nor_touch_endpoints_nor_reach_them(
    gql: GraphQLClient, tenant: TenantHandle, other_tenant: TenantHandle, celery_worker: Any
) -> None:
    with WebhookReceiver() as receiver:
        mine = await create_endpoint(gql, tenant, receiver.url("/mine"), ["*"])
        endpoint_id = mine["endpoint"]["id"]
        [sent] = [(await gql.data(SEND_TEST, {"id": endpoint_id}, tenant.token))["sendTestWebhook"]]
        await eventually(lambda: _async(receiver.at("/mine")), timeout=20)

        # The other tenant's events never reach this tenant's endpoint.
        await gql.data(CREATE_COMPANY, {"name": "Elsewhere Bhd"}, other_tenant.token)
        await gql.data(CREATE_COMPANY, {"name": "Here Bhd"}, tenant.token)
        await eventually(lambda: _async(len(receiver.at("/mine")) >= 2), timeout=20)
        types = [r.json["type"] for r in receiver.at("/mine")]
        assert types.count("company.created") == 1
        assert all(r.json["data"]["tenantId"] == str(tenant.id) for r in receiver.at("/mine"))

        token = other_tenant.token
        seen = await gql.data(
            "query($id: ID!) { webhookEndpoint(id: $id) { id } webhookEndpoints { id } }",
            {"id": endpoint_id},
            token,
        )
        assert seen == {"webhookEndpoint": None, "webhookEndpoints": []}
        assert await deliveries(gql, other_tenant, endpoint_id) == []
        for mutation, variables in (
            (UPDATE, {"input": {"endpointId": endpoint_id, "version": 1, "enabled": False}}),
            (SEND_TEST, {"id": endpoint_id}),
            (f"mutation($id: ID!) {{ deleteWebhookEndpoint(endpointId: $id) {{ {ERRORS} }} }}",
             {"id": endpoint_id}),
            (f"mutation($id: ID!) {{ rotateWebhookSecret(endpointId: $id) {{ {ERRORS} }} }}",
             {"id": endpoint_id}),
            (f"mutation($id: ID!) {{ retryWebhookDelivery(id: $id) {{ {ERRORS} }} }}",
             {"id": sent["delivery"]["id"]}),
        ):  # fmt: skip
            data = await gql.data(mutation, variables, token)
            [payload] = data.values()
            assert payload["errors"][0]["code"] == "NOT_FOUND", payload


async def test_deliveries_with_their_attempts_cost_the_same_statements_for_any_page_size(
    gql: GraphQLClient, tenant: TenantHandle, celery_worker: Any, sql_log: StatementLog
) -> None:
    with WebhookReceiver() as receiver:
        made = await create_endpoint(gql, tenant, receiver.url("/many"), ["webhook.test"])
        endpoint_id = made["endpoint"]["id"]

        async def statements_for(sent: int) -> int:
            while len(receiver.at("/many")) < sent:
                await gql.data(SEND_TEST, {"id": endpoint_id}, tenant.token)
                await eventually(
                    lambda n=len(receiver.at("/many")): _async(len(receiver.at("/many")) > n),
                    timeout=20,
                )
            sql_log.statements.clear()
            found = await deliveries(gql, tenant, endpoint_id)
            assert len(found) == sent and all(d["attempts"] for d in found)
            return len(sql_log.touching(tenant.schema))

        assert await statements_for(2) == await statements_for(6)


async def test_an_endpoint_failing_for_five_days_is_disabled_and_its_secret_is_sealed(
    gql: GraphQLClient, tenant: TenantHandle, engine: AsyncEngine, celery_worker: Any
) -> None:
    with WebhookReceiver() as receiver:
        receiver.script("/down", then=Answer(503, body=b"maintenance"))
        made = await create_endpoint(gql, tenant, receiver.url("/down"), ["webhook.test"])
        endpoint_id = made["endpoint"]["id"]
        table = f'"{tenant.schema}".webhook_endpoints'
        async with engine.begin() as conn:
            stored = (
                await conn.execute(
                    text(f"SELECT secret FROM {table} WHERE id = :id"), {"id": endpoint_id}
                )
            ).scalar_one()
            # Every delivery has failed since 5 days and an hour ago (history, set behind the API).
            await conn.execute(
                text(f"UPDATE {table} SET failing_since = now() - interval '5 days 1 hour'"
                     " WHERE id = :id"),
                {"id": endpoint_id},
            )  # fmt: skip
        assert made["secret"] not in stored and "whsec_" not in stored  # sealed by the key ring

        await gql.data(SEND_TEST, {"id": endpoint_id}, tenant.token)

        async def disabled() -> dict | None:
            read = await gql.data(
                f"query($id: ID!) {{ webhookEndpoint(id: $id) {{ {ENDPOINT} failingSince }} }}",
                {"id": endpoint_id},
                tenant.token,
            )
            found = read["webhookEndpoint"]
            return found if not found["enabled"] else None

        endpoint = await eventually(disabled, timeout=20)
        assert endpoint is not None and "5 days" in endpoint["disabledReason"]
        assert len(receiver.at("/down")) == 1


async def test_the_plan_bounds_the_number_of_endpoints(
    gql: GraphQLClient, tenant: TenantHandle, engine: AsyncEngine
) -> None:
    allowed = 10  # the professional plan's maxWebhookEndpoints
    for i in range(allowed):
        await create_endpoint(gql, tenant, f"http://127.0.0.1:9/hook{i}", ["*"])
    over = (
        await gql.data(
            CREATE,
            {"input": {"url": "http://127.0.0.1:9/one-more", "eventTypes": ["*"]}},
            tenant.token,
        )
    )["createWebhookEndpoint"]
    assert over["endpoint"] is None
    [error] = over["errors"]
    assert error["code"] == "LIMIT_EXCEEDED" and "10 webhook endpoints" in error["message"]
    async with engine.connect() as conn:
        table = f'"{tenant.schema}".webhook_endpoints'
        assert (await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one() == allowed


async def test_an_imported_bank_statement_is_announced(
    gql: GraphQLClient, tenant: TenantHandle, celery_worker: Any
) -> None:
    company = (await gql.data(CREATE_COMPANY, {"name": "Statements Sdn Bhd"}, tenant.token))[
        "createCompany"
    ]["company"]["id"]
    accounts = await gql.data(
        "query($c: ID!) { accounts(companyId: $c, first: 100) { edges { node { id code } } } }",
        {"c": company},
        tenant.token,
    )
    [bank] = [e["node"]["id"] for e in accounts["accounts"]["edges"] if e["node"]["code"] == "1110"]
    with WebhookReceiver() as receiver:
        made = await create_endpoint(gql, tenant, receiver.url("/bank"), ["bank_statement.*"])
        imported = await import_statement(
            gql, tenant.token, bank, b"date,amount,text\n2026-03-02,12.50,REF-1\n", "CSV",
            csv_mapping={"date": "date", "amount": "amount", "reference": "text"},
        )  # fmt: skip
        assert imported["errors"] == [], imported
        [arrived] = await eventually(lambda: _async(receiver.at("/bank")), timeout=20)
        body = Webhook(made["secret"]).verify(arrived.body, arrived.headers)
        assert body["type"] == "bank_statement.imported"
        assert body["data"]["aggregateId"] == imported["statement"]["id"]
        assert body["data"]["payload"]["companyId"] == company
        assert body["data"]["payload"]["newLineCount"] == 1
