import strawberry

from resolvers.connectors.mutations.create_connector import create_connector
from resolvers.connectors.mutations.delete_connector import delete_connector
from resolvers.connectors.mutations.run_connector import run_connector
from resolvers.connectors.mutations.update_connector import update_connector
from schema.permissions import guarded


@strawberry.type
class ConnectorMutations:
    create_connector = strawberry.mutation(
        resolver=create_connector,
        **guarded(
            "connector:manage",
            "Add a connector to a company (also needs journal:create there: its runs set the "
            "company's exchange rates). Credentials are stored encrypted and never shown back.",
        ),
    )
    update_connector = strawberry.mutation(
        resolver=update_connector,
        **guarded("connector:manage", "Change a connector; fields left out stay as they are."),
    )
    run_connector = strawberry.mutation(
        resolver=run_connector,
        **guarded(
            "connector:run",
            "Run a connector now, as a job (follow it with job(id:) or jobProgress). Rates "
            "equal to the stored ones are left alone, so running twice changes nothing.",
        ),
    )
    delete_connector = strawberry.mutation(
        resolver=delete_connector,
        **guarded("connector:manage", "Remove a connector; its runs (jobs) and loaded rates stay."),
    )
