"""Authentication through the API: sign-in, RS256 access tokens, JWKS, refresh rotation, and
every way a bad credential must end in a clear UNAUTHENTICATED (never a 500)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from sqlalchemy import text

from server.security.tokens import TokenService
from tests.conftest import LOGIN, GraphQLClient, LiveServer, TenantHandle

REFRESH = """
mutation Refresh($token: String!) {
  refreshToken(refreshToken: $token) {
    accessToken refreshToken expiresIn errors { code message field }
  }
}"""

ME = """
query {
  me {
    user { id email }
    tenant { id slug name schema subscriptionPlan timezone locale currency }
  }
}"""

BAD_CREDENTIALS = "Invalid tenant, email or password."


# Tenants shared by the tests below that only read (signing in again starts a new session and
# changes nothing another test relies on); tests that revoke or suspend make their own.
@pytest.fixture(scope="module")
async def alice(make_tenant) -> TenantHandle:  # type: ignore[no-untyped-def]
    return await make_tenant("alice")


@pytest.fixture(scope="module")
async def bob(make_tenant) -> TenantHandle:  # type: ignore[no-untyped-def]
    return await make_tenant("bob")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64json(value: object) -> str:
    return b64url(json.dumps(value).encode())


def unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The header and claims of a compact JWS, read without checking anything."""
    header, payload, _signature = token.split(".")

    def load(part: str) -> dict[str, Any]:
        return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))

    return load(header), load(payload)


async def login(gql: GraphQLClient, tenant: str, email: str, password: str) -> dict[str, Any]:
    data = await gql.data(LOGIN, {"tenant": tenant, "email": email, "password": password})
    return data["login"]


async def refresh(gql: GraphQLClient, token: str) -> dict[str, Any]:
    return (await gql.data(REFRESH, {"token": token}))["refreshToken"]


def assert_refused(payload: dict[str, Any], message: str | None = None) -> None:
    assert payload["accessToken"] is None
    assert payload["refreshToken"] is None
    assert payload["expiresIn"] is None
    [error] = payload["errors"]
    assert error["code"] == "UNAUTHENTICATED"
    if message is not None:
        assert error["message"] == message


def assert_unauthenticated(response: httpx.Response, field: str = "me") -> str:
    """HTTP 200, no data for the guarded field, one UNAUTHENTICATED error; returns its message."""
    assert response.status_code == 200, response.text
    assert "Traceback" not in response.text
    body = response.json()
    assert (body.get("data") or {}).get(field) is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "UNAUTHENTICATED", error
    assert error["path"] == [field]
    return error["message"]


# --- sign-in -------------------------------------------------------------------------------


async def test_login_issues_rs256_token_verifiable_with_published_jwks(
    gql: GraphQLClient, alice: TenantHandle, live_server: LiveServer, settings
) -> None:  # type: ignore[no-untyped-def]
    started = int(time.time())
    result = await login(gql, alice.slug, alice.email, alice.password)
    assert result["errors"] == []
    assert result["expiresIn"] == settings.access_token_ttl_seconds > 0
    assert result["refreshToken"] and result["refreshToken"] != alice.refresh_token

    token = result["accessToken"]
    header, claims = unverified(token)
    assert header["alg"] == "RS256"
    async with httpx.AsyncClient(base_url=live_server.url) as http:
        response = await http.get("/.well-known/jwks.json")
    assert response.status_code == 200
    jwks = response.json()
    published = {k["kid"]: k for k in jwks["keys"]}
    assert header["kid"] in published
    assert published[header["kid"]]["kty"] == "RSA"
    assert "d" not in published[header["kid"]]  # the private exponent is never published

    assert claims["iss"] == settings.jwt_issuer
    assert claims["aud"] == settings.jwt_audience
    assert claims["sub"] == str(alice.admin_id)
    assert claims["tenant"] == str(alice.id)
    assert started <= claims["exp"] - settings.access_token_ttl_seconds <= int(time.time()) + 1

    # The published key, and only it, verifies the signature.
    verified = jwt.decode(token, KeySet.import_key_set(jwks), algorithms=["RS256"])
    assert verified.claims["sub"] == str(alice.admin_id)
    stranger = RSAKey.generate_key(2048)
    with pytest.raises(Exception, match=r"(?i)signature"):
        jwt.decode(token, stranger, algorithms=["RS256"])

    # And the fresh token is accepted over HTTP as a Bearer token.
    me = await gql.data(ME, token=token)
    assert me["me"]["user"]["id"] == str(alice.admin_id)


