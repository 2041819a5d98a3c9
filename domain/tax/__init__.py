"""Tax codes: rates, the default Malaysian SST set, and per-line tax arithmetic."""
