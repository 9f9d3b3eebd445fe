"""Write patterns: state machines, the transitions each write can make, transaction limits."""

from __future__ import annotations

from collections.abc import Iterator

from tablemodel.check.analysis import Analysis
from tablemodel.check.registry import Finding, rule
from tablemodel.check.sizes import largest_item
from tablemodel.design import Design
from tablemodel.design.writes import (
    Step,
    as_number,
    key_attributes,
    parameter_ref,
    parameters,
    state_universe,
    steps,
    transitions,
)
from tablemodel.diagnostics import Severity, did_you_mean, quoted
from tablemodel.runtime.size import ITEM_SIZE_LIMIT

MAX_TRANSACTION_ACTIONS = 100
MAX_TRANSACTION_BYTES = 4 * 1024 * 1024
_NUMERIC = {"number", "integer"}


def _arrow(source: str | None, target: str) -> str:
    return f"{'(new item)' if source is None else source} -> {target}"


@rule("TM871", "state-machine", Severity.ERROR, "write")
def check_state_machine(design: Design, analysis: Analysis) -> Iterator[Finding]:
    """An entity's `states` names an attribute or a state the entity cannot hold.

    Why: the state machine is what every write pattern of the entity is proven against; a
    state the attribute cannot hold (outside the enum's values), or an attribute the entity
    does not declare, makes the proof meaningless.

    Bad:
        Task:
          attributes: {status: {type: enum, values: [PENDING, TAKEN]}}
          states: {attribute: status, initial: PENDING, transitions: {PENDING: [DONE]}}

    Good:
        Task:
          attributes: {status: {type: enum, values: [PENDING, TAKEN, DONE]}}
          states: {attribute: status, initial: PENDING, transitions: {PENDING: [TAKEN]}}
    """
    for entity in design.entities.values():
        machine = entity.spec.states
        if machine is None:
            continue
        path = (*entity.path, "states")
        spec = entity.spec.attributes.get(machine.attribute)
        if spec is None:
            yield Finding(
                (*path, "attribute"),
                f"the state machine of `{entity.name}` is held by `{machine.attribute}`, which"
                " the entity does not declare",
                found=f"attribute: {machine.attribute}",
                expected="one of the entity's attributes: " + quoted(entity.spec.attributes),
                hint=did_you_mean(machine.attribute, entity.spec.attributes),
                entity=entity.name,
            )
            continue
        if spec.type not in {"enum", "string"}:
            yield Finding(
                (*path, "attribute"),
                f"the state attribute `{machine.attribute}` of `{entity.name}` is a {spec.type}",
                found=f"type: {spec.type}",
                expected="an enum (or a string) holding the state's name",
                entity=entity.name,
            )
            continue
        if spec.type == "enum":
            for state in machine.states:
                if state not in spec.values:
                    yield Finding(
                        path,
                        f"state `{state}` of `{entity.name}` is not a value of"
                        f" `{machine.attribute}`",
                        found=state,
                        expected="one of " + quoted(spec.values),
                        hint=did_you_mean(state, spec.values),
                        entity=entity.name,
                    )


def _undeclared(step: Step, *, created: bool) -> list[tuple[str | None, str]]:
    machine = step.entity.spec.states
    if machine is None:
        return []
    found: list[tuple[str | None, str]] = []
    for source, target in transitions(step):
        if source is None and created and target not in machine.initial:
            found.append((source, target))
        if source is not None and not created and not machine.allows(source, target):
            found.append((source, target))
    return found


def _all_steps(design: Design) -> Iterator[Step]:
    for name, pattern in design.model.write_patterns.items():
        yield from steps(design, name, pattern)


@rule("TM872", "undeclared-transition", Severity.ERROR, "write")
def check_transitions(design: Design, analysis: Analysis) -> Iterator[Finding]:
    """A write pattern can move an item between states its entity's machine does not join.

    Why: the entity's `states` declares every transition in one place; a write whose
    condition admits a state the target cannot be reached from (or that has no condition on
    the state at all) would let an item skip or reverse its life cycle, e.g. a task go from
    PENDING straight to SUCCESS. `check --run` tries every such transition and expects the
    write to fail.

    Bad:
        complete: {operation: update, entity: Task, set: {status: SUCCESS}}

    Good:
        complete:
          operation: update
          entity: Task
          condition: {status: TAKEN}
          set: {status: SUCCESS}
    """
    for step in _all_steps(design):
        bad = _undeclared(step, created=False)
        if not bad:
            continue
        machine = step.entity.spec.states
        assert machine is not None
        state = machine.attribute
        where = "set" if state in step.action.set else "remove"
        if state not in step.action.set and state not in step.action.remove:
            where = "operation"
        yield Finding(
            (*step.path, where),
            f"{step.label} can move `{step.entity.name}` along "
            + ", ".join(_arrow(s, t) for s, t in bad)
            + f", which `entities.{step.entity.name}.states` does not declare",
            found=(
                f"condition on {state}: {_condition_text(step, state)}"
                f"; writes {state}: {_written_text(step, state)}"
            ),
            expected=f"a condition on `{state}` that admits only states the target is declared"
            " to follow",
            hint=_fix_hint(step, bad),
            pattern=step.pattern,
            entity=step.entity.name,
        )


