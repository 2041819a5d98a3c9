"""The password rule where a user meets it over the API: accepting an invitation."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import LOGIN, GraphQLClient, TenantHandle
from tests.identity.test_access import ACCEPT, INVITE


@pytest.mark.parametrize(
    ("password", "says"),
    [
        ("Password2024!", "most common passwords"),  # long enough, but a common one dressed up
        ("monkey123456789", "most common passwords"),
        ("aaaaaaaaaaaaaaaa", "different characters"),
        ("1234567890123", "consecutive characters"),
        ("{email}", "your email"),
        ("seven77", "at least 12 characters"),
    ],
)
async def test_a_weak_password_is_refused_and_the_invitation_still_works(
    gql: GraphQLClient, tenant: TenantHandle, password: str, says: str
) -> None:
    email = f"newcomer-{uuid.uuid4().hex[:6]}@example.com"
    invited = (await gql.data(INVITE, {"input": {"email": email}}, tenant.token))["inviteUser"]
    variables = {"tenant": tenant.slug, "email": email, "token": invited["invitationToken"]}
    weak = password.format(email=email)
    refused = (await gql.data(ACCEPT, variables | {"password": weak}))["acceptInvitation"]
    assert refused["accessToken"] is None
    [error] = refused["errors"]
    assert (error["code"], error["field"]) == ("INVALID", "password")
    assert says in error["message"]
    signed_in = await gql.data(LOGIN, {"tenant": tenant.slug, "email": email, "password": weak})
    assert signed_in["login"]["accessToken"] is None  # the weak password was never set

    accepted = (await gql.data(ACCEPT, variables | {"password": "tram lantern quietly 7"}))[
        "acceptInvitation"
    ]
    assert accepted["errors"] == [] and accepted["accessToken"]
