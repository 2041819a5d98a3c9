"""Run `bigledger <args>` with bench-only instrumentation or what-if patches.

    python -m bench.launch_api [--profile-out api.prof] [--patch fastpath,orjson] -- serve ...

`--profile-out`: cProfile is switched on by SIGUSR1 and off by SIGUSR2 (stats written to the
file), so only a steady-state load window is profiled, not start-up. It profiles the main thread,
where uvicorn's event loop runs.

`--patch` applies prototypes of proposed fixes *in this process only* (the app's files are not
changed), to measure what they would gain:

* `fastpath`: `bench.fastpath.FastLeafExecutionContext` as the schema's execution context;
* `orjson`: the GraphQL view encodes HTTP responses with orjson instead of stdlib json;
* `autocommit`: `companies_page` runs its single SELECT on an AUTOCOMMIT engine (one cached
  per tenant engine), so no BEGIN and no reset ROLLBACK round trip per request.
"""

from __future__ import annotations

import argparse
import cProfile
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import Any

PATCHES = ("fastpath", "orjson", "autocommit")


def apply_patches(names: list[str]) -> None:
    if "fastpath" in names:
        from bench.fastpath import FastLeafExecutionContext
        from schema.build import BigLedgerSchema

        original = BigLedgerSchema.__init__

        def init(self: BigLedgerSchema, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("execution_context_class", FastLeafExecutionContext)
            original(self, *args, **kwargs)

        BigLedgerSchema.__init__ = init  # type: ignore[method-assign]
    if "orjson" in names:
        import orjson

        from server.graphql_view import BigLedgerGraphQL

        def encode_json(self: BigLedgerGraphQL, data: object) -> bytes:
            return orjson.dumps(data)

        BigLedgerGraphQL.encode_json = encode_json  # type: ignore[method-assign,assignment]
    if "autocommit" in names:
        import resolvers.company.queries as queries

        original_page = queries.companies_page
        readers: dict[int, Any] = {}

        async def companies_page(engine: Any, **kwargs: Any) -> Any:
            reader = readers.get(id(engine))
            if reader is None:
                reader = readers[id(engine)] = (
                    engine,
                    engine.execution_options(isolation_level="AUTOCOMMIT"),
                )
            return await original_page(reader[1], **kwargs)

        queries.companies_page = companies_page  # type: ignore[assignment]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--profile-out", type=Path)
    parser.add_argument("--patch", default="", help=f"comma-separated: {', '.join(PATCHES)}")
    args, rest = parser.parse_known_args()
    if rest and rest[0] == "--":
        rest = rest[1:]
    patches = [p for p in args.patch.split(",") if p]
    unknown = set(patches) - set(PATCHES)
    if unknown:
        parser.error(f"unknown patch(es): {', '.join(sorted(unknown))}")
    apply_patches(patches)
    if args.profile_out is not None:
        profiler = cProfile.Profile()
        out: Path = args.profile_out

        def start(signum: int, frame: FrameType | None) -> None:
            profiler.enable()

        def stop(signum: int, frame: FrameType | None) -> None:
            profiler.disable()
            profiler.dump_stats(out)

        signal.signal(signal.SIGUSR1, start)
        signal.signal(signal.SIGUSR2, stop)
    from server.cli import main as cli_main

    return cli_main(rest)


if __name__ == "__main__":
    sys.exit(main())
