"""Sentinels: literal values the model's patterns compare attributes with, harvested so that
the sample holds them.

A design often gives one value a meaning (`loanEndDate` holds a date or `AVAILABLE`; a status
is `OPEN`); its patterns then compare with the literal, in a key condition
(`gsi2sk: "$works#book_1#loanenddate_AVAILABLE"`), a filter or an intent. A generator that
never writes the literal leaves those patterns with nothing to find: every call expects no
item and the run shows nothing. `sentinels` collects, per entity and attribute, every literal
compared with it, typed as the attribute; the pools put them first.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

from tablemodel.check.analysis import Analysis
from tablemodel.check.proof import translate
from tablemodel.design import Design, EntityDesign
from tablemodel.run.intent import parameter_of
from tablemodel.run.sample.fixtures import Unreadable, from_plain
from tablemodel.schema.model import Predicate, Scalar

__all__ = ["sentinels"]


def sentinels(design: Design) -> dict[tuple[str, str], list[object]]:
    """Literals compared with each (entity, attribute), typed, in the order first met."""
    found: dict[tuple[str, str], list[object]] = {}

    def add(entity: EntityDesign, attribute: str, raw: object) -> None:
        spec = entity.spec.attributes.get(attribute)
        if spec is None:
            return
        try:
            value = from_plain(spec, raw)
        except Unreadable:
            return
        if value is None:
            return
        values = found.setdefault((entity.name, attribute), [])
        if value not in values:
            values.append(value)

    analysis = Analysis(design)
    for pattern in design.patterns.values():
        for entity_name, where in pattern.spec.intent.select.items():
            entity = design.entities.get(entity_name)
            if entity is None:
                continue
            for attribute, predicate in where.items():
                for raw in _literals(predicate):
                    add(entity, attribute, raw)
        returned = [design.entities[name] for name in pattern.returns]
        for attribute, predicate in pattern.spec.filter.items():
            for entity in returned:
                for raw in _literals(predicate):
                    add(entity, attribute, raw)
        if not pattern.queryable:
            continue
        index = pattern.index
        assert index is not None  # a queryable pattern has its index
        for entity in returned:
            if not entity.in_index(index):
                continue
            atoms = translate(design, pattern, entity, ambiguous=analysis.ambiguous).atoms
            for atom in atoms:
                constant = _constant(atom.operand)
                if constant is not None and atom.operator not in {"begins_with", "exists"}:
                    add(entity, atom.attribute, constant)
    return found


def _literals(predicate: Predicate) -> Iterable[Scalar]:
    for term in predicate.terms:
        if term.operator == "exists":
            continue
        for operand in term.operands:
            if parameter_of(operand) is not None:
                continue
            if isinstance(operand, str) and operand.startswith("$$"):
                yield operand[1:]
            else:
                yield operand


def _constant(operand: str) -> object:
    """An atom's operand as a plain value: a quoted text or a number; None for a parameter."""
    if operand.startswith("$"):
        return None
    if operand[:1] in {"'", '"'}:
        try:
            return ast.literal_eval(operand)
        except (ValueError, SyntaxError):
            return None
    try:
        number = ast.literal_eval(operand)
    except (ValueError, SyntaxError):
        return operand
    return number if isinstance(number, int | float) and not isinstance(number, bool) else operand
