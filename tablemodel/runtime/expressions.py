"""Attribute names in expressions: a placeholder for every name, whatever the name holds.

DynamoDB accepts attribute names that its expression syntax cannot spell (`GSI1-PK`,
`follower#`, `Order Date`, reserved words such as `status` or `name`); an expression names
them through `ExpressionAttributeNames` placeholders (`#0`). PynamoDB's builders do use
placeholders, but they first read a name as a document path: `tags[1]` becomes element 1 of
`tags`, and a name holding `]` is refused. `NamePath` is PynamoDB's `Path` for one top-level
attribute taken whole, so that every condition and update action the runtime builds names the
attribute the model declares, and nothing else (`runtime.attributes.VersionAttribute` does
the same for the conditions and actions PynamoDB itself builds for optimistic locking).
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import Attribute
from pynamodb.expressions.operand import Path

__all__ = ["NamePath", "name_path", "placeholder_of"]


def placeholder_of(name: str, placeholders: dict[str, str]) -> str:
    """The placeholder of attribute `name` in `placeholders` (name -> `#n`), added if new.

    Numbered as PynamoDB numbers its own (`#0`, `#1`, ...), so conditions built here and
    conditions PynamoDB builds can share one expression.
    """
    found = placeholders.get(name)
    if found is None:
        found = placeholders[name] = f"#{len(placeholders)}"
    return found


class NamePath(Path):
    """A top-level attribute, named whole: never split at `.` nor read as `name[index]`."""

    def __init__(self, attribute: Attribute[Any] | str) -> None:
        # A bare name (an attribute no class declares, such as the discriminator in a filter)
        # is one path segment, never split at `.`; its values go untyped.
        super().__init__([attribute] if isinstance(attribute, str) else attribute)
        if len(self.path) != 1:  # pragma: no cover (an Attribute's path is its one name)
            msg = f"NamePath takes a top-level attribute, not the document path {self.path}"
            raise ValueError(msg)

    def _serialize_value(
        self, value: Any, placeholder_names: dict[str, str], expression_attribute_values: Any
    ) -> str:
        (name,) = value
        return placeholder_of(name, placeholder_names)


def name_path(attribute: Attribute[Any] | str) -> NamePath:
    """The expression operand of a model attribute, or of an attribute name (see `NamePath`)."""
    return NamePath(attribute)
