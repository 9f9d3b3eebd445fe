"""Range conditions on string keys, as conditions on the attributes the keys are made of.

DynamoDB compares string keys by their UTF-8 bytes. A key an entity writes with
`"{created_at}#{order_id}"` and a bound `"{end}"` compare the way a walk along both templates
shows: literal text against literal text decides at the first character that differs (so
`"#METADATA#{game_id}"` sorts before `"USER$"` whatever the game); a placeholder against a
placeholder compares the two values, and only when they are equal does the walk go on; when
one side runs out first, the shorter key sorts first. The walk's result is a `Walk`: the
placeholders compared in turn (`Step`s) and how the key compares with the bound once every
step is equal (`terminal`).

A step says what the byte order says only where the byte order of the written key is the
order of the values (`order_safe`): a fixed width (a padded integer, a date, a datetime), or
characters that all sort above the literal that follows the placeholder and that the codec
never escapes. Where that does not hold the walk stops with the reason, and the pattern is
left to the run.

`bound_atoms` turns a bound into conditions on attributes: `created_at >= $start` for
`SK >= "{start}"`, `created_at < $end` for `SK <= "{end}"` (a key with `created_at = $end`
continues past the bound, so it sorts after it), or nothing when the bound always holds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from tablemodel.design import NUMERIC, Design, EntityDesign, PatternDesign
from tablemodel.keylang.automata import ValueDomain
from tablemodel.keylang.charset import CharSet
from tablemodel.keylang.templates import KeyTemplate, Literal, Part, Variable
from tablemodel.records import record

__all__ = ["BoundAtom", "Step", "Walk", "bound_atoms", "walk"]

# Types the runtime writes into keys at one fixed width, so their byte order is their order.
_FIXED_WIDTH = {"date": 10, "datetime": 27}


@record
class Step:
    """The entity's placeholder `attribute` compared with `operand` (`$param` or a constant).

    `day`: a `datetime` attribute against a `date` parameter: the key's first ten characters
    (the UTC day) meet the date, and at an equal day the key goes on with `T`. `prefix` is the
    bound's source up to the end of the operand, for corrected conditions.
    """

    attribute: str
    operand: str
    prefix: str
    day: bool = False
    unsafe: str | None = None  # why the byte order here is not the values' order, if it is not
    delimited: bool = False  # a key that starts like the bound up to here has the same value


@record
class Walk:
    """How an entity's key compares with a bound: placeholder by placeholder, then `terminal`.

    `terminal` is `<`, `=` or `>`: the key against the bound when every step is equal.
    `continues` is the character the key goes on with past the last step's operand when it
    is longer than the bound there (a delimiter, or `T` for a day), else None.
    """

    steps: tuple[Step, ...]
    terminal: str
    continues: str | None = None


@record
class BoundAtom:
    """A bound's condition on one attribute, and the step it came from (for corrections)."""

    attribute: str
    operator: str
    operand: str
    step: Step
    walk: Walk


def _source(parts: Sequence[Part]) -> str:
    out: list[str] = []
    for part in parts:
        if isinstance(part, Literal):
            out.append(part.text.replace("{", "{{").replace("}", "}}"))
        else:
            spec = f":{part.fmt}" if part.fmt else ""
            out.append(f"{{{part.name}{spec}}}")
    return "".join(out)


def order_safe(
    design: Design,
    kind: str | None,
    width: int | None,
    domain: ValueDomain,
    following: Part | None,
) -> str | None:
    """None when the byte order of a value written here is the order of the values, else why.

    `kind` is the attribute type, `domain` every character either side of a comparison may
    hold, `following` what the template writes right after the value.
    """
    if width is not None or kind in _FIXED_WIDTH:
        return None
    if kind in NUMERIC:
        return "an unpadded number in a string key sorts by its digits, not by its value"
    encoding = design.encoding
    if encoding.escape and not (domain.charset & encoding.special).is_empty:
        return "values may hold characters the codec escapes, which changes their order"
    if following is None:
        return None
    if isinstance(following, Variable):
        return "two placeholders follow each other, so where one value ends is unknown"
    low = domain.charset.min_char()
    if low is None or low > following.text[0]:
        return None
    return (
        f"values may hold characters that sort below the `{following.text[0]}` after them, so"
        " a shorter value does not always sort first"
    )


