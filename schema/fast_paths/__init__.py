"""Where the schema reaches past Strawberry's and graphql-core's public API, for speed.

Per request, Strawberry and graphql-core re-derive from the types what never changes: how to
build an input value, how to complete a plain field. These modules plan that once per type (or
per selection set) and install the plan through library internals:

- `execution.py`: `FastLeafExecutionContext` completes plain selection sets itself (overrides
  graphql-core's `execute_fields`; reads `_middleware_resolvers`, Strawberry's `_is_default`).
- `inputs.py`: `install_input_builders` plans each input type's conversion at schema build and
  installs it as the type's `from_input`.
- `type_map.py`: the one reader of Strawberry's `schema_converter.type_map` (the input planner's
  types, and the federation entity check's keys in schema/build.py).

Each internal has a canary in tests/platform/test_library_canaries.py naming the module to
adapt; tests/platform/test_fast_execution_equality.py checks that the execution fast path
answers byte for byte what graphql-core answers, and tests/platform/test_input_builders.py that
the planned inputs equal Strawberry's.
"""
