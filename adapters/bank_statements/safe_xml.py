"""A small element tree read by expat with every DTD feature refused.

Refusing the DOCTYPE itself (rather than ignoring entities) closes XXE, billion laughs and
external DTD fetches alike; bank statement schemas never use one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NoReturn
from xml.parsers import expat

from domain.banking.statement import StatementError

MAX_DEPTH = 64


@dataclass
class Node:
    tag: str  # local name, namespace dropped (camt.053.001.02 to .08 read alike)
    attrs: dict[str, str] = field(default_factory=dict)
    text: str = ""
    children: list[Node] = field(default_factory=list)

    def find(self, path: str) -> Node | None:
        """The first node along `a/b/c` (local names)."""
        node: Node | None = self
        for part in path.split("/"):
            assert node is not None
            node = next((c for c in node.children if c.tag == part), None)
            if node is None:
                return None
        return node

    def findall(self, path: str) -> Iterator[Node]:
        *parents, last = path.split("/")
        base = self.find("/".join(parents)) if parents else self
        if base is not None:
            yield from (c for c in base.children if c.tag == last)

    def value(self, path: str) -> str:
        node = self.find(path)
        return node.text.strip() if node is not None else ""


class _Refused(Exception):
    pass


_DTD = "The XML declares a DOCTYPE or entities (refused: statements never need them)."


def _refuse(*_: object) -> NoReturn:
    raise _Refused(_DTD)


def parse(content: bytes) -> Node:
    parser = expat.ParserCreate(namespace_separator="}")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.UnparsedEntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse
    root = Node("#document")
    stack = [root]

    def start(name: str, attrs: dict[str, str]) -> None:
        if len(stack) > MAX_DEPTH:
            raise _Refused(f"The XML nests deeper than {MAX_DEPTH} elements.")
        node = Node(name.rsplit("}", 1)[-1], {k.rsplit("}", 1)[-1]: v for k, v in attrs.items()})
        stack[-1].children.append(node)
        stack.append(node)

    def end(_name: str) -> None:
        stack.pop()

    def text(data: str) -> None:
        stack[-1].text += data

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    try:
        parser.Parse(content, True)
    except _Refused as refused:
        raise StatementError(str(refused)) from None
    except expat.ExpatError as exc:
        raise StatementError(f"The file is not well-formed XML ({exc}).") from None
    if not root.children:
        raise StatementError("The file holds no XML element.")
    return root.children[0]