def walk(
    design: Design,
    pattern: PatternDesign,
    entity: EntityDesign,
    entity_t: KeyTemplate,
    bound: KeyTemplate,
    *,
    folded: bool = False,
) -> Walk | str:
    """Compare the keys `entity_t` writes with `bound`, or say why it cannot be decided.

    In a key `folded` to lower case both templates come lowered (`KeyTemplate.lowered`), and
    a datetime goes on past its day with `t`, not `T`.
    """
    mark = "t" if folded else "T"
    e, p = entity_t.parts, bound.parts
    i = j = 0
    e_off = p_off = 0
    steps: list[Step] = []
    specs = entity.spec.attributes
    while True:
        if i >= len(e) and j >= len(p):
            return Walk(tuple(steps), "=")
        if i >= len(e):
            return Walk(tuple(steps), "<")
        if j >= len(p):
            ahead = e[i]
            char = ahead.text[e_off] if isinstance(ahead, Literal) else None
            return Walk(tuple(steps), ">", char)
        ep, pp = e[i], p[j]
        if isinstance(ep, Literal) and isinstance(pp, Literal):
            a, b = ep.text[e_off:], pp.text[p_off:]
            n = min(len(a), len(b))
            for k in range(n):
                if a[k] != b[k]:
                    return Walk(tuple(steps), "<" if a[k] < b[k] else ">")
            e_off += n
            p_off += n
            if e_off == len(ep.text):
                i, e_off = i + 1, 0
            if p_off == len(pp.text):
                j, p_off = j + 1, 0
            continue
        following = e[i + 1] if i + 1 < len(e) else None
        spec = specs.get(ep.name) if isinstance(ep, Variable) else None
        kind = spec.type if spec is not None else None
        if isinstance(ep, Variable) and isinstance(pp, Variable):
            param = pattern.parameters.get(pp.name)
            param_kind = param.type if param is not None else None
            prefix = _source(p[: j + 1])
            after = p[j + 1] if j + 1 < len(p) else None
            if kind == "datetime" and param_kind == "date":
                # The key's UTC day meets the date; at an equal day the key goes on with `T`.
                steps.append(Step(ep.name, f"${pp.name}", prefix, day=True))
                i, j = i + 1, j + 1
                if j >= len(p):
                    return Walk(tuple(steps), ">", mark)
                if isinstance(after, Literal) and after.text[0] != mark:
                    return Walk(tuple(steps), "<" if after.text[0] > mark else ">")
                return f"the bound goes on past the day of `{ep.name}` into its time"
            if ep.width != pp.width or (kind in _FIXED_WIDTH and param_kind != kind):
                return (
                    f"`{ep.name}` and `{pp.name}` are written at different widths, so their"
                    " byte order is not their order"
                )
            domain = _union(entity.domains.get(ep.name), pattern.domains.get(pp.name))
            reasons = [order_safe(design, kind, ep.width, domain, x) for x in (following, after)]
            unsafe = next((f"`{ep.name}` against `{pp.name}`: {r}" for r in reasons if r), None)
            delimited = _delimited(design, entity.domains.get(ep.name), following, after)
            steps.append(Step(ep.name, f"${pp.name}", prefix, False, unsafe, delimited))
            i, j = i + 1, j + 1
            continue
        if isinstance(ep, Variable) and isinstance(pp, Literal):
            rest = pp.text[p_off:]
            if isinstance(following, Variable):
                return f"`{ep.name}` is followed by another placeholder"
            stop = rest.find(following.text[0]) if isinstance(following, Literal) else -1
            last = j == len(p) - 1
            if stop < 0 and not last:
                return f'the bound\'s "{rest}" and a placeholder after it meet `{ep.name}`'
            operand = rest if stop < 0 else rest[:stop]
            if not operand:
                return f"the bound has no text where `{ep.name}` is written"
            if design.encoding.escape and any(c in design.encoding.special for c in operand):
                return f'the bound\'s "{operand}" holds characters the codec escapes'
            prefix = _source(p[:j]) + _source([Literal(pp.text[: p_off + len(operand)])])
            if kind == "datetime" and _iso_date(operand):
                # A day against a datetime: at an equal day the key goes on with `T`.
                steps.append(Step(ep.name, repr(operand), prefix, day=True))
                if stop < 0:
                    return Walk(tuple(steps), ">", mark)
                return Walk(tuple(steps), "<" if rest[stop] > mark else ">")
            domain = _union(entity.domains.get(ep.name), ValueDomain(CharSet.of(operand)))
            reason = order_safe(design, kind, ep.width, domain, following)
            width = ep.width if ep.width is not None else _FIXED_WIDTH.get(kind or "")
            if width is not None and len(operand) != width:
                reason = f"it is written {width} characters wide, the bound's text is not"
            unsafe = f'`{ep.name}` against "{operand}": {reason}' if reason else None
            remains = Literal(pp.text[p_off + len(operand) :]) if stop >= 0 else None
            delimited = _delimited(design, entity.domains.get(ep.name), following, remains)
            steps.append(Step(ep.name, repr(operand), prefix, False, unsafe, delimited))
            i += 1
            if stop < 0:
                j, p_off = j + 1, 0
            else:
                p_off += stop
            continue
        assert isinstance(ep, Literal)
        assert isinstance(pp, Variable)
        return (
            f"the bound's placeholder `{pp.name}` faces the text"
            f' "{ep.text[e_off:]}" of the entity\'s key'
        )