async def test_me_returns_the_user_and_their_tenant(gql: GraphQLClient, make_tenant) -> None:  # type: ignore[no-untyped-def]
    handle = await make_tenant("me", currency_code="MYR", timezone="Asia/Kuala_Lumpur")
    me = (await gql.data(ME, token=handle.token))["me"]
    assert me["user"] == {"id": str(handle.admin_id), "email": handle.email}
    assert me["tenant"] == {
        "id": str(handle.id),
        "slug": handle.slug,
        "name": f"Tenant {handle.slug}",
        "schema": handle.schema,
        "subscriptionPlan": "professional",
        "timezone": "Asia/Kuala_Lumpur",
        "locale": "en",
        "currency": "MYR",
    }


async def test_login_normalises_tenant_and_email_case(
    gql: GraphQLClient, alice: TenantHandle
) -> None:
    result = await login(gql, f" {alice.slug.upper()} ", alice.email.upper(), alice.password)
    assert result["errors"] == [] and result["accessToken"]


@pytest.mark.parametrize(
    "wrong",
    ["password", "password_case", "email", "tenant", "other_tenants_user"],
)
async def test_failed_sign_in_is_uniform_and_issues_nothing(
    gql: GraphQLClient, alice: TenantHandle, bob: TenantHandle, wrong: str
) -> None:
    slug, email, password = alice.slug, alice.email, alice.password
    if wrong == "password":
        password = "not-the-password"
    elif wrong == "password_case":
        password = password.upper()
    elif wrong == "email":
        email = f"nobody@{alice.slug}.example"
    elif wrong == "tenant":
        slug = f"nosuch_{uuid.uuid4().hex[:8]}"
    else:  # a real user with the right password, but of another tenant
        email, password = bob.email, bob.password
    assert_refused(await login(gql, slug, email, password), BAD_CREDENTIALS)


async def test_suspended_tenant_and_inactive_user_cannot_sign_in_or_use_tokens(
    gql: GraphQLClient, make_tenant, engine
) -> None:  # type: ignore[no-untyped-def]
    suspended, deactivated = await make_tenant("susp"), await make_tenant("deact")
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE shared.tenants SET status = 'suspended' WHERE id = :id"),
            {"id": suspended.id},
        )
        await conn.execute(
            text("UPDATE shared.users SET is_active = false WHERE id = :id"),
            {"id": deactivated.admin_id},
        )
    for handle in (suspended, deactivated):
        assert_refused(
            await login(gql, handle.slug, handle.email, handle.password), BAD_CREDENTIALS
        )
        # Nor can a refresh token from before keep the session alive.
        assert_refused(await refresh(gql, handle.refresh_token))
    # The suspended tenant's previously issued access token no longer opens anything.
    message = assert_unauthenticated(await gql.post(ME, token=suspended.token))
    assert "suspended" in message


# --- refresh-token rotation ----------------------------------------------------------------


