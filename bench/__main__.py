"""`python -m bench [startup|companies|events|subscribers|profile ...]` (default: the first four).

Writes or updates one section per benchmark in bench/RESULTS.md (sections not run are kept).
`profile` runs the companies benchmark and always adds a cProfile of the API process.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import signal
import sys
import time
import traceback
from collections.abc import Awaitable, Callable
from pathlib import Path

from bench.harness import Harness, log, machine_info, machine_markdown, today

RESULTS = Path(__file__).with_name("RESULTS.md")
ORDER = ("startup", "companies", "events", "subscribers")
CHOICES = (*ORDER, "profile")

HEADER = """# BigLedger benchmark results

Written by `python -m bench` (`make bench`); each section is replaced when its benchmark runs
again and records its own date, machine and command. **The machine has 2 cores**: in every
benchmark the load generator / clients, the API (or bare baseline) process and PostgreSQL (and
Redis) share those two cores, so absolute numbers are lower than on a machine where the load
comes from elsewhere, and every number includes that contention. Other engineers' test runs may
also have been active on the same machine (see the load average in each section).
"""

TITLES = {
    "startup": "1. Start-up: `make run` to the first answered query",
    "companies": "2. `companies(first: 50)` throughput and latency vs. bare Starlette + asyncpg",
    "events": "3. Event latency: `createCompany` commit → subscriber",
    "subscribers": "4. 1,000 concurrent websocket subscribers on one API process",
}


def section(name: str, what: str, method: str, numbers: str, info: dict[str, str],
            command: str, took: float) -> str:  # fmt: skip
    return (
        f"<!-- bench:{name} -->\n## {TITLES[name]}\n\n"
        f"**What.** {what}\n\n**Method.** {method}\n\n"
        f"**Results** ({today()}, benchmark took {took:.0f} s):\n\n{numbers}\n\n"
        f"{machine_markdown(info)}\n\n**Reproduce:** `{command}`\n<!-- /bench:{name} -->\n"
    )


def write_results(sections: dict[str, str]) -> None:
    existing = RESULTS.read_text() if RESULTS.exists() else ""
    blocks: dict[str, str] = {}
    for name in ORDER:
        match = re.search(
            rf"<!-- bench:{name} -->.*?<!-- /bench:{name} -->\n?", existing, flags=re.S
        )
        if match:
            blocks[name] = match.group(0)
    blocks.update(sections)
    body = "\n".join(blocks[name] for name in ORDER if name in blocks)
    RESULTS.write_text(f"{HEADER}\n{body}")
    log(f"wrote {RESULTS}")


async def run(names: list[str], args: argparse.Namespace) -> int:
    from bench import companies, events, startup, subscribers

    info = machine_info()
    sections: dict[str, str] = {}
    failed: list[str] = []

    async def attempt(name: str, job: Callable[[], Awaitable[tuple[str, str, str]]]) -> None:
        log(f"=== {name} ===")
        started = time.perf_counter()
        try:
            what, method, numbers = await job()
        except asyncio.CancelledError:
            raise
        except Exception:
            traceback.print_exc()
            failed.append(name)
            return
        command = f".venv/bin/python -m bench {name}"
        sections[name] = section(name, what, method, numbers, info, command,
                                 time.perf_counter() - started)  # fmt: skip
        write_results(sections)

    try:
        if "startup" in names:

            async def do_startup() -> tuple[str, str, str]:
                result = await asyncio.to_thread(startup.run, runs=args.startup_runs)
                return startup.WHAT, startup.METHOD, startup.markdown(result)

            await attempt("startup", do_startup)
        rest = [n for n in names if n != "startup"]
        if rest:
            async with Harness() as h:
                if "companies" in rest or "profile" in rest:

                    async def do_companies() -> tuple[str, str, str]:
                        result = await companies.run(
                            h, duration=args.duration, profile=True if "profile" in rest else None
                        )
                        return companies.WHAT, companies.METHOD, companies.markdown(result)

                    await attempt("companies", do_companies)
                if "events" in rest:

                    async def do_events() -> tuple[str, str, str]:
                        result = await events.run(h, count=args.events)
                        return events.WHAT, events.METHOD, events.markdown(result)

                    await attempt("events", do_events)
                if "subscribers" in rest:

                    async def do_subscribers() -> tuple[str, str, str]:
                        result = await subscribers.run(h, clients=args.subscribers)
                        return subscribers.WHAT, subscribers.METHOD, subscribers.markdown(result)

                    await attempt("subscribers", do_subscribers)
    finally:
        if sections:
            write_results(sections)
    if failed:
        log(f"FAILED: {', '.join(failed)}")
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "benchmarks",
        nargs="*",
        metavar="BENCHMARK",
        help=f"any of {', '.join(CHOICES)} (default: {', '.join(ORDER)})",
    )
    parser.add_argument("--duration", type=float, default=10.0, help="timed seconds per target")
    parser.add_argument("--startup-runs", type=int, default=5)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--subscribers", type=int, default=1000)
    args = parser.parse_args(argv)
    names = list(dict.fromkeys(args.benchmarks or ORDER))
    unknown = [n for n in names if n not in CHOICES]
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(CHOICES)}")
    if not 1 <= args.startup_runs <= 20 or not 1 <= args.duration <= 60:
        parser.error("--startup-runs 1..20, --duration 1..60")
    if not 10 <= args.events <= 5000 or not 10 <= args.subscribers <= 5000:
        parser.error("--events and --subscribers 10..5000")

    async def guarded() -> int:
        task = asyncio.current_task()
        assert task is not None
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
        return await run(names, args)

    try:
        return asyncio.run(guarded())
    except (KeyboardInterrupt, asyncio.CancelledError):
        log("interrupted; servers stopped")
        return 130


if __name__ == "__main__":
    sys.exit(main())
