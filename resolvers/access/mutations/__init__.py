import strawberry

from resolvers.access.mutations.accept_invitation import accept_invitation
from resolvers.access.mutations.assign_role import assign_role
from resolvers.access.mutations.create_role import create_role
from resolvers.access.mutations.deactivate_user import deactivate_user
from resolvers.access.mutations.grant_company_access import grant_company_access
from resolvers.access.mutations.invite_user import invite_user
from resolvers.access.mutations.update_role import update_role
from schema.permissions import guarded


@strawberry.type
class AccessMutations:
    create_role = strawberry.mutation(
        resolver=create_role,
        **guarded("role:create", "A custom role; it may inherit other roles (no cycles)."),
    )
    update_role = strawberry.mutation(
        resolver=update_role,
        **guarded("role:update", "Change a custom role; send the version you last read."),
    )
    assign_role = strawberry.mutation(
        resolver=assign_role,
        **guarded("role:assign", "Give a user a tenant-wide role (remove: true takes it away)."),
    )
    grant_company_access = strawberry.mutation(
        resolver=grant_company_access,
        **guarded("role:assign", "Let a user into one company, with roles and permissions there."),
    )
    invite_user = strawberry.mutation(
        resolver=invite_user,
        **guarded("user:invite", "Add a user; they set a password with the invitation token."),
    )
    deactivate_user = strawberry.mutation(
        resolver=deactivate_user,
        **guarded("user:deactivate", "Stop a user: their sessions and keys end at once."),
    )
    accept_invitation = strawberry.mutation(
        resolver=accept_invitation,
        description="Set your password with the invitation you were given, and sign in. Public.",
    )