async def test_refresh_rotates_and_reuse_revokes_the_whole_family(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    first = await refresh(gql, tenant.refresh_token)
    assert first["errors"] == []
    assert first["expiresIn"] > 0
    assert first["refreshToken"] != tenant.refresh_token
    assert first["accessToken"] != tenant.token
    me = await gql.data(ME, token=first["accessToken"])
    assert me["me"]["user"]["id"] == str(tenant.admin_id)

    # The successor can itself be rotated: the chain continues for the legitimate holder.
    second = await refresh(gql, first["refreshToken"])
    assert second["errors"] == []

    # Presenting an already-used token (a stolen copy) fails ...
    reuse = await refresh(gql, tenant.refresh_token)
    assert_refused(reuse)
    assert "already used" in reuse["errors"][0]["message"]
    # ... and kills the family: the newest legitimate token is revoked as well.
    after = await refresh(gql, second["refreshToken"])
    assert_refused(after)
    assert "revoked" in after["errors"][0]["message"]

    # A separate sign-in is a separate family and is unaffected.
    fresh = await login(gql, tenant.slug, tenant.email, tenant.password)
    assert (await refresh(gql, fresh["refreshToken"]))["errors"] == []


async def test_reuse_after_single_rotation_revokes_the_successor(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    successor = await refresh(gql, tenant.refresh_token)
    assert successor["errors"] == []
    assert_refused(await refresh(gql, tenant.refresh_token))
    assert_refused(await refresh(gql, successor["refreshToken"]))


@pytest.mark.parametrize(
    "make_garbage",
    [
        lambda t: "",
        lambda t: "abc",
        lambda t: f"{uuid.uuid4()}.wrong",
        lambda t: t.partition(".")[0] + ".wrong-secret",  # real id, wrong secret
        lambda t: t.partition(".")[0],  # real id, no secret
        lambda t: "." * 50,
        lambda t: "x" * 5000,
    ],
    ids=["empty", "abc", "unknown-id", "wrong-secret", "no-secret", "dots", "long"],
)
async def test_garbage_refresh_tokens_are_unauthenticated(
    gql: GraphQLClient, alice: TenantHandle, make_garbage: Callable[[str], str]
) -> None:
    assert_refused(await refresh(gql, make_garbage(alice.refresh_token)))


async def test_wrong_secret_does_not_burn_the_real_refresh_token(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    token_id = tenant.refresh_token.partition(".")[0]
    assert_refused(await refresh(gql, f"{token_id}.guessed"))
    assert (await refresh(gql, tenant.refresh_token))["errors"] == []


# --- bad access tokens ---------------------------------------------------------------------


def _claims(handle: TenantHandle, settings, **changes: object) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": str(handle.admin_id),
        "tenant": str(handle.id),
        "iat": now,
        "exp": now + 300,
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def _service(key: RSAKey, settings, **overrides: Any) -> TokenService:  # type: ignore[no-untyped-def]
    options = {
        "issuer": settings.jwt_issuer,
        "audience": settings.jwt_audience,
        "ttl_seconds": 300,
    } | overrides
    return TokenService(key, **options)


def _expired(key: RSAKey, tenant: TenantHandle, settings) -> str:  # type: ignore[no-untyped-def]
    return _service(key, settings, ttl_seconds=-60).issue_access_token(
        user_id=tenant.admin_id, tenant_id=tenant.id
    )[0]


def _foreign_key(key: RSAKey, tenant: TenantHandle, settings) -> str:  # type: ignore[no-untyped-def]
    forger = RSAKey.generate_key(2048, private=True)
    return _service(forger, settings).issue_access_token(
        user_id=tenant.admin_id, tenant_id=tenant.id
    )[0]


def _foreign_key_same_kid(key: RSAKey, tenant: TenantHandle, settings) -> str:  # type: ignore[no-untyped-def]
    forger = RSAKey.generate_key(2048, private=True)
    header = {"alg": "RS256", "typ": "JWT", "kid": key.thumbprint()}
    return jwt.encode(header, _claims(tenant, settings), forger, algorithms=["RS256"])


def _alg_none(key: RSAKey, tenant: TenantHandle, settings) -> str:  # type: ignore[no-untyped-def]
    return f"{b64json({'alg': 'none', 'typ': 'JWT'})}.{b64json(_claims(tenant, settings))}."


def _hs256_with_public_pem(key: RSAKey, tenant: TenantHandle, settings) -> str:  # type: ignore[no-untyped-def]
    signing_input = (
        f"{b64json({'alg': 'HS256', 'typ': 'JWT', 'kid': key.thumbprint()})}."
        f"{b64json(_claims(tenant, settings))}"
    )
    secret = key.as_pem(private=False)
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(signature)}"


def _tampered_claims(key: RSAKey, tenant: TenantHandle, settings) -> str:  # type: ignore[no-untyped-def]
    """A genuine token whose payload was swapped for another tenant's id, signature kept."""
    genuine = _service(key, settings).issue_access_token(
        user_id=tenant.admin_id, tenant_id=tenant.id
    )[0]
    header, _payload, signature = genuine.split(".")
    return f"{header}.{b64json(_claims(tenant, settings, tenant=str(uuid.uuid4())))}.{signature}"


def _other_issuer(key: RSAKey, tenant: TenantHandle, settings) -> str:  # type: ignore[no-untyped-def]
    return _service(key, settings, issuer="https://evil.example").issue_access_token(
        user_id=tenant.admin_id, tenant_id=tenant.id
    )[0]


def _other_audience(key: RSAKey, tenant: TenantHandle, settings) -> str:  # type: ignore[no-untyped-def]
    return _service(key, settings, audience="some-other-api").issue_access_token(
        user_id=tenant.admin_id, tenant_id=tenant.id
    )[0]


def _signed(**changes: object):  # type: ignore[no-untyped-def]
    def make(key: RSAKey, tenant: TenantHandle, settings) -> str:  # type: ignore[no-untyped-def]
        header = {"alg": "RS256", "typ": "JWT", "kid": key.thumbprint()}
        return jwt.encode(header, _claims(tenant, settings, **changes), key, algorithms=["RS256"])

    return make


def _unknown_tenant(key: RSAKey, tenant: TenantHandle, settings) -> str:  # type: ignore[no-untyped-def]
    return _service(key, settings).issue_access_token(
        user_id=tenant.admin_id, tenant_id=uuid.uuid4()
    )[0]


BAD_TOKENS = {
    # name: (token factory, a word the error message must contain)
    "expired": (_expired, "expired"),
    "foreign-key": (_foreign_key, "signature"),
    "foreign-key-same-kid": (_foreign_key_same_kid, "signature"),
    "alg-none": (_alg_none, "algorithm"),
    "hs256-public-pem": (_hs256_with_public_pem, "algorithm"),
    "tampered-claims": (_tampered_claims, "signature"),
    "other-issuer": (_other_issuer, "not valid for this API"),
    "other-audience": (_other_audience, "not valid for this API"),
    "missing-tenant": (_signed(tenant=None), "not valid for this API"),
    "missing-sub": (_signed(sub=None), "not valid for this API"),
    "missing-exp": (_signed(exp=None), "not valid for this API"),
    "not-yet-valid": (_signed(nbf=int(time.time()) + 3600), "not valid for this API"),
    "tenant-not-a-uuid": (_signed(tenant="acme"), "malformed"),
    "tenant-not-a-string": (_signed(tenant=["x"]), "malformed"),
    "unknown-tenant": (_unknown_tenant, "tenant"),
    "malformed": (lambda key, tenant, settings: "not.a.jwt", "malformed"),
    "two-segments": (lambda key, tenant, settings: "abc.def", "malformed"),
    "header-not-an-object": (
        lambda key, tenant, settings: f"{b64json([])}.{b64json({})}.",
        "invalid",
    ),
}


@pytest.mark.parametrize("case", list(BAD_TOKENS))
async def test_bad_access_token_is_unauthenticated(
    gql: GraphQLClient, alice: TenantHandle, live_server: LiveServer, settings, case: str
) -> None:  # type: ignore[no-untyped-def]
    make, reason = BAD_TOKENS[case]
    token = make(live_server.services.tokens._key, alice, settings)
    message = assert_unauthenticated(await gql.post(ME, token=token))
    assert reason.lower() in message.lower(), message


async def test_wrong_authorization_scheme_is_unauthenticated(
    gql: GraphQLClient, alice: TenantHandle
) -> None:
    for value in (
        "Basic " + base64.b64encode(f"{alice.email}:{alice.password}".encode()).decode(),
        alice.token,  # the token without the scheme
        "Bearer",
    ):
        response = await gql.http.post(
            "/graphql", json={"query": ME}, headers={"Authorization": value}
        )
        message = assert_unauthenticated(response)
        assert "Bearer" in message


async def test_no_token_is_unauthenticated_on_every_guarded_field(gql: GraphQLClient) -> None:
    message = assert_unauthenticated(await gql.post(ME))
    assert "Bearer" in message
    assert_unauthenticated(await gql.post("{ companies { edges { node { id } } } }"), "companies")
    response = await gql.post(
        'mutation { createCompany(input: {name: "X"}) { company { id } errors { code } } }'
    )
    assert_unauthenticated(response, "createCompany")


async def test_expired_token_is_refused_on_query_and_mutation(
    gql: GraphQLClient, tenant: TenantHandle, live_server: LiveServer, settings, engine
) -> None:  # type: ignore[no-untyped-def]
    token = _expired(live_server.services.tokens._key, tenant, settings)
    message = assert_unauthenticated(
        await gql.post("{ companies { edges { node { id } } } }", token=token), "companies"
    )
    assert "expired" in message
    response = await gql.post(
        'mutation { createCompany(input: {name: "Sneaky"}) { company { id } errors { code } } }',
        token=token,
    )
    assert "expired" in assert_unauthenticated(response, "createCompany")
    async with engine.connect() as conn:
        count = await conn.execute(text(f'SELECT count(*) FROM "{tenant.schema}".companies'))
    assert count.scalar_one() == 0


async def test_public_login_ignores_a_bad_token(gql: GraphQLClient, alice: TenantHandle) -> None:
    """A stale token in the browser must not stop the user from signing in again."""
    response = await gql.post(
        LOGIN,
        {"tenant": alice.slug, "email": alice.email, "password": alice.password},
        token="stale.garbage.token",
    )
    assert response.status_code == 200
    body = response.json()
    assert "errors" not in body
    assert body["data"]["login"]["accessToken"]


# --- tenant isolation ----------------------------------------------------------------------

CREATE = """
mutation Create($input: CreateCompanyInput!) {
  createCompany(input: $input) { company { id name } errors { code message field } }
}"""


async def test_a_token_sees_only_its_own_tenant(
    gql: GraphQLClient, tenant: TenantHandle, other_tenant: TenantHandle
) -> None:
    theirs = (await gql.data(CREATE, {"input": {"name": "Other Co"}}, other_tenant.token))[
        "createCompany"
    ]
    assert theirs["errors"] == []
    mine = (await gql.data(CREATE, {"input": {"name": "My Co"}}, tenant.token))["createCompany"]
    their_id, my_id = theirs["company"]["id"], mine["company"]["id"]

    query = "query($id: ID!) { company(id: $id) { id name } }"
    assert (await gql.data(query, {"id": their_id}, tenant.token))["company"] is None
    assert (await gql.data(query, {"id": my_id}, other_tenant.token))["company"] is None
    assert (await gql.data(query, {"id": their_id}, other_tenant.token))["company"] == {
        "id": their_id, "name": "Other Co"
    }  # fmt: skip

    listing = await gql.data("{ companies { edges { node { id name } } } }", token=tenant.token)
    assert [e["node"] for e in listing["companies"]["edges"]] == [{"id": my_id, "name": "My Co"}]

    entities = await gql.data(
        "query($r: [_Any!]!) { _entities(representations: $r) { ... on Company { id } } }",
        {"r": [{"__typename": "Company", "id": their_id}]},
        tenant.token,
    )
    assert entities["_entities"] == [None]

    me = (await gql.data(ME, token=tenant.token))["me"]
    assert me["tenant"]["id"] == str(tenant.id)
