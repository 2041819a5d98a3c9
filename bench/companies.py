"""Benchmark 2: `companies(first: 50)` through the API vs. a bare Starlette + asyncpg endpoint.

Both servers run as their own single uvicorn process (same options: uvloop + httptools) against
the same embedded PostgreSQL, one after the other in the same run; the load generator is a third
process (`bench.loadgen`). CPU seconds of the server process, of PostgreSQL (postmaster and
backends) and of the load generator are measured over the timed window.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pstats
import signal
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx
import orjson
import psutil

from bench.harness import PYTHON, ROOT, CpuMeter, Harness, Server, log, login, seed_companies

WHAT = (
    "Throughput and latency of `companies(first: 50)` (every scalar field of the node + cursor + "
    "pageInfo) through the API, authenticated as the tenant's admin (Bearer RS256 JWT), against "
    "the raw baseline the issue names: a bare Starlette + asyncpg endpoint (`bench/bare_app.py`) "
    "running the same SELECT (same columns, keyset ORDER BY created_at, id, LIMIT 51, in the "
    "tenant's schema) and building the same JSON with orjson."
)
METHOD = (
    "One harness: embedded PostgreSQL (durable) + Redis in a temp dir, migrated; a tenant "
    "provisioned with `db.tenancy.provision_tenant` and 60 companies registered through the API's "
    "`createCompany`. The API is `bigledger serve` (one "
    "uvicorn process, uvloop + httptools; LOG_LEVEL=WARNING so access logging is not measured, "
    "plus one run at the default INFO); the baseline is one uvicorn process started with the same "
    "`uvicorn.run` options. Before loading, both answers are fetched and must be identical JSON. "
    "The load generator (`bench/loadgen.py`, a separate process: raw asyncio sockets, one "
    "keep-alive HTTP/1.1 connection per virtual client, pre-encoded POST) keeps 32 requests in "
    "flight, warms up 2 s, then counts 10 s. Every 97th response of the window is kept and "
    "checked (status 200, no `errors`, 50 edges with every field, hasNextPage); any non-200 fails "
    "the run. CPU seconds of the server process, of PostgreSQL (postmaster + backends) and of the "
    "load generator are taken over the timed window. API, baseline and API-at-INFO run one after "
    "the other in the same invocation. The *what-if* rows are the same API started through "
    "`bench/launch_api.py --patch ...`, which applies prototypes of proposed fixes in that process "
    "only (no app file is changed): `fastpath` = `bench/fastpath.py` as the schema's execution "
    "context, `orjson` = orjson response encoding, `autocommit` = the page SELECT on an "
    "AUTOCOMMIT engine (no BEGIN/ROLLBACK round trips)."
)

COMPANIES = 60
PAGE = 50
QUERY = (
    "query Companies($first: Int!, $after: String) {\n"
    "  companies(first: $first, after: $after) {\n"
    "    edges { cursor node { id name registrationNumber taxNumber currencyCode timezone"
    " createdAt updatedAt createdBy updatedBy version } }\n"
    "    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }\n"
    "  }\n"
    "}"
)
BODY = orjson.dumps({"query": QUERY, "variables": {"first": PAGE}}).decode()
NODE_FIELDS = {"id", "name", "registrationNumber", "taxNumber", "currencyCode", "timezone",
               "createdAt", "updatedAt", "createdBy", "updatedBy", "version"}  # fmt: skip


def check_body(text: str) -> str | None:
    """None if this is a correct page of 50 companies, else what is wrong."""
    try:
        body = orjson.loads(text)
    except orjson.JSONDecodeError:
        return f"not JSON: {text[:200]!r}"
    if "errors" in body:
        return f"errors: {body['errors']}"
    try:
        connection = body["data"]["companies"]
        edges = connection["edges"]
    except (KeyError, TypeError):
        return f"no data.companies.edges: {text[:200]!r}"
    if len(edges) != PAGE:
        return f"{len(edges)} edges, expected {PAGE}"
    for edge in edges:
        if not edge.get("cursor") or set(edge.get("node", {})) != NODE_FIELDS:
            return f"bad edge: {edge}"
    if connection["pageInfo"]["hasNextPage"] is not True:
        return "hasNextPage should be true"
    return None


async def fetch(port: int, token: str | None) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
        response = await http.post("/graphql", content=BODY, headers={
            "Content-Type": "application/json", **headers})  # fmt: skip
    response.raise_for_status()
    problem = check_body(response.text)
    if problem:
        raise RuntimeError(f"port {port} answered wrongly: {problem}")
    result: dict[str, Any] = response.json()
    return result


async def measure(
    h: Harness,
    server: Server,
    label: str,
    token: str | None,
    *,
    concurrency: int,
    warmup: float,
    duration: float,
    on_window: tuple[Any, Any] | None = None,
) -> dict[str, Any]:
    """One load-generator run against `server`, with CPU accounting over the timed window."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    spec = {"port": server.port, "path": "/graphql", "headers": headers, "body": BODY}
    spec_path = h.dir / f"spec-{label}.json"
    spec_path.write_bytes(orjson.dumps(spec))
    out_path = h.dir / f"result-{label}.json"
    proc = await asyncio.create_subprocess_exec(
        PYTHON, "-m", "bench.loadgen", "--spec", str(spec_path), "--out", str(out_path),
        "--concurrency", str(concurrency), "--warmup", str(warmup), "--duration", str(duration),
        "--sample-every", "97", "--max-samples", "40",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    meters = {"server": CpuMeter(server.pid), "postgres": CpuMeter(h.postgres_pid, children=True)}
    machine: dict[str, float] = {}
    assert proc.stderr is not None
    windowed = False
    cpu: dict[str, float] = {}
    try:
        async with asyncio.timeout(warmup + duration + 60):
            while line := await proc.stderr.readline():
                text = line.decode(errors="replace").rstrip()
                print(f"  [{label}] {text}", file=sys.stderr, flush=True)
                if text.startswith("loadgen: measuring"):
                    machine["start"] = busy_seconds()
                    for meter in meters.values():
                        meter.start()
                    if on_window:
                        on_window[0]()
                    windowed = True
                elif text.startswith("loadgen: window over") and windowed:
                    cpu = {name: meter.stop() for name, meter in meters.items()}
                    cpu["machine"] = busy_seconds() - machine["start"]
                    if on_window:
                        on_window[1]()
            await proc.wait()
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        raise
    if proc.returncode != 0:
        raise RuntimeError(f"loadgen failed for {label} (exit {proc.returncode})")
    result: dict[str, Any] = orjson.loads(out_path.read_bytes())
    if not result["requests"]:
        raise RuntimeError(f"{label}: no request completed in the window: {result['errors'][:3]}")
    cpu["others"] = max(0.0, cpu["machine"] - cpu["server"] - cpu["postgres"]
                        - result["loadgen_cpu_s"])  # fmt: skip
    result["cpu"] = cpu
    problems = [p for p in map(check_body, result.pop("samples")) if p]
    statuses = result["statuses"]
    non_200 = sum(v for k, v in statuses.items() if k != "200")
    result["non_200"] = non_200
    result["sample_problems"] = problems
    if problems or non_200 or result["errors"]:
        raise RuntimeError(
            f"{label}: wrong answers under load: statuses={statuses} problems={problems[:3]} "
            f"errors={result['errors'][:3]}"
        )
    log(f"{label}: {result['rps']:.0f} req/s, p50 {result['p50_ms']:.1f} ms, "
        f"p99 {result['p99_ms']:.1f} ms")  # fmt: skip
    return result


def busy_seconds() -> float:
    """CPU seconds the whole machine has spent not idle (all cores)."""
    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


def _area(filename: str, name: str) -> str:
    path = filename.replace("\\", "/")
    if filename == "~":
        return f"C builtins ({name.split(' of ')[-1].rstrip('>') if ' of ' in name else name})"
    for marker, area in (
        ("/graphql/", "graphql-core"), ("/strawberry/", "strawberry"),
        ("/sqlalchemy/", "SQLAlchemy"), ("/asyncpg/", "asyncpg"), ("/starlette/", "starlette"),
        ("/uvicorn/", "uvicorn"), ("/joserfc/", "joserfc (JWT)"),
        ("/cryptography/", "cryptography (JWT)"), ("/logging/", "logging"),
        ("/json/", "json (stdlib)"), ("/asyncio/", "asyncio"), ("/uvloop/", "uvloop"),
        ("/redis/", "redis"), ("/typing", "typing"), ("/enum.py", "enum"),
        ("/dataclasses.py", "dataclasses"), ("/inspect.py", "inspect"),
    ):  # fmt: skip
        if marker in path:
            return area
    if path.startswith(f"{ROOT}/") and "/site-packages/" not in path:
        return "bench prototype (fastpath)" if "/bench/" in path else "bigledger app code"
    if "/site-packages/" in path:
        return "other libraries"
    return "other stdlib"


STAGES = (
    ("whole GraphQL view (strawberry AsyncBaseHTTPView.run)",
     "strawberry/http/async_base_view.py", "run"),
    ("get_context (incl. JWT verify + tenant lookup)", "server/graphql_view.py", "get_context"),
    ("TokenService.verify (RS256 JWT)", "server/security/tokens.py", "verify"),
    ("access grants lookup (Redis MGET, cached grants)", "db/access.py", "grants"),
    ("strawberry Schema.execute (parse/validate/execute)",
     "strawberry/schema/schema.py", "execute"),
    ("graphql-core validate", "graphql/validation/validate.py", "validate"),
    ("companies resolver", "resolvers/company/queries.py", "companies"),
    ("companies_page (SQLAlchemy + asyncpg)", "db/readmodels/companies.py", "companies_page"),
    ("Company.from_row", "schema/company/types.py", "from_row"),
    ("graphql-core complete_value (result building)",
     "graphql/execution/execute.py", "complete_value"),
    ("encode_json (stdlib json.dumps)", "strawberry/http/base.py", "encode_json"),
    ("access-log line (middleware _log)", "server/middleware.py", "_log"),
)  # fmt: skip


def summarize_profile(path: Path, requests: int) -> tuple[str, str]:
    """(markdown for RESULTS.md, plain text dump) of a cProfile file."""
    stats = pstats.Stats(str(path))
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    total = sum(v[2] for v in raw.values())  # tottime
    by_area: dict[str, float] = defaultdict(float)
    for (filename, _line, name), (_cc, _nc, tt, _ct, _callers) in raw.items():
        by_area[_area(filename, name)] += tt
    lines = ["| area (self time) | share | µs / request |", "|---|---|---|"]
    for area, seconds in sorted(by_area.items(), key=lambda kv: -kv[1])[:14]:
        lines.append(f"| {area} | {seconds / total:.1%} | {seconds / requests * 1e6:.0f} |")
    stage_lines = ["| stage (inclusive, CPU while running) | share | µs / request |",
                   "|---|---|---|"]  # fmt: skip
    for label, file_part, func in STAGES:
        cum = sum(v[3] for (f, _l, n), v in raw.items() if f.endswith(file_part) and n == func)
        if cum:
            stage_lines.append(f"| {label} | {cum / total:.1%} | {cum / requests * 1e6:.0f} |")
    top = sorted(raw.items(), key=lambda kv: -kv[1][2])[:15]
    top_lines = ["| function (self time) | share | calls / request |", "|---|---|---|"]
    for (filename, line, name), (_cc, nc, tt, _ct, _callers) in top:
        short = "/".join(filename.split("/")[-3:]) if filename != "~" else ""
        where = f"{short}:{line} " if short else ""
        top_lines.append(f"| `{where}{name}` | {tt / total:.1%} | {nc / requests:.1f} |")
    markdown = "\n".join([*lines, "", *stage_lines, "", *top_lines])
    import io

    buffer = io.StringIO()
    dump = pstats.Stats(str(path), stream=buffer)
    dump.sort_stats("tottime").print_stats(40)
    dump.sort_stats("cumulative").print_stats(50)
    return markdown, buffer.getvalue()


async def profile_api(
    h: Harness, token: str, *, concurrency: int, warmup: float, duration: float
) -> dict[str, Any]:
    """The API under cProfile (toggled by signals around the timed window only)."""
    out = Path(tempfile.mkdtemp(dir=h.dir)) / "api.prof"
    launcher = [PYTHON, "-m", "bench.launch_api", "--profile-out", str(out), "--"]
    server = await h.start_api("api-profiled", log_level="WARNING", launcher=launcher)
    try:

        def begin() -> None:
            os.kill(server.pid, signal.SIGUSR1)

        def end() -> None:
            os.kill(server.pid, signal.SIGUSR2)

        result = await measure(
            h, server, "api-profiled", token, concurrency=concurrency, warmup=warmup,
            duration=duration, on_window=(begin, end),
        )  # fmt: skip
        for _ in range(100):
            if out.exists():
                break
            await asyncio.sleep(0.1)
        markdown, text = summarize_profile(out, result["requests"])
    finally:
        h.stop(server)
    text_path = Path(__file__).with_name("profile_companies.txt")
    text_path.write_text(
        f"cProfile of one API process under {concurrency} clients for {duration:g}s "
        f"({result['requests']} requests, {result['rps']:.0f} req/s under the profiler)\n\n{text}"
    )
    return {"result": result, "markdown": markdown, "text_path": text_path.name}


def combine(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Totals over several timed windows of the same target."""
    requests = sum(r["requests"] for r in runs)
    seconds = sum(r["duration_s"] for r in runs)
    cpu = {k: sum(r["cpu"][k] for r in runs) for k in runs[0]["cpu"]}
    return {"requests": requests, "duration_s": seconds, "rps": requests / seconds, "cpu": cpu,
            "loadgen_cpu_s": sum(r["loadgen_cpu_s"] for r in runs)}  # fmt: skip


async def run(
    h: Harness,
    *,
    concurrency: int = 32,
    warmup: float = 2.0,
    duration: float = 10.0,
    rounds: int = 2,
    info_run: bool = True,
    what_if: bool = True,
    profile: bool | None = None,
) -> dict[str, Any]:
    tenant = await h.tenant("bench_companies")
    api = await h.start_api("api-companies", log_level="WARNING")
    token = await login(api.port, tenant)
    await seed_companies(api.port, tenant, COMPANIES)
    log(f"tenant {tenant.slug}: {COMPANIES} companies registered through createCompany")
    bare = await h.start_bare("bare-companies", tenant.schema)
    api_json, bare_json = await fetch(api.port, token), await fetch(bare.port, None)
    if api_json != bare_json:
        raise RuntimeError(
            f"bare app JSON differs from the API's:\n{api_json!r:.600}\n{bare_json!r:.600}"
        )
    log("API and bare endpoint return identical JSON for the page")
    kw = {"concurrency": concurrency, "warmup": warmup, "duration": duration}
    runs: list[tuple[str, dict[str, Any]]] = []
    for i in range(rounds):  # interleaved, so drifting background load hits both alike
        runs.append(("api", await measure(h, api, f"api-{i + 1}", token, **kw)))
        runs.append(("bare", await measure(h, bare, f"bare-{i + 1}", None, **kw)))
    h.stop(bare)
    h.stop(api)
    if info_run:
        api_info = await h.start_api("api-companies-info", log_level="INFO")
        runs.append(("api_info", await measure(h, api_info, "api-info", token, **kw)))
        h.stop(api_info)
    if what_if:
        for patch in ("fastpath", "fastpath,orjson", "fastpath,orjson,autocommit"):
            launcher = [PYTHON, "-m", "bench.launch_api", "--patch", patch, "--"]
            name = "api+" + patch.replace(",", "+")
            server = await h.start_api(name, log_level="WARNING", launcher=launcher)
            if await fetch(server.port, token) != bare_json:
                raise RuntimeError(f"{name} answers differently from the API")
            runs.append((name, await measure(h, server, name, token, **kw)))
            h.stop(server)
    api_total = combine([r for k, r in runs if k == "api"])
    bare_total = combine([r for k, r in runs if k == "bare"])
    ratio = api_total["rps"] / bare_total["rps"]
    log(f"ratio API / bare = {ratio:.3f}")
    results: dict[str, Any] = {"runs": runs, "api": api_total, "bare": bare_total, "ratio": ratio}
    if profile is None:
        profile = ratio < 0.3
    if profile:
        results["profile"] = await profile_api(h, token, **kw)
    results["params"] = kw | {"companies": COMPANIES, "page": PAGE, "rounds": rounds}
    return results


LABELS = {
    "api": "API, LOG_LEVEL=WARNING",
    "bare": "bare Starlette + asyncpg",
    "api_info": "API, LOG_LEVEL=INFO (the default)",
    "api+fastpath": "what-if: API + `bench/fastpath.py` (prototype fix, not app code)",
    "api+fastpath+orjson": "what-if: API + fastpath + orjson response encoding",
    "api+fastpath+orjson+autocommit": "what-if: API + fastpath + orjson + AUTOCOMMIT read",
}


def markdown(results: dict[str, Any]) -> str:
    p = results["params"]
    rows = [
        "| target | req/s | p50 ms | p99 ms | requests | server CPU (cores) "
        "| server CPU ms/req | PostgreSQL CPU ms/req | loadgen CPU (cores) "
        "| other processes' CPU (cores) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for key, r in results["runs"]:
        d = r["duration_s"]
        cpu = r["cpu"]
        rows.append(
            f"| {LABELS.get(key, key)} | {r['rps']:.0f} | {r['p50_ms']:.1f} "
            f"| {r['p99_ms']:.1f} | {r['requests']} | {cpu['server'] / d:.2f} "
            f"| {cpu['server'] / r['requests'] * 1000:.2f} "
            f"| {cpu['postgres'] / r['requests'] * 1000:.2f} | {r['loadgen_cpu_s'] / d:.2f} "
            f"| {cpu['others'] / d:.2f} |"
        )
    api, bare, ratio = results["api"], results["bare"], results["ratio"]
    verdict = "meets" if ratio >= 0.3 else "misses"
    cpu_ratio = (bare["cpu"]["server"] / bare["requests"]) / (
        api["cpu"]["server"] / api["requests"]
    )
    text = "\n".join(rows)
    text += (
        f"\n\nRows in run order; every run had 0 non-200 answers and its sampled bodies were "
        f"correct. **Ratio API req/s ÷ bare req/s = {api['rps']:.0f} ÷ {bare['rps']:.0f} = "
        f"{ratio:.3f}** (all API windows ÷ all bare windows) — {verdict} the issue's goal of "
        f"≥ 0.3. The same ratio in server CPU per request (less sensitive to background load): "
        f"{cpu_ratio:.3f}."
    )
    by_key = dict(results["runs"])
    if "api_info" in by_key:
        info = by_key["api_info"]["rps"] / api["rps"]
        text += (
            f" At the default LOG_LEVEL=INFO (one JSON access-log line per request) the API "
            f"does {info:.0%} of its WARNING throughput."
        )
    for key in ("api+fastpath", "api+fastpath+orjson", "api+fastpath+orjson+autocommit"):
        if key in by_key:
            r = by_key[key]
            text += f" {LABELS[key].split(': ', 1)[1]}: ratio to bare {r['rps'] / bare['rps']:.3f}."
    if "profile" in results:
        prof = results["profile"]
        r = prof["result"]
        text += (
            f"\n\n### Where the API's time goes (cProfile of the API process)\n\n"
            f"The API was started again under `bench/launch_api.py --profile-out` (cProfile "
            f"switched on only for the timed window) and loaded the same way: {r['requests']} "
            f"requests, {r['rps']:.0f} req/s under the profiler (deterministic profiling "
            f"inflates code with many small calls, so shares are indicative). Shares are of the "
            f"profiled CPU time of the event-loop thread; µs/request divides by requests served "
            f"in the window. Full dump: `bench/{prof['text_path']}`.\n\n{prof['markdown']}"
        )
    return text + (
        f"\n\nParameters: {p['concurrency']} concurrent keep-alive connections, "
        f"{p['warmup']:g} s warm-up then {p['duration']:g} s timed per run, {p['rounds']} "
        f"interleaved API/bare rounds, page of {p['page']} of {p['companies']} companies, every "
        f"scalar field + cursor + pageInfo."
    )
