"""The /graphql endpoint: GraphiQL, HTTP and both websocket protocols, with our context."""

from __future__ import annotations

import json
import logging
from functools import partial
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse

from db.faults import RETRY_AFTER_SECONDS, is_unavailable
from resolvers.context import RequestContext, Services
from schema.public_errors import SERVICE_UNAVAILABLE
from schema.public_errors import UNAVAILABLE_MESSAGE as UNAVAILABLE
from server import rate_limit
from server.authentication import authenticate, reauthenticate

logger = logging.getLogger("bigledger.graphql")


def service_unavailable() -> Response:
    body = {"data": None, "errors": [{"message": UNAVAILABLE, "extensions": {
        "code": SERVICE_UNAVAILABLE, "retryAfter": RETRY_AFTER_SECONDS}}]}  # fmt: skip
    return Response(
        orjson.dumps(body),
        status_code=503,
        media_type="application/json",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def bearer_token(value: str | None) -> str | None:
    if not value:
        return None
    scheme, _, token = value.strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


class BigLedgerGraphQL(GraphQL[RequestContext, None]):
    # Each websocket operation draws on the caller's rate limit (HTTP: in get_context).
    graphql_transport_ws_handler_class = rate_limit.RateLimitedTransportWS
    graphql_ws_handler_class = rate_limit.RateLimitedLegacyWS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Files arrive by the GraphQL multipart request spec (startImport's Upload); the body
        # limit (server/middleware.py) and each plan's maxImportBytes bound them.
        kwargs.setdefault("multipart_uploads_enabled", True)
        super().__init__(*args, **kwargs)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        except rate_limit.RateLimited as exc:  # raised by get_context, before any response
            await rate_limit.too_many_requests(exc)(scope, receive, send)
        except Exception as exc:
            # PostgreSQL or Redis unreachable outside an operation (authenticating in
            # get_context or in a websocket's connection_init): ask the client to retry.
            if not is_unavailable(exc):
                raise
            logger.warning("service unavailable: %r", exc)
            if scope["type"] == "http":
                await service_unavailable()(scope, receive, send)
            else:  # an accepted websocket: 1013 is the standard "try again later"
                await send({"type": "websocket.close", "code": 1013, "reason": UNAVAILABLE})

    def create_response(
        self, response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse], sub_response: Response
    ) -> Response:
        response = super().create_response(response_data, sub_response)
        results = response_data if isinstance(response_data, list) else [response_data]
        if any(
            (error.get("extensions") or {}).get("code") == SERVICE_UNAVAILABLE
            for result in results
            for error in result.get("errors") or ()
            if isinstance(error, dict)
        ):
            response.status_code = 503
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

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
            await rate_limit.enforce(context)  # after authentication: whose bucket it is
        return context

    def encode_json(self, data: object) -> str:
        # A str, not bytes: Strawberry sends bytes over websockets as binary frames.
        return orjson.dumps(data).decode()

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
            context.recheck_credentials = partial(reauthenticate, context, str(token))
        return None
