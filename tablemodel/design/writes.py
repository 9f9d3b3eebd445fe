"""Write patterns resolved: each action's entity, parameters and state transitions.

What the checker proves, the generator types and the runner tries is computed here once:

- `steps`: the actions of a pattern (its own, or its transaction's), each with its entity and
  its path in the model;
- `parameters`: the typed parameters of a pattern, in call order (the item's key, then what
  it writes, then what its conditions compare with); a `$name` takes the declared type, else
  the type of the attribute it is written to or compared with;
- `transitions`: the (from, to) state pairs an action can make, from its condition on the
  state attribute (the states it admits) and what it writes there; `None` as the source is
  an item that does not exist yet (a create, or a put that may create).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation

from tablemodel.design.design import Design, EntityDesign
from tablemodel.diagnostics import PathPart
from tablemodel.records import record
from tablemodel.schema.model import (
    AttributeSpec,
    Predicate,
    Scalar,
    StateMachine,
    WriteAction,
    WritePattern,
)

__all__ = [
    "ANY_AMOUNT",
    "Step",
    "admitted_states",
    "key_attributes",
    "parameter_ref",
    "parameters",
    "requires_item",
    "state_universe",
    "steps",
    "transitions",
]

ANY_AMOUNT = AttributeSpec(type="number")


@record
class Step:
    """One action of a write pattern, resolved."""

    pattern: str
    index: int | None  # None: the pattern is the action; else its position in `actions`
    action: WriteAction
    entity: EntityDesign
    path: tuple[PathPart, ...]

    @property
    def label(self) -> str:
        if self.index is None:
            return f"write pattern `{self.pattern}`"
        return f"action {self.index + 1} ({self.action.operation} {self.entity.name})"


def steps(design: Design, name: str, pattern: WritePattern) -> list[Step]:
    """The pattern's actions whose entity resolves (unknown entities are TM104's)."""
    found: list[Step] = []
    base: tuple[PathPart, ...] = ("write_patterns", name)
    if pattern.operation != "transact":
        entity = design.entities.get(pattern.entity or "")
        if entity is not None:
            found.append(Step(name, None, pattern.steps[0], entity, base))
        return found
    for i, action in enumerate(pattern.actions):
        entity = design.entities.get(action.entity)
        if entity is not None:
            found.append(Step(name, i, action, entity, (*base, "actions", i)))
    return found


def parameter_ref(value: object) -> str | None:
    """`$name` names a parameter; `$$text` is the literal `$text`."""
    if isinstance(value, str) and value.startswith("$") and not value.startswith("$$"):
        return value[1:]
    return None


def literal(value: Scalar) -> Scalar:
    """A written value with the `$$` escape undone."""
    if isinstance(value, str) and value.startswith("$$"):
        return value[1:]
    return value


def key_attributes(design: Design, entity: EntityDesign) -> tuple[str, ...]:
    """The entity's attributes that compose its table key, in template order."""
    names: list[str] = []
    for key in design.table.key_names:
        template = entity.templates.get(key)
        if template is None:
            continue
        for var in template.variable_names:
            if var not in names:
                names.append(var)
    return tuple(names)


def parameters(
    design: Design, name: str, pattern: WritePattern
) -> dict[str, tuple[AttributeSpec, bool]]:
    """Every parameter of the pattern: its type and whether the call must give it.

    Key attributes and the attributes a create or put writes take their attribute's type
    (optional attributes become optional parameters); `$names` in `set`, `add` and
    conditions take the declared type, else the attribute's (an `add` amount a number).
    """
    found: dict[str, tuple[AttributeSpec, bool]] = {}

    def note(param: str, spec: AttributeSpec, required: bool = True) -> None:
        declared = pattern.parameters.get(param)
        if param in found:
            old_spec, old_required = found[param]
            found[param] = (old_spec, old_required or required)
            return
        found[param] = (declared or spec, required)

    for step in steps(design, name, pattern):
        attrs = step.entity.spec.attributes
        action = step.action
        if action.operation in {"create", "put"}:
            for attr, spec in attrs.items():
                if attr not in action.set:
                    note(attr, spec, not spec.optional)
        else:
            for attr in key_attributes(design, step.entity):
                note(attr, attrs[attr])
        for attr, value in action.set.items():
            ref = parameter_ref(value)
            if ref is not None and attr in attrs:
                note(ref, attrs[attr])
        for amount in action.add.values():
            ref = parameter_ref(amount)
            if ref is not None:
                note(ref, ANY_AMOUNT)
        for attr, predicate in action.condition.items():
            compared = attrs.get(attr)
            for term in predicate.terms:
                for operand in term.operands:
                    ref = parameter_ref(operand)
                    if ref is not None and compared is not None and term.operator != "exists":
                        note(ref, compared)
    for param, spec in pattern.parameters.items():
        found.setdefault(param, (spec, True))
    return found


