"""Connectors: a tenant's link to an outside system that data is pulled from (or pushed to) on
a schedule, each run a job (domain/jobs) with its progress and error report.

`model.py` the connector (kind, settings, sealed credentials, cursor state, enabled flag,
schedule), `ports.py` the source/target interface every connector kind implements and the
storage port, `exchange_rates.py` the rates connector's settings and feed rules, `handlers.py`
the commands (create, update, delete, start a run) and the run's commit."""
