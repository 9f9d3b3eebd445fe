"""`check --run` for write patterns: calls that must succeed, calls that must be refused.

For each write pattern the run builds, per call, the items the pattern's actions meet (fresh
keys, so calls never see each other), calls the generated function, and compares what is
stored afterwards with the pattern's declared effect (the write oracle):

- **allowed** calls: one per state the pattern is declared to move items from (or one call
  when it changes no state), with every condition met; the call must succeed, and each item
  must then hold exactly what the action says: `set` values, `remove`d attributes gone, `add`
  amounts added, a create's or put's values, a deleted item gone, a checked item unchanged;
- **refused** calls: for every transition the entity's machine does not declare between a
  state and a state the pattern writes, the item is set in that state and the call must raise
  `ConditionFailedError` and leave every item as it was; a create is also tried on a taken
  key, and an update, delete or check on a missing item.

A call whose conditions the run cannot meet (a comparison of two strings with a parameter,
say) is not made, and the pattern's run says why instead of passing.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping, Sequence
from decimal import Decimal
from types import ModuleType

from tablemodel.design import Design, rule_of
from tablemodel.design.writes import (
    Step,
    literal,
    parameter_ref,
    parameters,
    state_universe,
    steps,
    transitions,
)
from tablemodel.records import mutable_record
from tablemodel.results.run_report import CallResult, PatternRun
from tablemodel.run.sample.candidates import candidates_for, context_of
from tablemodel.runtime.errors import ConditionFailedError
from tablemodel.schema.model import AttributeSpec, Predicate, WritePattern

__all__ = ["run_write_patterns"]

_POOL = 48  # plain candidate values per attribute: fresh keys for every call


class _Unmet(Exception):
    """The run cannot build a call whose conditions hold."""


@mutable_record
class _Plan:
    label: str  # what the call tries: "allowed: PENDING -> TAKEN"
    expect_ok: bool
    states: dict[int, str | None]  # action index -> the state its item is set in
    targets: dict[int, str] = dataclasses.field(default_factory=dict)  # the state it writes
    missing: int | None = None  # action whose item is left out (must be refused)
    taken: int | None = None  # create action whose key is taken first (must be refused)


def run_write_patterns(
    design: Design, module: ModuleType, static: Mapping[str, str], notes: list[str]
) -> list[PatternRun]:
    """Every write pattern's calls, as pattern runs of the run report; calls the run could
    not build go to `notes`."""
    runs = []
    for name, write in design.model.write_patterns.items():
        writes = _Writes(design, module, name, write)
        runs.append(writes.run(static.get(name, "")))
        notes.extend(f"write pattern `{name}`, call not made ({why})" for why in writes.unmet)
    return runs


class _Writes:
    def __init__(self, design: Design, module: ModuleType, name: str, write: WritePattern) -> None:
        self.design = design
        self.module = module
        self.name = name
        self.write = write
        self.steps = steps(design, name, write)
        self.params = parameters(design, name, write)
        self.classes = {cls._spec.name: cls for cls in module.ENTITIES}
        self.ctx = dataclasses.replace(context_of(design), hostile=False)
        self.pools: dict[tuple[str, str], list[object]] = {}
        self.calls = 0
        self.keys = self._keys()
        self.unmet: list[str] = []

    # -- plans -------------------------------------------------------------------------------

    def plans(self) -> list[_Plan]:
        out: list[_Plan] = []
        moving = [(i, s) for i, s in enumerate(self.steps) if list(transitions(s))]
        if not moving:
            out.append(_Plan("allowed", True, {}))
        for i, step in moving:
            machine = step.entity.spec.states
            assert machine is not None
            made = list(transitions(step))
            for source in dict.fromkeys(s for s, _ in made):
                target = next(t for s, t in made if s == source)
                arrow = f"{source or '(new item)'} -> {target}"
                out.append(_Plan(f"allowed: {arrow}", True, {i: source}, {i: target}))
            if step.action.operation == "create":
                continue  # a create meets no state: a taken key is tried below
            written = list(dict.fromkeys(t for _, t in made))
            for state in state_universe(step.entity):
                for target in written:
                    if not machine.allows(state, target):
                        label = f"undeclared: {state} -> {target}"
                        out.append(_Plan(label, False, {i: state}, {i: target}))
        for i, step in enumerate(self.steps):
            if step.action.operation == "create":
                out.append(_Plan(f"key taken ({step.label})", False, {}, taken=i))
            elif step.action.operation in {"update", "delete", "check"}:
                out.append(_Plan(f"item missing ({step.label})", False, {}, missing=i))
        return out

    # -- values ------------------------------------------------------------------------------

    def pool(self, attribute: str, spec: AttributeSpec) -> list[object]:
        key = (attribute, spec.model_dump_json())
        if key not in self.pools:
            rule = rule_of(spec)
            _, plain = candidates_for(attribute, spec, _POOL, self.ctx, ())
            accepted = []
            for value in plain:
                try:
                    rule.check("run", attribute, value)
                except (ValueError, TypeError):
                    continue
                accepted.append(value)
            if not accepted:
                msg = f"no value of `{attribute}` fits its declaration"
                raise _Unmet(msg)
            self.pools[key] = accepted
        return self.pools[key]

    def fresh(self, attribute: str, spec: AttributeSpec) -> object:
        values = self.pool(attribute, spec)
        return values[self.calls % len(values)]

    # -- one call ----------------------------------------------------------------------------

    def run(self, static: str) -> PatternRun:
        calls: list[CallResult] = []
        unmet: list[str] = []
        for plan in self.plans():
            self.calls += 1
            try:
                calls.append(self.call(plan))
            except _Unmet as why:
                unmet.append(f"{plan.label}: {why}")
        skipped = None
        if unmet and not calls:
            skipped = "the run could not meet the conditions of any call: " + "; ".join(unmet)
        elif unmet:
            self.unmet = unmet
        return PatternRun(self.name, static, tuple(calls), skipped=skipped, write=True)

    def call(self, plan: _Plan) -> CallResult:
        params: dict[str, object] = {}
        for name, (spec, required) in self.params.items():
            if required or name in self.keys:
                params[name] = self.fresh(name, spec)
        items: dict[int, dict[str, object] | None] = {}
        for i, step in enumerate(self.steps):
            if step.action.operation == "create" and plan.taken != i:
                items[i] = None
                continue
            if plan.missing == i or (i in plan.states and plan.states[i] is None):
                items[i] = None
                continue
            items[i] = self.item_for(step, params, plan.states.get(i, _ANY))
        self.satisfy(params, items, plan)
        before = {i: self.store(i, item) for i, item in items.items()}
        started = time.perf_counter()
        error: str | None = None
        raised: BaseException | None = None
        try:
            getattr(self.module, self.name)(**{_py(k): v for k, v in params.items()})
        except ConditionFailedError as err:
            raised = err
            error = f"{type(err).__name__}: {err}"
        except Exception as err:
            raised = err
            error = f"{type(err).__name__}: {err}"
        seconds = time.perf_counter() - started
        problems: list[str] = []
        if plan.expect_ok and raised is not None:
            problems.append(f"the call was refused: {error}")
        elif not plan.expect_ok and raised is None:
            problems.append("the call succeeded, so the write is not refused")
        elif not plan.expect_ok and not isinstance(raised, ConditionFailedError):
            problems.append(f"the call raised {error}, not a ConditionFailedError")
        after = {i: self.read(i, before[i], params) for i in items}
        for i, step in enumerate(self.steps):
            wanted = before[i] if raised is not None else self.effect(step, before[i], params)
            if after[i] != wanted:
                problems.append(
                    f"{step.label} left {step.entity.name} {_show(after[i])}, expected"
                    f" {_show(wanted)}"
                )
        for i in items:
            self.clean(i, after[i])
        ok = not problems
        return CallResult(
            parameters={"call": plan.label, **params},
            ok=ok,
            expected_count=0,
            actual_count=0,
            seconds=seconds,
            error=None if ok else "; ".join(problems),
        )

    def _keys(self) -> set[str]:
        out: set[str] = set()
        for step in self.steps:
            out.update(step.entity.spec.attributes.keys() & _key_sources(self.design, step))
        return out

    def item_for(
        self, step: Step, params: Mapping[str, object], state: object
    ) -> dict[str, object]:
        """An item of the step's entity, keyed by the call's parameters, in `state`."""
        values: dict[str, object] = {}
        for attr, spec in step.entity.spec.attributes.items():
            if attr in params:
                values[attr] = params[attr]
            else:
                values[attr] = self.fresh(attr, spec)
        machine = step.entity.spec.states
        if machine is not None and state is not _ANY:
            values[machine.attribute] = state
        return values

    def satisfy(
        self,
        params: dict[str, object],
        items: dict[int, dict[str, object] | None],
        plan: _Plan,
    ) -> None:
        """Give items and parameters values that meet each action's condition (the state
        attribute aside where the plan sets it)."""
        for i, step in enumerate(self.steps):
            item = items.get(i)
            machine = step.entity.spec.states
            for attr, predicate in step.action.condition.items():
                if item is None:
                    continue
                if machine is not None and attr == machine.attribute and i in plan.states:
                    continue
                spec = step.entity.spec.attributes[attr]
                for term in predicate.terms:
                    _meet(term, attr, spec, item, params, writes=self)
            for amount in step.action.add.values():
                ref = parameter_ref(amount)
                if ref is not None:
                    params[ref] = 1
            for attr, value in step.action.set.items():
                ref = parameter_ref(value)
                if ref is None:
                    continue
                if machine is not None and attr == machine.attribute and i in plan.targets:
                    params[ref] = plan.targets[i]
                elif ref not in params:
                    params[ref] = self.fresh(attr, step.entity.spec.attributes[attr])

    # -- the engine --------------------------------------------------------------------------

    def store(self, i: int, item: dict[str, object] | None) -> dict[str, object] | None:
        if item is None:
            return None
        step = self.steps[i]
        cls = self.classes[step.entity.name]
        spec = cls._spec
        instance = cls(**{spec.py(a): v for a, v in item.items() if v is not None})
        instance.put()
        return self.normal(step, {a: getattr(instance, spec.py(a)) for a in spec.rules})

    def read(
        self, i: int, before: dict[str, object] | None, params: Mapping[str, object]
    ) -> dict[str, object] | None:
        step = self.steps[i]
        cls = self.classes[step.entity.name]
        spec = cls._spec
        source = before if before is not None else params
        key = {spec.py(a): source.get(a) for a in spec.primary_sources}
        if any(v is None for v in key.values()):
            return None
        found = cls.fetch(**key, consistent_read=True)
        if found is None:
            return None
        return self.normal(step, {a: getattr(found, spec.py(a), None) for a in spec.rules})

    def clean(self, i: int, item: dict[str, object] | None) -> None:
        if item is None:
            return
        step = self.steps[i]
        cls = self.classes[step.entity.name]
        spec = cls._spec
        key = {spec.py(a): item[a] for a in spec.primary_sources}
        found = cls.fetch(**key, consistent_read=True)
        if found is not None:
            found.delete()

    def normal(self, step: Step, values: Mapping[str, object]) -> dict[str, object]:
        spec = self.classes[step.entity.name]._spec
        attrs = step.entity.spec.attributes
        present = {
            spec.py(a): _typed(v, attrs[a]) if attrs[a].type == "integer" else v
            for a, v in values.items()
            if v is not None and v != set()  # DynamoDB stores no empty set: absent
        }
        checked: dict[str, object] = spec.check(present, partial=True)
        return {a: v for a, v in checked.items() if v is not None}

    def effect(
        self, step: Step, before: dict[str, object] | None, params: Mapping[str, object]
    ) -> dict[str, object] | None:
        """What the item must hold after the action succeeded (the write oracle)."""
        action = step.action

        def value(operand: object) -> object:
            ref = parameter_ref(operand)
            return params.get(ref) if ref is not None else literal(operand)  # type: ignore[arg-type]

        if action.operation == "delete":
            return None
        if action.operation == "check":
            return before
        if action.operation in {"create", "put"}:
            given = {a: params[a] for a in step.entity.spec.attributes if params.get(a) is not None}
            return self.normal(step, given | {a: value(v) for a, v in action.set.items()})
        after = dict(before or {})
        after |= {a: value(v) for a, v in action.set.items()}
        for attr in action.remove:
            after.pop(attr, None)
        for attr, amount in action.add.items():
            current = Decimal(str(after.get(attr, 0)))
            after[attr] = current + Decimal(str(value(amount)))
        return self.normal(step, after)


_ANY = object()


def _py(name: str) -> str:
    from tablemodel.generate.naming import python_name  # noqa: PLC0415

    return python_name(name)


def _key_sources(design: Design, step: Step) -> set[str]:
    from tablemodel.design.writes import key_attributes  # noqa: PLC0415

    return set(key_attributes(design, step.entity))


def _show(item: Mapping[str, object] | None) -> str:
    if item is None:
        return "absent"
    return "{" + ", ".join(f"{k}={v!r}" for k, v in sorted(item.items())) + "}"


def _meet(
    term: Predicate,
    attr: str,
    spec: AttributeSpec,
    item: dict[str, object],
    params: dict[str, object],
    *,
    writes: _Writes,
) -> None:
    """Make `attr operator operands` hold on `item`, choosing the item's value for a literal
    operand and the parameter's for a `$parameter` (raises `_Unmet` when it cannot)."""
    operator, operands = term.operator, term.operands
    refs = [parameter_ref(o) for o in operands]
    if operator == "exists":
        if operands[0]:
            if item.get(attr) is None:
                item[attr] = writes.fresh(attr, spec)
        else:
            item[attr] = None
        return
    if all(r is None for r in refs):
        values = [literal(o) for o in operands]
        item[attr] = _inside(operator, values, attr, spec, writes)
        return
    if len(refs) != 1 or refs[0] is None:
        msg = f"`{attr}` is compared with a mix of parameters and literals"
        raise _Unmet(msg)
    ref = refs[0]
    current = item.get(attr)
    if current is None:
        current = item[attr] = writes.fresh(attr, spec)
    chosen = _around(operator, current, attr, spec, writes)
    if ref in writes.keys and ref in params and params[ref] != chosen:
        msg = f"`${ref}` is both a key and compared with `{attr}`"
        raise _Unmet(msg)
    params[ref] = [chosen] if operator == "in" else chosen


