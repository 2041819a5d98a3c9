"""Run `bigledger <args>` with cProfile switched on and off by signals.

    python -m bench.profile_api --out api.prof -- serve --port 8000

SIGUSR1 starts profiling the main thread (where uvicorn's event loop runs), SIGUSR2 stops it and
writes the stats to `--out`. So only the steady-state load window is profiled, not start-up.
"""

from __future__ import annotations

import argparse
import cProfile
import signal
import sys
from pathlib import Path
from types import FrameType


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True, type=Path)
    args, rest = parser.parse_known_args()
    if rest and rest[0] == "--":
        rest = rest[1:]
    profiler = cProfile.Profile()

    def start(signum: int, frame: FrameType | None) -> None:
        profiler.enable()
        print("profile_api: profiling", file=sys.stderr, flush=True)

    def stop(signum: int, frame: FrameType | None) -> None:
        profiler.disable()
        profiler.dump_stats(args.out)
        print(f"profile_api: stats written to {args.out}", file=sys.stderr, flush=True)

    signal.signal(signal.SIGUSR1, start)
    signal.signal(signal.SIGUSR2, stop)
    from server.cli import main as cli_main

    return cli_main(rest)


if __name__ == "__main__":
    sys.exit(main())
