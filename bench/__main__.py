"""`python -m bench [startup|companies|events|subscribers|access|profile ...]` (default: the
first five).

Writes or updates one section per benchmark in bench/RESULTS.md; every other section of the file
(benchmarks not run, and sections written by other scripts such as `bench/audit_verify.py`) is
kept as it is. `profile` runs the companies benchmark and always adds a cProfile of the API
process. Each benchmark first waits (up to `--quiet-wait` seconds) for the machine's 1-minute
load average to drop below `--quiet-load`, and records the load it started at.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import sys
import time
import traceback
from collections.abc import Awaitable, Callable
from pathlib import Path

from bench.harness import Harness, log, machine_info, machine_markdown, today

RESULTS = Path(__file__).with_name("RESULTS.md")
ORDER = ("startup", "companies", "events", "subscribers", "access")
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
    "access": "5. Authentication & access overhead",
}
_BLOCK = re.compile(r"<!-- bench:([\w-]+) -->.*?<!-- /bench:\1 -->\n?", flags=re.S)


def section(name: str, what: str, method: str, numbers: str, info: dict[str, str],
            command: str, took: float) -> str:  # fmt: skip
    return (
        f"<!-- bench:{name} -->\n## {TITLES[name]}\n\n"
        f"**What.** {what}\n\n**Method.** {method}\n\n"
        f"**Results** ({today()}, benchmark took {took:.0f} s):\n\n{numbers}\n\n"
        f"{machine_markdown(info)}\n\n**Reproduce:** `{command}`\n<!-- /bench:{name} -->\n"
    )


def write_results(sections: dict[str, str]) -> None:
    """Replace the sections just run; keep every other `<!-- bench:NAME -->` block of the file
    (known ones in ORDER, then the others — e.g. `audit` from bench/audit_verify.py — in the
    order they were in)."""
    existing = RESULTS.read_text() if RESULTS.exists() else ""
    blocks: dict[str, str] = {}
    for match in _BLOCK.finditer(existing):
        text = match.group(0)
        blocks[match.group(1)] = text if text.endswith("\n") else text + "\n"
    blocks.update(sections)
    names = [n for n in ORDER if n in blocks] + [n for n in blocks if n not in ORDER]
    body = "\n".join(blocks[name] for name in names)
    RESULTS.write_text(f"{HEADER}\n{body}")
    log(f"wrote {RESULTS}")


async def wait_quiet(limit: float, max_wait: float) -> tuple[float, float]:
    """Wait until the 1-minute load average is below `limit` (at most `max_wait` s).
    Returns (load average when done, seconds waited)."""
    started = time.monotonic()
    load = os.getloadavg()[0]
    for _ in range(int(max_wait // 5)):
        if load < limit:
            break
        await asyncio.sleep(5)
        load = os.getloadavg()[0]
    waited = time.monotonic() - started
    log(f"load average {load:.2f} after waiting {waited:.0f}s (limit {limit:g})")
    return load, waited


async def run(names: list[str], args: argparse.Namespace) -> int:
    from bench import access, companies, events, startup, subscribers

    info = machine_info()
    sections: dict[str, str] = {}
    failed: list[str] = []

    async def attempt(name: str, job: Callable[[], Awaitable[tuple[str, str, str]]]) -> None:
        log(f"=== {name} ===")
        load, waited = await wait_quiet(args.quiet_load, args.quiet_wait)
        info["load average at start"] = (
            " ".join(f"{x:.2f}" for x in os.getloadavg())
            + f" (waited {waited:.0f} s for the 1-min load to fall below {args.quiet_load:g}"
            + ("" if load < args.quiet_load else f"; it did not, {load:.2f}")
            + ")"
        )
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
        sections[name] = section(name, what, method, numbers, dict(info), command,
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
                            h, duration=args.duration, rounds=args.rounds,
                            profile=True if "profile" in rest else None,
                        )  # fmt: skip
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
                if "access" in rest:

                    async def do_access() -> tuple[str, str, str]:
                        result = await access.run(
                            h, duration=args.duration, rounds=args.rounds,
                            prototypes=not args.no_prototypes,
                        )  # fmt: skip
                        return access.WHAT, access.METHOD, access.markdown(result)

                    await attempt("access", do_access)
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
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (companies, "
                        "access)")  # fmt: skip
    parser.add_argument("--no-prototypes", action="store_true",
                        help="access: skip the what-if prototype targets")  # fmt: skip
    parser.add_argument("--quiet-load", type=float, default=1.5,
                        help="wait for the 1-minute load average to drop below this")  # fmt: skip
    parser.add_argument("--quiet-wait", type=float, default=240.0,
                        help="... for at most this many seconds (0: do not wait)")  # fmt: skip
    parser.add_argument("--idle-wait", type=float, default=120.0,
                        help="companies/access: before each window, wait at most this long for "
                        "an idle machine (0: do not wait)")  # fmt: skip
    parser.add_argument("--retries", type=int, default=2,
                        help="companies/access: redo a noisy window up to this often")  # fmt: skip
    args = parser.parse_args(argv)
    names = list(dict.fromkeys(args.benchmarks or ORDER))
    unknown = [n for n in names if n not in CHOICES]
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(CHOICES)}")
    if not 1 <= args.startup_runs <= 20 or not 1 <= args.duration <= 60:
        parser.error("--startup-runs 1..20, --duration 1..60")
    if not 1 <= args.rounds <= 10 or not 0 <= args.quiet_wait <= 3600:
        parser.error("--rounds 1..10, --quiet-wait 0..3600")
    if not 0 <= args.idle_wait <= 3600 or not 0 <= args.retries <= 5:
        parser.error("--idle-wait 0..3600, --retries 0..5")
    from bench import companies

    companies.IDLE_WAIT_S, companies.RETRIES = args.idle_wait, args.retries
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
