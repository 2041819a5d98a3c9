"""The subgraph SDL exactly as a federation gateway fetches it (`_service { sdl }`).

Lives in resolvers/ rather than schema/ because it needs the assembled schema from
resolvers.root, and schema/ must not import resolvers/.
"""

from __future__ import annotations

from resolvers.root import build_schema

SERVICE_SDL_QUERY = "{ _service { sdl } }"


def subgraph_sdl() -> str:
    """The SDL a gateway composes, ending with exactly one newline (what schema.graphql holds).

    Runs the real `_service { sdl }` query rather than printing the schema, so the export is
    byte-for-byte what the router/composition sees. It needs no context, auth or database.
    """
    result = build_schema().execute_sync(SERVICE_SDL_QUERY)
    if result.errors:
        messages = "; ".join(error.message for error in result.errors)
        raise RuntimeError(f"_service {{ sdl }} failed: {messages}")
    if result.data is None:
        raise RuntimeError("_service { sdl } returned no data")
    sdl: str = result.data["_service"]["sdl"]
    return sdl.rstrip("\n") + "\n"