def _condition_text(step: Step, state: str) -> str:
    predicate = step.action.condition.get(state)
    if predicate is None:
        return "none (any state)"
    return ", ".join(f"{t.operator} {', '.join(map(str, t.operands))}" for t in predicate.terms)


def _written_text(step: Step, state: str) -> str:
    if state in step.action.remove:
        return "removed"
    return str(step.action.set.get(state, "(a parameter)"))


def _fix_hint(step: Step, bad: list[tuple[str | None, str]]) -> str:
    machine = step.entity.spec.states
    assert machine is not None
    targets = sorted({t for _, t in bad})
    sources = sorted(s for s, ts in machine.transitions.items() if set(targets) <= set(ts))
    if sources:
        return (
            f"condition the write on `{machine.attribute}` in {quoted(sources)}, or declare"
            " the transition under `states.transitions`"
        )
    return "declare the transition under `states.transitions`, or write another state"


@rule("TM873", "create-not-initial", Severity.ERROR, "write")
def check_initial_states(design: Design, analysis: Analysis) -> Iterator[Finding]:
    """A write that can create an item does not start it in an initial state.

    Why: a new item enters the state machine at one of its `initial` states; a create (or a
    put that can write a missing item) that leaves the state to the caller, or fixes another
    one, starts items midway through their life cycle.

    Bad:
        add_task: {operation: create, entity: Task}    # status comes from the caller

    Good:
        add_task: {operation: create, entity: Task, set: {status: PENDING}}
    """
    for step in _all_steps(design):
        bad = _undeclared(step, created=True)
        if not bad:
            continue
        machine = step.entity.spec.states
        assert machine is not None
        state = machine.attribute
        rank = {s: n for n, s in enumerate(state_universe(step.entity))}
        written = sorted({t for _, t in bad}, key=lambda t: (rank.get(t, len(rank)), t))
        yield Finding(
            (*step.path, "set" if state in step.action.set else "operation"),
            f"{step.label} can create `{step.entity.name}` in state "
            + ", ".join(f"`{t}`" for t in written)
            + ", which is not initial",
            found=f"writes {state}: {_written_text(step, state)}",
            expected="an initial state: " + quoted(machine.initial),
            hint=f"write `set: {{{state}: {machine.initial[0]}}}`"
            + ("" if step.action.operation == "create" else ", or condition the put on a state"),
            pattern=step.pattern,
            entity=step.entity.name,
        )


@rule("TM874", "transaction-limits", Severity.ERROR, "write")
def check_transaction_limits(design: Design, analysis: Analysis) -> Iterator[Finding]:
    """A transaction can exceed DynamoDB's limits: 100 actions, distinct items, 4 MB.

    Why: TransactWriteItems takes at most 100 actions (condition checks included), each on a
    different item, and at most 4 MB in all; a larger request is rejected as a whole. Each
    writing action is counted at the largest item its entity can write (400 KB when an
    attribute is unbounded).

    Bad:
        admit: {operation: transact, actions: [two updates of Zone]}

    Good:
        admit: {operation: transact, actions: [update Zone, update Visitor]}
    """
    for name, pattern in design.model.write_patterns.items():
        if pattern.operation != "transact":
            continue
        path = ("write_patterns", name, "actions")
        if len(pattern.actions) > MAX_TRANSACTION_ACTIONS:
            yield Finding(
                path,
                f"transaction `{name}` has {len(pattern.actions)} actions",
                found=f"{len(pattern.actions)} actions",
                expected=f"at most {MAX_TRANSACTION_ACTIONS}",
                hint="split it into several transactions",
                pattern=name,
            )
        seen: dict[str, int] = {}
        total = 0
        for step in steps(design, name, pattern):
            assert step.index is not None
            first = seen.setdefault(step.entity.name, step.index)
            if first != step.index:
                yield Finding(
                    step.path,
                    f"actions {first + 1} and {step.index + 1} of `{name}` write the same"
                    f" `{step.entity.name}` item (its key comes from the same parameters)",
                    found=f"two actions on {step.entity.name}",
                    expected="each action on a different item",
                    hint="merge the two actions into one",
                    pattern=name,
                )
            if step.action.operation in {"create", "put", "update"}:
                size, unbounded = largest_item(design, step.entity)
                total += ITEM_SIZE_LIMIT if unbounded else min(size, ITEM_SIZE_LIMIT)
        if total > MAX_TRANSACTION_BYTES:
            yield Finding(
                path,
                f"transaction `{name}` can write {total:,} bytes",
                found=f"up to {total:,} bytes",
                expected=f"at most {MAX_TRANSACTION_BYTES:,} bytes (4 MB)",
                hint="bound the entities' attributes (max_length, max_items) or split it",
                pattern=name,
            )