def state_universe(entity: EntityDesign) -> tuple[str, ...]:
    """The values the state attribute can hold: an enum's values, else the machine's states."""
    machine = entity.spec.states
    if machine is None:
        return ()
    spec = entity.spec.attributes.get(machine.attribute)
    if spec is not None and spec.type == "enum" and spec.values:
        return tuple(dict.fromkeys((*spec.values, *machine.states)))
    return machine.states


def _holds(operator: str, operands: tuple[Scalar, ...], value: str) -> bool:
    texts = [str(literal(o)) for o in operands]
    if operator == "eq":
        return value == texts[0]
    if operator == "ne":
        return value != texts[0]
    if operator == "in":
        return value in texts
    if operator == "begins_with":
        return value.startswith(texts[0])
    if operator == "between":
        return texts[0] <= value <= texts[1]
    if operator == "exists":
        return bool(operands[0])
    compare = {
        "lt": value < texts[0],
        "lte": value <= texts[0],
        "gt": value > texts[0],
        "gte": value >= texts[0],
    }
    return compare[operator]


def admitted_states(universe: tuple[str, ...], predicate: Predicate | None) -> set[str]:
    """The states a condition on the state attribute lets through (a `$parameter` any)."""
    admitted = set(universe)
    if predicate is None:
        return admitted
    for term in predicate.terms:
        if any(parameter_ref(o) is not None for o in term.operands):
            continue  # the caller picks the value: any state may pass
        admitted = {s for s in admitted if _holds(term.operator, term.operands, s)}
    return admitted


def requires_item(action: WriteAction) -> bool:
    """Whether the action only succeeds on an existing item.

    An update and a check always do (the runtime conditions them on the key); a condition
    term other than `ne` or `exists: false` fails on a missing attribute, hence on a
    missing item.
    """
    if action.operation in {"update", "check", "delete"}:
        return True
    for predicate in action.condition.values():
        for term in predicate.terms:
            if term.operator == "ne":
                continue
            if term.operator == "exists" and term.operands[0] is False:
                continue
            return True
    return False


def targets(machine: StateMachine, universe: tuple[str, ...], action: WriteAction) -> set[str]:
    """The states the action can write; empty when it leaves the state alone."""
    if machine.attribute in action.remove:
        return {"(removed)"}
    value = action.set.get(machine.attribute)
    if value is None:
        if action.operation in {"create", "put"}:
            return set(universe)  # the caller gives the state
        return set()
    if parameter_ref(value) is not None:
        return set(universe)
    return {str(literal(value))}


def transitions(step: Step) -> Iterator[tuple[str | None, str]]:
    """Every (from, to) the action can make on the entity's state machine.

    `from` is None when the item may not exist yet. An update that leaves the state
    attribute alone makes none; a delete or a check never does.
    """
    machine = step.entity.spec.states
    action = step.action
    if machine is None or action.operation in {"delete", "check"}:
        return
    universe = state_universe(step.entity)
    written = targets(machine, universe, action)
    if not written:
        return
    if action.operation == "create":
        sources: list[str | None] = [None]
    else:
        admitted = admitted_states(universe, action.condition.get(machine.attribute))
        sources = [s for s in universe if s in admitted]
        if not requires_item(action):
            sources.insert(0, None)
    for source in sources:
        for target in sorted(written, key=_order(universe)):
            yield source, target


def _order(universe: tuple[str, ...]) -> Callable[[str], tuple[int, str]]:
    rank = {s: i for i, s in enumerate(universe)}
    return lambda s: (rank.get(s, len(rank)), s)


def as_number(value: object) -> Decimal | None:
    """A literal amount as a Decimal, or None when it is not a number."""
    if isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
