"""Profile the API process while it posts journal entries (cProfile, steady state only).

`python -m bench.accounting_profile [--clients 32] [--warmup 3] [--duration 10] [--top 45]`

The same load as `bench.accounting_posting` (`createJournalEntry(post: true)`, 2-line entries)
against one `bigledger serve` started through `bench.launch_api --profile-out`: the profiler is
switched on for the timed window only (SIGUSR1/SIGUSR2). Prints the functions with the most
cumulative and own time, per posted entry, and writes them to bench/profile_accounting.txt.
Nothing is written to RESULTS.md: this is a tool for finding what to cut.

`--cpu` instead measures the API process's CPU seconds per posted entry without the profiler,
twice: as it runs, and with its outbox relay switched off (events stay in the outbox; another
process would relay them) — what the relay in the API process costs per entry.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import pstats
import shutil
import signal
import sys
import tempfile
import uuid
from pathlib import Path

import httpx

from bench.accounting_posting import api_load, leaf_accounts, setup_company, variants
from bench.harness import HOST, PYTHON, CpuMeter, Harness, log, login

OUT = Path(__file__).with_name("profile_accounting.txt")


def by_package(stats: pstats.Stats, entries: int) -> str:
    """Own time per library / our top-level folder, in ms per posted entry (idle excluded)."""
    totals: dict[str, float] = {}
    for (filename, _line, name), row in stats.stats.items():  # type: ignore[attr-defined]
        own = row[2]
        if "site-packages/" in filename:
            key = filename.split("site-packages/")[1].split("/")[0]
        elif "/work/main/" in filename:
            key = "ours: " + filename.split("/work/main/")[1].split("/")[0]
        elif filename == "~":
            key = name if "poll" in name or "select" in name else "builtins"
        else:
            key = "stdlib"
        totals[key] = totals.get(key, 0.0) + own
    lines = [f"{k:40s} {v / max(entries, 1) * 1000:8.2f} ms/entry" for k, v in
             sorted(totals.items(), key=lambda kv: -kv[1])[:25]]  # fmt: skip
    return "own time by package:\n" + "\n".join(lines) + "\n\n"


# `bigledger` with the outbox relay's loops not started (a what-if; nothing else changes).
NO_RELAY = (
    "import sys, workers.relay as r\n"
    "async def idle(self): self._tasks = []\n"
    "r.OutboxRelay.start = idle\n"
    "from server.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


async def cpu_per_entry(args: argparse.Namespace) -> None:
    import asyncpg

    async with Harness() as h:
        tenant = await h.tenant(f"bench_cpu_{uuid.uuid4().hex[:6]}")
        for label, launcher in (("as it runs", None), ("relay off", [PYTHON, "-c", NO_RELAY])):
            api = await h.start_api(f"api-{label.replace(' ', '-')}", launcher=launcher)
            token = await login(api.port, tenant)
            async with httpx.AsyncClient(
                base_url=f"http://{HOST}:{api.port}",
                headers={"Authorization": f"Bearer {token}"},
                timeout=60,
            ) as http:
                company = await setup_company(http, f"CPU {label} Sdn Bhd", ["2026-01-01"])
            conn = await asyncpg.connect(h.database_url.replace("+asyncpg", ""))
            try:
                accounts = await leaf_accounts(conn, tenant.schema, company, 40)
            finally:
                await conn.close()
            work = variants(accounts, 5000, 1)
            await api_load(api.port, token, company, work, args.clients, 0, args.warmup)
            meter = CpuMeter(api.pid, children=True)
            meter.start()
            result = await api_load(api.port, token, company, work, args.clients, 0, args.duration)
            cpu = meter.stop()
            log(
                f"{label}: {result['rate']:,.0f} entries/s, API CPU {cpu:.1f} s for "
                f"{result['all_entries']:,} entries = "
                f"{cpu / result['all_entries'] * 1000:.2f} ms/entry"
            )
            h.stop(api)


async def run(args: argparse.Namespace) -> None:
    import asyncpg

    async with Harness() as h:
        tenant = await h.tenant(f"bench_prof_{uuid.uuid4().hex[:6]}")
        prof = Path(tempfile.mkdtemp(dir=h.dir)) / "api.prof"
        launcher = [PYTHON, "-m", "bench.launch_api", "--profile-out", str(prof), "--"]
        api = await h.start_api("api-profiled", launcher=launcher)
        token = await login(api.port, tenant)
        async with httpx.AsyncClient(
            base_url=f"http://{HOST}:{api.port}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        ) as http:
            company = await setup_company(http, "Profiled Sdn Bhd", ["2026-01-01"])
        conn = await asyncpg.connect(h.database_url.replace("+asyncpg", ""))
        try:
            accounts = await leaf_accounts(conn, tenant.schema, company, 40)
        finally:
            await conn.close()
        work = variants(accounts, 5000, 1)
        # warm-up unprofiled, then the profiled window
        await api_load(api.port, token, company, work, args.clients, 0, args.warmup)
        os.kill(api.pid, signal.SIGUSR1)
        result = await api_load(api.port, token, company, work, args.clients, 0, args.duration)
        os.kill(api.pid, signal.SIGUSR2)
        for _ in range(100):
            if prof.exists():
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)
        entries = result["entries"]
        buf = io.StringIO()
        stats = pstats.Stats(str(prof), stream=buf)
        total_tt: float = stats.total_tt  # type: ignore[attr-defined]
        buf.write(
            f"{entries} entries in {result['seconds']:.1f}s under the profiler "
            f"({result['rate']:.0f}/s); total profiled time "
            f"{total_tt:.1f}s = {total_tt / max(entries, 1) * 1000:.2f} ms/entry\n"
        )
        buf.write(by_package(stats, entries))
        stats.sort_stats("cumulative").print_stats(args.top)
        stats.sort_stats("tottime").print_stats(args.top)
        OUT.write_text(buf.getvalue())
        if args.keep:
            shutil.copyfile(prof, args.keep)
        log(f"wrote {OUT}")
        print(buf.getvalue()[:4000])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--top", type=int, default=45)
    parser.add_argument("--keep", help="copy the raw cProfile stats to this file")
    parser.add_argument("--cpu", action="store_true", help="CPU per entry, relay on and off")
    args = parser.parse_args(argv)
    asyncio.run(cpu_per_entry(args) if args.cpu else run(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