@rule("TM875", "write-pattern-reference", Severity.ERROR, "write")
def check_write_references(design: Design, analysis: Analysis) -> Iterator[Finding]:
    """A write pattern writes or compares an attribute its entity cannot take that way.

    Why: the generated function and the engine request are built from these names: an
    attribute the entity does not declare, a change to an attribute that composes the table
    key (the item would move), a change to an attribute an index key is built from without
    the template's other attributes (the key is recomposed in the same request), a counter
    that is not a number, or an idempotency key that is not a parameter cannot be written.

    Bad:
        take: {operation: update, entity: Task, set: {stauts: TAKEN}}

    Good:
        take: {operation: update, entity: Task, set: {status: TAKEN}}
    """
    for name, pattern in design.model.write_patterns.items():
        for step in steps(design, name, pattern):
            yield from _step_references(design, step)
        key = pattern.idempotency_key
        if key is not None:
            params = parameters(design, name, pattern)
            if key not in params:
                yield Finding(
                    ("write_patterns", name, "idempotency_key"),
                    f"the idempotency key `{key}` of `{name}` is not one of its parameters",
                    found=key,
                    expected="one of " + (quoted(params) or "(no parameters)"),
                    hint=did_you_mean(key, params),
                    pattern=name,
                )


def _step_references(design: Design, step: Step) -> Iterator[Finding]:
    attrs = step.entity.spec.attributes
    action = step.action
    frozen = set(key_attributes(design, step.entity))
    named = [
        *(("condition", a) for a in action.condition),
        *(("set", a) for a in action.set),
        *(("remove", a) for a in action.remove),
        *(("add", a) for a in action.add),
    ]
    for part, attr in named:
        if attr not in attrs:
            yield Finding(
                (*step.path, part, attr),
                f"{step.label} names `{attr}`, which `{step.entity.name}` does not declare",
                found=attr,
                expected="one of " + quoted(attrs),
                hint=did_you_mean(attr, attrs),
                pattern=step.pattern,
                entity=step.entity.name,
            )
            continue
        if part in {"set", "remove", "add"} and action.operation == "update" and attr in frozen:
            yield Finding(
                (*step.path, part, attr),
                f"{step.label} changes `{attr}`, which composes the table key of"
                f" `{step.entity.name}`",
                found=f"{part}: {attr}",
                expected="attributes outside the table key",
                hint="create the new item and delete the old one in a transaction",
                pattern=step.pattern,
                entity=step.entity.name,
            )
        if part == "remove" and not attrs[attr].optional:
            yield Finding(
                (*step.path, part, attr),
                f"{step.label} removes `{attr}`, which `{step.entity.name}` requires",
                found=f"remove: {attr}",
                expected="optional attributes",
                pattern=step.pattern,
                entity=step.entity.name,
            )
        if part == "add":
            amount = action.add[attr]
            if attrs[attr].type not in _NUMERIC:
                yield Finding(
                    (*step.path, part, attr),
                    f"{step.label} adds to `{attr}`, a {attrs[attr].type}",
                    found=f"type: {attrs[attr].type}",
                    expected="a number or integer counter",
                    pattern=step.pattern,
                    entity=step.entity.name,
                )
            elif parameter_ref(amount) is None and as_number(amount) is None:
                yield Finding(
                    (*step.path, part, attr),
                    f"{step.label} adds {amount!r} to `{attr}`",
                    found=repr(amount),
                    expected="a number or a `$parameter`",
                    pattern=step.pattern,
                    entity=step.entity.name,
                )
    if action.operation == "update":
        yield from _index_keys_rebuilt(step, frozen)
    machine = step.entity.spec.states
    if machine is not None and machine.attribute in action.set:
        value = action.set[machine.attribute]
        universe = state_universe(step.entity)
        if parameter_ref(value) is None and str(value) not in universe:
            yield Finding(
                (*step.path, "set", machine.attribute),
                f"{step.label} writes state `{value}`, which `{step.entity.name}` does not have",
                found=str(value),
                expected="one of " + quoted(universe),
                hint=did_you_mean(str(value), universe),
                pattern=step.pattern,
                entity=step.entity.name,
            )


def _index_keys_rebuilt(step: Step, known: set[str]) -> Iterator[Finding]:
    """An update that changes an attribute an index key template is built from must know
    every other attribute of that template (set in it, or a key attribute), and cannot
    `add` to one: the key is recomposed in the same request, from values the update has."""
    action = step.action
    changed = {*action.set, *action.remove, *action.add}
    for key_attr, template in step.entity.templates.items():
        if key_attr in step.entity.plain:
            continue  # the attribute itself is the key
        names = set(template.variable_names)
        if not names & changed:
            continue
        unknown = sorted(names - set(action.set) - set(action.add) - known)
        added = sorted(names & set(action.add))
        if not unknown and not added:
            continue
        yield Finding(
            (*step.path, "add" if added else "set"),
            f"{step.label} changes `{sorted(names & changed)[0]}`, which the key `{key_attr}` of"
            f" `{step.entity.name}` is built from, without "
            + (
                f"knowing `{'`, `'.join(unknown)}`"
                if unknown
                else f"a value for `{added[0]}` (an `add` leaves it to the engine)"
            ),
            found=f"{key_attr}: {template.source}",
            expected="an update that sets every attribute of the key's template it changes",
            hint="set the other attributes of the template in the same update",
            pattern=step.pattern,
            entity=step.entity.name,
        )
