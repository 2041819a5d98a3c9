"""The /graphql endpoint: GraphiQL, HTTP and both websocket protocols, with our context."""

from __future__ import annotations

import json
import logging
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from domain.identity.model import Principal
from resolvers.context import RequestContext, Services
from server.logging import tenant_id_var, user_id_var
from server.security.tokens import InvalidToken, TokenService

logger = logging.getLogger("bigledger.auth")


def bearer_token(value: str | None) -> str | None:
    if not value:
        return None
    scheme, _, token = value.strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


class BigLedgerGraphQL(GraphQL[RequestContext, None]):
    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> RequestContext:
        services: Services = request.app.state.services
        client = request.client
        context = RequestContext(
            services=services,
            request=request,
            response=response,
            request_id=request.scope.get("state", {}).get("request_id", "-"),
            ip_address=client.host if client else None,
            user_agent=request.headers.get("user-agent"),
        )
        if isinstance(request, Request):
            raw = request.headers.get("authorization")
            token = bearer_token(raw)
            if raw and token is None:
                context.auth_error = "Authorization header must be 'Bearer <token>'."
            elif token:
                await authenticate(context, token)
        return context

    def decode_json(self, data: str | bytes) -> object:
        """HTTP bodies and websocket frames: a JSON object, or a client error (never a 500)."""
        try:
            value = orjson.loads(data)
        except orjson.JSONDecodeError:
            raise json.JSONDecodeError("Body is not valid JSON", "", 0) from None
        if not isinstance(value, dict):
            raise json.JSONDecodeError("Expected a JSON object", "", 0)
        return value

    async def on_ws_connect(self, context: RequestContext) -> dict[str, Any] | None:
        """The token comes in connection_init (browsers cannot set headers on websockets)."""
        params = context.connection_params or {}
        raw = params.get("Authorization") or params.get("authorization")
        token = bearer_token(raw) if raw else params.get("authToken") or params.get("token")
        if token:
            await authenticate(context, str(token))
        return None


async def authenticate(context: RequestContext, token: str) -> None:
    services = context.services
    tokens = services.tokens
    assert isinstance(tokens, TokenService)
    try:
        claims = tokens.verify(token)
    except InvalidToken as exc:
        context.auth_error = str(exc)
        return
    tenant = await services.tenants.get(claims.tenant_id)
    if tenant is None or not tenant.active:
        context.auth_error = "The token's tenant does not exist or is suspended."
        return
    context.authenticate(Principal(claims.user_id, tenant.id, tenant.schema_name), tenant)
    tenant_id_var.set(str(tenant.id))
    user_id_var.set(str(claims.user_id))