def _inside(
    operator: str, values: Sequence[object], attr: str, spec: AttributeSpec, w: _Writes
) -> object:
    """A value of `attr` that `operator values` admits."""
    if operator in {"eq", "in", "between", "gte", "lte"}:
        return _typed(values[0], spec)
    if operator == "ne":
        for candidate in w.pool(attr, spec):
            if candidate != _typed(values[0], spec):
                return candidate
    if operator in {"gt", "lt"} and spec.type in {"number", "integer"}:
        step = 1 if operator == "gt" else -1
        return _typed(Decimal(str(values[0])) + step, spec)
    if operator == "begins_with":
        return f"{values[0]}x"
    msg = f"cannot choose a value of `{attr}` that is {operator} {values}"
    raise _Unmet(msg)


def _around(operator: str, current: object, attr: str, spec: AttributeSpec, w: _Writes) -> object:
    """A parameter value that makes `attr operator $param` hold for the item's `current`."""
    if operator in {"eq", "in", "gte", "lte"}:
        return current
    if operator == "ne":
        for candidate in w.pool(attr, spec):
            if candidate != current:
                return candidate
    if operator in {"lt", "gt"} and spec.type in {"number", "integer"}:
        return _typed(Decimal(str(current)) + (1 if operator == "lt" else -1), spec)
    msg = f"cannot choose a parameter that makes `{attr}` {operator} it"
    raise _Unmet(msg)


def _typed(value: object, spec: AttributeSpec) -> object:
    if spec.type in {"number", "integer"} and not isinstance(value, bool):
        number = Decimal(str(value))
        return int(number) if spec.type == "integer" else number
    return value
