import strawberry

from resolvers.api_keys.mutations.create_api_key import create_api_key
from resolvers.api_keys.mutations.revoke_api_key import revoke_api_key
from schema.permissions import guarded


@strawberry.type
class ApiKeyMutations:
    create_api_key = strawberry.mutation(
        resolver=create_api_key,
        **guarded(
            "apikey:create",
            "A key for an integration, with permissions you hold. The secret is in this "
            "response only.",
        ),
    )
    revoke_api_key = strawberry.mutation(
        resolver=revoke_api_key,
        **guarded("apikey:revoke", "Stop a key at once (revoking twice changes nothing)."),
    )
