"""GraphQL errors for bad arguments (outside a mutation payload, e.g. on queries)."""

from graphql import GraphQLError


def bad_input(message: str, argument: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "BAD_USER_INPUT", "argument": argument})
