"""What a pattern's filter says about an entity's items, before any value is known.

A filter is applied after the key condition, to every item read. Some entities cannot pass
it whatever the parameters: an item without the filtered attribute fails every condition but
`ne` and `exists: false` (DynamoDB's rules), and an attribute whose value every item of the
entity shares (the discriminator, an enum of one value) either meets a literal condition or
never does. `excluded` says why an entity cannot pass; `constant_of` gives the shared value.
"""

from __future__ import annotations

from tablemodel.design import Design, EntityDesign, PatternDesign
from tablemodel.schema.model import Predicate

__all__ = ["constant_of", "excluded", "holds_on_constant"]

# Conditions an absent attribute meets (`a <> v` is true when `a` is missing).
_ABSENT_MEETS = frozenset({"ne"})


def constant_of(design: Design, entity: EntityDesign, attribute: str) -> str | None:
    """The value every item of `entity` has for `attribute`, when there is one."""
    if attribute == design.model.table.discriminator_attribute:
        return entity.discriminator
    spec = entity.spec.attributes.get(attribute)
    if spec is not None and spec.type == "enum" and len(spec.values) == 1 and not spec.optional:
        return spec.values[0]
    return None


def _absent_meets(predicate: Predicate) -> bool:
    return all(
        term.operator in _ABSENT_MEETS or (term.operator == "exists" and term.operands[0] is False)
        for term in predicate.terms
    )


def holds_on_constant(predicate: Predicate, value: str) -> bool | None:
    """Whether `value` meets every condition of `predicate`; None when a parameter decides."""
    result = True
    for term in predicate.terms:
        operands: list[str] = []
        for operand in term.operands:
            if (
                isinstance(operand, str)
                and operand.startswith("$")
                and not operand.startswith("$$")
            ):
                return None
            text = operand[1:] if isinstance(operand, str) and operand.startswith("$$") else operand
            operands.append(text if isinstance(text, str) else str(text).lower())
        result = result and _term_holds(term.operator, operands, value)
    return result


def _term_holds(operator: str, operands: list[str], value: str) -> bool:
    # Strings compare by UTF-8 bytes, which is code-point order: Python's own for str.
    match operator:
        case "eq":
            return value == operands[0]
        case "ne":
            return value != operands[0]
        case "in":
            return value in operands
        case "begins_with":
            return value.startswith(operands[0])
        case "between":
            return operands[0] <= value <= operands[1]
        case "lt":
            return value < operands[0]
        case "lte":
            return value <= operands[0]
        case "gt":
            return value > operands[0]
        case "gte":
            return value >= operands[0]
        case "exists":
            return operands[0] == "true"
        case _:
            return True


def excluded(design: Design, pattern: PatternDesign, entity: EntityDesign) -> str | None:
    """Why no item of `entity` can pass the pattern's filter, or None when one may."""
    for attribute, predicate in pattern.spec.filter.items():
        constant = constant_of(design, entity, attribute)
        if constant is not None:
            if holds_on_constant(predicate, constant) is False:
                return f"every `{entity.name}` item has `{attribute}` = {constant!r}"
            continue
        has = attribute in entity.spec.attributes or attribute in entity.templates
        if not has and not _absent_meets(predicate):
            return f"`{entity.name}` items have no `{attribute}`"
    return None
