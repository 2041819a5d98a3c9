"""The operator's commands hold passwords to the same rule as the API (issue 12, item 10).

A refusal comes before any database work, so the command runs in this process (the parser and
command `server.cli.main` runs, without its logging set-up): no subprocess start-up per case."""

from __future__ import annotations

import uuid

import pytest

from server.bootstrap import seed_demo
from server.cli import parser
from server.settings import Settings
from tests.conftest import LOGIN, GraphQLClient, TenantHandle


def bigledger(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """Exit code and what the command printed on stderr."""
    capsys.readouterr()
    command = parser().parse_args(args)
    code = int(command.run(Settings(), command) or 0)
    return code, capsys.readouterr().err


async def test_the_cli_refuses_weak_passwords_with_a_clear_message(
    gql: GraphQLClient, tenant: TenantHandle, capsys: pytest.CaptureFixture[str]
) -> None:
    slug = f"pw_{uuid.uuid4().hex[:8]}"
    create = ("tenant", "create", "--slug", slug, "--name", "Password Trading",
              "--admin-email", f"boss@{slug}.example", "--admin-password")  # fmt: skip
    code, said = bigledger(capsys, *create, "a")
    assert code == 2
    assert "error: --admin-password: Choose a password of at least 12 characters." in said
    code, said = bigledger(capsys, *create, "Password123456")
    assert code == 2 and "most common passwords" in said
    login = await gql.data(LOGIN, {"tenant": slug, "email": f"boss@{slug}.example",
                                   "password": "Password123456"})  # fmt: skip
    assert login["login"]["accessToken"] is None  # no tenant was made

    email = f"clerk-{uuid.uuid4().hex[:6]}@example.com"
    user = ("user", "create", "--tenant", tenant.slug, "--email", email, "--password")
    code, said = bigledger(capsys, *user, "x")
    assert code == 2 and "error: --password: Choose a password of at least 12 characters." in said
    login = await gql.data(LOGIN, {"tenant": tenant.slug, "email": email, "password": "x"})
    assert login["login"]["accessToken"] is None  # no such user was made
    code, said = bigledger(capsys, *user, email)
    assert code == 2 and "your email" in said


async def test_a_weak_demo_password_stops_the_server_with_a_clear_message(engine) -> None:  # type: ignore[no-untyped-def]
    """`BIGLEDGER_DEMO_PASSWORD=demo bigledger serve` (or seed-demo): refused before any write."""
    with pytest.raises(SystemExit, match="BIGLEDGER_DEMO_PASSWORD: Choose a password of at least"):
        await seed_demo(engine, "demo")
