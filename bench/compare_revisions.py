"""Old commit vs new, side by side in one run: `python -m bench.compare_revisions --base REV`.

A refactor must not cost speed, and two benchmark runs on different days (or under different
load) do not show that: this runs each benchmark against two clean checkouts of the repository
(git worktrees of `--base` and of `--head`), alternating old, new, old, new… for `--rounds`, on
the same machine in the same hour. Each benchmark still measures its own raw baseline in the
same run, so its ratio (API / raw) is the figure to compare; absolute numbers show the load.

Each run writes its section of the worktree's own `bench/RESULTS.md` (the canonical, longer runs
in this checkout's file stay as they are); this script lifts the first results table out of each
and writes them side by side to the `compare` section of this checkout's `bench/RESULTS.md`.
Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.harness import log, machine_info, machine_markdown, today, write_section

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"
SECTION = "compare"


@dataclass(frozen=True)
class Benchmark:
    section: str  # the `<!-- bench:NAME -->` block the benchmark writes
    arguments: str  # after `python -m`
    title: str


# Short runs: each is repeated per revision and round. Sizes keep the whole comparison near
# 15 minutes on 2 cores at --rounds 1.
BENCHMARKS: dict[str, Benchmark] = {
    "posting": Benchmark(
        "accounting_posting",
        "bench.accounting_posting --warmup 3 --duration 10",
        "Posting: createJournalEntry(post: true) vs raw asyncpg",
    ),
    "reports": Benchmark(
        "accounting_reports",
        "bench.accounting_reports --sizes 10000 --requests 200 --clients 4",
        "Reports: trialBalance / balanceSheet at 10k journal lines",
    ),
    "companies": Benchmark(
        "companies",
        "bench companies --duration 8 --rounds 1 --quiet-wait 0 --idle-wait 0",
        "companies(first: 50) vs bare Starlette + asyncpg",
    ),
    "sales": Benchmark(
        "sales",
        "bench.sales --warmup 2 --duration 8 --invoices 100 --lag-samples 50",
        "Sales: invoice list vs raw, createInvoice + postInvoice, balance lag",
    ),
    "inventory": Benchmark(
        "inventory",
        "bench.inventory --warmup 2 --duration 8",
        "Inventory: adjustStock vs raw asyncpg, stockLevels, stockValuation",
    ),
}

_TABLE_ROW = re.compile(r"^\|.*\|\s*$")


def worktree(rev: str, into: Path, label: str) -> tuple[Path, str]:
    sha = subprocess.run(
        ["git", "rev-parse", "--short", rev], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()
    path = into / f"{label}-{sha}"
    subprocess.run(
        ["git", "worktree", "add", "--detach", "--force", str(path), sha],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    return path, sha


def results_table(results_file: Path, section: str) -> str:
    """The first markdown table after `**Results**` in the section the benchmark wrote."""
    text = results_file.read_text()
    block = re.search(rf"<!-- bench:{section} -->(.*?)<!-- /bench:{section} -->", text, re.S)
    if block is None:
        raise RuntimeError(f"{results_file} has no `{section}` section")
    after = block.group(1).split("**Results**", 1)[-1].splitlines()
    rows: list[str] = []
    for line in after:
        if _TABLE_ROW.match(line):
            rows.append(line)
        elif rows:
            break
    return "\n".join(rows)


def run_one(tree: Path, bench: Benchmark) -> tuple[str, float]:
    env = {**os.environ, "PYTHONPATH": str(tree)}  # the worktree's code, not the editable install
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", *bench.arguments.split()], cwd=tree, env=env, check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    took = time.perf_counter() - started
    return results_table(tree / "bench" / "RESULTS.md", bench.section), took


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the old revision")
    parser.add_argument("--head", default="HEAD", help="the new revision")
    parser.add_argument("--rounds", type=int, default=1, help="old/new pairs per benchmark")
    parser.add_argument("--only", default=",".join(BENCHMARKS), help="comma-separated subset")
    parser.add_argument("--why", default="", help="a sentence on what changed between the two")
    parser.add_argument("--section", default=SECTION, help="the RESULTS.md section to write")
    args = parser.parse_args(argv)
    chosen = [BENCHMARKS[name] for name in args.only.split(",")]
    scratch = Path(tempfile.mkdtemp(prefix="bigledger-compare-"))
    info = machine_info()
    started = time.perf_counter()
    try:
        base, base_sha = worktree(args.base, scratch, "old")
        head, head_sha = worktree(args.head, scratch, "new")
        parts: list[str] = []
        for number, bench in enumerate(chosen, 1):
            parts.append(f"### {bench.title}\n\n`python -m {bench.arguments}`\n")
            for round_ in range(1, args.rounds + 1):
                for label, tree, sha in (("old", base, base_sha), ("new", head, head_sha)):
                    log(f"[{number}/{len(chosen)}] {bench.section}, round {round_}: {label} {sha}")
                    table, took = run_one(tree, bench)
                    parts.append(f"**{label}** ({sha}, round {round_}, {took:.0f} s):\n\n{table}\n")
    finally:
        for tree in scratch.iterdir() if scratch.exists() else ():
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT,
                           capture_output=True)  # fmt: skip
        shutil.rmtree(scratch, ignore_errors=True)
    body = (
        f"## Old commit vs new, side by side ({base_sha} → {head_sha})\n\n"
        + (f"{args.why}\n\n" if args.why else "")
        + "**Method.** Each benchmark ran against a clean git worktree of each revision, old then"
        " new, in the same run (short runs: see each command); each measures its own raw"
        " baseline in the same run, so compare the ratios; absolute numbers move with the"
        f" machine's load.\n\n**Results** ({today()}, took {time.perf_counter() - started:.0f} s):"
        f"\n\n" + "\n".join(parts) + f"\n{machine_markdown(info)}\n\n**Reproduce:**"
        f" `.venv/bin/python -m bench.compare_revisions --base {base_sha} --head {head_sha}`"
    )
    write_section(args.section, body, RESULTS)
    log(f"wrote the `{args.section}` section of {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
