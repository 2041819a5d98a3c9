"""The `bigledger` command as an operator uses it, against the suite's database."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

from server.services import Endpoints
from server.settings import Settings
from tests.conftest import LOGIN, GraphQLClient


def bigledger(
    endpoints: Endpoints, settings: Settings, *args: str
) -> subprocess.CompletedProcess[str]:
    env = os.environ | {
        "DATABASE_URL": endpoints.database_url,
        "REDIS_URL": endpoints.redis_url,
        "BIGLEDGER_DATA_DIR": str(settings.data_dir),
        "LOG_LEVEL": "WARNING",
    }
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


async def test_operator_creates_a_tenant_and_a_user_with_a_role(
    endpoints: Endpoints, settings: Settings, gql: GraphQLClient
) -> None:
    slug = f"cli_{uuid.uuid4().hex[:8]}"
    made = bigledger(
        endpoints, settings, "tenant", "create", "--slug", slug, "--name", "CLI Trading",
        "--admin-email", f"boss@{slug}.example", "--admin-password", "boss password 1",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert f"tenant {slug} created" in made.stdout
    user = bigledger(
        endpoints, settings, "user", "create", "--tenant", slug, "--email", "Clerk@Example.com",
        "--password", "clerk password 1", "--role", "accountant",
    )  # fmt: skip
    assert user.returncode == 0, user.stderr

    login = await gql.data(
        LOGIN, {"tenant": slug, "email": "clerk@example.com", "password": "clerk password 1"}
    )
    token = login["login"]["accessToken"]
    access = await gql.data("{ me { tenant { slug } } myAccess { allCompanies } }",
                            token=token)  # fmt: skip
    assert access["me"]["tenant"]["slug"] == slug
    assert access["myAccess"]["allCompanies"] is False  # an accountant, not an admin
    body = await gql("{ users { email } }", token=token)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"  # accountants do not manage users


def test_operator_mistakes_are_reported_not_crashes(
    endpoints: Endpoints, settings: Settings
) -> None:
    bad_slug = bigledger(
        endpoints, settings, "tenant", "create", "--slug", "Bad Slug", "--name", "x",
        "--admin-email", "a@b.example", "--admin-password", "operator typo 12345",
    )  # fmt: skip
    assert bad_slug.returncode == 2 and "Slug must be" in bad_slug.stderr
    no_tenant = bigledger(
        endpoints, settings, "user", "create", "--tenant", "nope_nope", "--email", "a@b.example",
        "--password", "operator typo 12345",
    )  # fmt: skip
    assert no_tenant.returncode == 2 and "No tenant" in no_tenant.stderr
    assert "Traceback" not in bad_slug.stderr + no_tenant.stderr
