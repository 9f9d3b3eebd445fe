"""Reach: which entity types a pattern's key condition can return, with an example key each.

Shared by the isolation and intent rules through `tablemodel.check.analysis.Analysis.reach`,
which computes it once per pattern and design.
"""

from __future__ import annotations

from tablemodel.check.languages import example_key_value, match_condition
from tablemodel.design import Design, EntityDesign, PatternDesign

Example = tuple[str | None, str | None]


def matching_entities(design: Design, pattern: PatternDesign) -> dict[str, Example]:
    """Entities whose items the pattern's key condition can return, with an example key.

    A Scan reads every item of its index: the entities that land there (a sparse index holds
    only those that write every key of it), less those its filter can never match.
    """
    found: dict[str, Example] = {}
    index = pattern.index
    if index is None:
        return found
    if pattern.is_scan:
        for entity in design.entities_in(index):
            if filter_can_match(design, pattern, entity):
                sort = index.sort_key
                found[entity.name] = (
                    example_key_value(design, entity, index.partition_key.name),
                    example_key_value(design, entity, sort.name) if sort is not None else None,
                )
        return found
    if pattern.partition is None:
        return found
    for entity in design.entities_in(index):
        pk = match_condition(design, pattern, entity, pattern.partition)
        if not pk.possible:
            continue
        sk_example = None
        if pattern.sort is not None:
            sk = match_condition(design, pattern, entity, pattern.sort)
            if not sk.possible:
                continue
            sk_example = sk.example
        elif index.sort_key is not None:
            # No sort key condition: any sort key the entity writes comes back.
            sk_example = example_key_value(design, entity, index.sort_key.name)
        found[entity.name] = (pk.example, sk_example)
    return found


def filter_can_match(design: Design, pattern: PatternDesign, entity: EntityDesign) -> bool:
    """False when no item of `entity` can pass the pattern's filter.

    A condition on an attribute the entity never has holds only for `ne` and `exists: false`
    (a missing attribute is not equal to anything); `exists: false` never holds for a
    required attribute; an equality or `in` with literal values outside an enum's values
    never holds. Anything else may hold for some item.
    """
    for attribute, predicate in pattern.spec.filter.items():
        spec = entity.spec.attributes.get(attribute)
        absent_ok = predicate.operator == "ne" or (
            predicate.operator == "exists" and predicate.operands[0] is False
        )
        if spec is None:
            if attribute in entity.templates:
                continue  # a key attribute it writes: a condition on the key text
            if not absent_ok:
                return False
            continue
        if predicate.operator == "exists" and predicate.operands[0] is False and not spec.optional:
            return False
        literals = [_literal(o) for o in predicate.operands]
        if (
            spec.type == "enum"
            and predicate.operator in {"eq", "in"}
            and None not in literals
            and not set(literals) & set(spec.values)
        ):
            return False
    return True


def _literal(operand: object) -> object | None:
    """A filter operand's literal value; None for a `$parameter` (`$$` writes a `$`)."""
    if isinstance(operand, str) and operand.startswith("$"):
        return operand[1:] if operand.startswith("$$") else None
    return operand


def example_text(design: Design, pattern: PatternDesign, example: Example) -> str:
    """`PK="race-a", Numeric=0`: an example key, strings quoted and numbers bare."""
    assert pattern.index is not None
    keys = [(pattern.index.partition_key, example[0])]
    if pattern.index.sort_key is not None and example[1] is not None:
        keys.append((pattern.index.sort_key, example[1]))
    return ", ".join(
        f"{key.name}={value}" if key.type == "N" else f'{key.name}="{value}"' for key, value in keys
    )