def _iso_date(text: str) -> bool:
    if len(text) != _FIXED_WIDTH["date"]:
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _delimited(
    design: Design, domain: ValueDomain | None, following: Part | None, after: Part | None
) -> bool:
    """Whether a key that starts like the bound up to the end of this value has this value.

    True when both end with the value, or both go on with the same literal character that
    no value holds as written (the codec escapes it, or the values never contain it).
    """
    if following is None or after is None:
        return following is None and after is None
    if not isinstance(following, Literal) or not isinstance(after, Literal):
        return False
    mark = following.text[0]
    if after.text[:1] != mark:
        return False
    if design.encoding.escape and mark in design.encoding.special:
        return True
    return domain is not None and mark not in domain.charset


def _union(a: ValueDomain | None, b: ValueDomain | None) -> ValueDomain:
    """Every character either side of a comparison may hold."""
    charsets = [d.charset for d in (a, b) if d is not None]
    charset = charsets[0] if charsets else CharSet.any()
    for other in charsets[1:]:
        charset = charset | other
    return ValueDomain(charset)


_HOLDS = {"gte": "=>", "gt": ">", "lte": "=<", "lt": "<"}


def _satisfies(terminal: str, operator: str) -> bool:
    """Whether a key that compares with the bound as `terminal` meets `key <operator> bound`."""
    return terminal in _HOLDS[operator]


def bound_atoms(
    walked: Walk, operator: str, pinned: Mapping[str, str]
) -> list[BoundAtom] | bool | str:
    """What `key <operator> bound` requires of the attributes, given those `pinned` to values.

    Steps whose attribute is pinned to the step's own operand are equal and passed over. The
    first other step decides: `attribute <op> operand`, where `op` includes equality exactly
    when the rest of the walk does. True or False when every step is equal (the bound always
    or never holds); a reason when a later step would still matter (no single condition).
    """
    steps = walked.steps
    for k, step in enumerate(steps):
        known = pinned.get(step.attribute)
        if known == step.operand and not step.day:
            continue
        if known is not None:
            return (
                f"the condition pins `{step.attribute}` to {known} and bounds it by {step.operand}"
            )
        if step.unsafe is not None:
            return step.unsafe
        later = [s for s in steps[k + 1 :] if pinned.get(s.attribute) != s.operand or s.day]
        if later:
            return (
                f"the bound compares `{step.attribute}` and then `{later[0].attribute}`, which no"
                " single condition on either says"
            )
        equal_too = _satisfies(walked.terminal, operator)
        if operator in {"gte", "gt"}:
            op = "gte" if equal_too else "gt"
        else:
            op = "lte" if equal_too else "lt"
        return [BoundAtom(step.attribute, op, step.operand, step, walked)]
    return _satisfies(walked.terminal, operator)


def corrected_bound(atom: BoundAtom) -> str | None:
    """A bound that includes `attribute = operand` where `atom` leaves it out, or None.

    An upper bound the key passes at equality (it goes on with `c` past the operand) takes
    the bound up to the operand followed by the character after `c`: every key with an equal
    value sorts below it, every key with a greater value above it (their next character
    sorts above `c`, the walk's order-safety). A lower bound that leaves equality out ends
    right after the operand instead: a key with an equal value is longer, so it sorts after.
    """
    step, walked = atom.step, atom.walk
    if atom.operator == "lt" and walked.terminal == ">" and walked.continues is not None:
        nxt = chr(ord(walked.continues) + 1)
        return step.prefix + nxt.replace("{", "{{").replace("}", "}}")
    if atom.operator == "gt" and walked.terminal == "<":
        return step.prefix
    return None
