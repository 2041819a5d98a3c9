"""Keep the garbage collector's full passes off the request path.

A process that has just built the schema, the SQL metadata and every imported module holds a few
hundred thousand objects that live as long as it does. CPython's full (generation 2) collection
walks all of them each time: measured at 100-110 ms here, a pause that stalls every request in
flight on the one event loop and was the whole of the reports' p99. `settle()` collects once and
moves what survives into the permanent generation (`gc.freeze`), so later full passes only walk
what requests allocated since.
"""

from __future__ import annotations

import gc

_settled = False


def settle() -> None:
    """Call once the process has finished starting (services connected, schema built). Only
    the first call does anything: a process that starts several apps (the test suite) pays
    for one full collection, not one per app."""
    global _settled
    if _settled:
        return
    _settled = True
    gc.collect()
    gc.freeze()
