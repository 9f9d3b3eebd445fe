"""Prefix and delimiter hazards: keys that match more than they should."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping

from tablemodel.check.analysis import Analysis
from tablemodel.check.registry import Finding, rule
from tablemodel.design import NUMERIC, Design, PatternDesign
from tablemodel.diagnostics import PathPart, Severity
from tablemodel.keylang.automata import Encoding, ValueDomain
from tablemodel.keylang.charset import CharSet
from tablemodel.keylang.templates import KeyTemplate, Literal, Variable


def _encoded_chars(domain: ValueDomain, encoding: Encoding) -> CharSet:
    """Characters that can appear unescaped in a value once the codec has written it."""
    if not encoding.escape:
        return domain.charset
    return domain.charset - encoding.escaped - CharSet.of(encoding.escape_char)


@rule("TM601", "prefix-inside-variable", Severity.ERROR, "hazard")
def check_prefix_ends_in_variable(design: Design, analysis: Analysis) -> Iterator[Finding]:
    """A `begins_with` prefix that ends inside a variable.

    Why: `begins_with(SK, "racer-1")` also matches `racer-10` and `racer-1x`: the prefix stops
    in the middle of a value. Every prefix must end at a delimiter (or at a fixed-width
    value) so that it matches exactly one value.

    Bad:
        key_condition: {PK: "race-{race_id}", SK: {begins_with: "racer-{racer_id}"}}

    Good:
        RaceLap: {keys: {SK: "racer-{racer_id}#lap-{lap:04d}"}}
        key_condition: {PK: "race-{race_id}", SK: {begins_with: "racer-{racer_id}#"}}
    """
    delimiter = design.model.table.key_codec.delimiters[0]
    for pattern in design.patterns.values():
        for cond in pattern.key_conditions:
            if cond.operator != "begins_with":
                continue
            template = cond.templates[0]
            last = template.parts[-1] if template.parts else None
            if not isinstance(last, Variable) or last.width is not None:
                continue
            domain = pattern.domains.get(last.name, ValueDomain(CharSet.any()))
            if _fixed_length(design, pattern, last.name, domain) or _prefix_intended(
                pattern, last.name
            ):
                continue
            short, longer = _prefix_and_extension(domain)
            samples = _samples(template, pattern.domains)
            prefix = template.render({**samples, last.name: short})
            other = template.render({**samples, last.name: longer})
            yield Finding(
                cond.path,
                f"the `begins_with` prefix of pattern `{pattern.name}` on `{cond.attribute}` ends"
                f" inside `{{{last.name}}}`: one value also matches every longer value that"
                " starts with it",
                found=f'begins_with "{template.source}"',
                expected="a prefix that ends with a delimiter after the last placeholder",
                example=f'{last.name}="{short}" gives prefix "{prefix}", which also matches'
                f' "{other}"',
                hint=f'end the prefix with a delimiter: "{template.source}{delimiter}", and write'
                " that delimiter in the entity's template too",
                pattern=pattern.name,
            )


def _fixed_length(design: Design, pattern: PatternDesign, name: str, domain: ValueDomain) -> bool:
    """Whether every value of `name` has one length, so a prefix cannot stop inside one."""
    length = domain.min_length
    if domain.max_length != length:
        return False
    for entity_name in pattern.returns:
        theirs = design.entities[entity_name].domains.get(name)
        if theirs is not None and (theirs.min_length, theirs.max_length) != (length, length):
            return False
    return True


def _prefix_intended(pattern: PatternDesign, name: str) -> bool:
    """Whether the intent itself asks for values starting with the parameter (a prefix search)."""
    return any(
        term.operator == "begins_with" and term.operands[0] == f"${name}"
        for where in pattern.spec.intent.select.values()
        for predicate in where.values()
        for term in predicate.terms
    )


def _prefix_and_extension(domain: ValueDomain) -> tuple[str, str]:
    """A short value and a longer one starting with it: `1` and `10` where digits are allowed."""
    length = max(domain.min_length, 1)
    first = "1" if "1" in domain.charset else domain.charset.sample()
    extra = "0" if "0" in domain.charset else domain.charset.sample()
    return first * length, first * length + extra


def _samples(template: KeyTemplate, domains: Mapping[str, ValueDomain]) -> dict[str, str]:
    values: dict[str, str] = {}
    for var in template.variables:
        if var.width is not None:
            values[var.name] = "0" * var.width
            continue
        domain = domains.get(var.name)
        values[var.name] = domain.charset.sample() if domain is not None else "a"
    return values


# A template, the domains of its variables, where it is, its key attribute, its owner.
_Site = tuple[
    KeyTemplate, dict[str, ValueDomain], tuple[PathPart, ...], str, str | None, str | None
]


def _templates(design: Design) -> Iterator[_Site]:
    for entity in design.entities.values():
        for key, template in entity.templates.items():
            if design.key_type(key) == "S":
                path = (*entity.path, "keys", key)
                yield template, dict(entity.domains), path, key, entity.name, None
    for pattern in design.patterns.values():
        for cond in pattern.key_conditions:
            if design.key_type(cond.attribute) != "S":
                continue
            for template in cond.templates:
                yield template, dict(pattern.domains), cond.path, cond.attribute, None, pattern.name


@rule("TM602", "delimiter-in-value", Severity.ERROR, "hazard")
def check_delimiter_in_values(design: Design, analysis: Analysis) -> Iterator[Finding]:
    """A placeholder whose values may contain the delimiter that follows it.

    Why: with `RACE#{race_id}#RACER#{racer_id}` and a race_id of `1#RACER#2`, two different
    items compose the same key and a prefix for one race matches another. tablemodel's codec
    escapes the characters in `key_codec.delimiters`; keys written raw (escape: false), or
    delimiters missing from that list, need a charset that excludes them.

    Bad:
        table: {key_codec: {escape: false}}
        race_id: {type: string}                      # any character, '#' included
        keys: {SK: "RACE#{race_id}#RACER#{racer_id}"}

    Good:
        race_id: {type: string, charset: "[a-z0-9-]"}  # or keep key_codec.escape on
    """
    seen: set[tuple[str, str, str]] = set()
    for template, domains, path, key, entity, pattern in _templates(design):
        encoding = design.encoding_of(key)
        parts = template.parts
        for i, part in enumerate(parts[:-1]):
            following = parts[i + 1]
            if not isinstance(part, Variable) or not isinstance(following, Literal):
                continue
            if part.width is not None:
                continue
            domain = domains.get(part.name)
            if domain is None:
                continue
            delimiter = following.text[0]
            if delimiter not in _encoded_chars(domain, encoding):
                continue
            marker = (template.source, part.name, entity or pattern or "")
            if marker in seen:
                continue
            seen.add(marker)
            owner = (
                f"the `{key}` template of `{entity}`"
                if entity
                else f"the `{key}` condition of pattern `{pattern}`"
            )
            escaped = encoding.escape
            charset = domain.charset.describe()
            yield Finding(
                path,
                f"values of `{part.name}` in {owner} may contain `{delimiter}`, the delimiter"
                " that follows it",
                found=f'"{template.source}" with `{part.name}` of charset {charset}',
                expected=f"values that cannot contain `{delimiter}`",
                example=f'{part.name}="x{delimiter}y"',
                hint=(
                    f"add `{delimiter}` to key_codec.delimiters so the codec escapes it"
                    if escaped
                    else f"restrict the charset of `{part.name}`, or turn key_codec.escape on"
                ),
                entity=entity,
                pattern=pattern,
            )


@rule("TM603", "unpadded-number-order", Severity.ERROR, "hazard")
def check_unpadded_numbers(design: Design, analysis: Analysis) -> Iterator[Finding]:
    """A number in a string key without padding, where the pattern relies on its order.

    Why: string keys sort byte by byte, so `lap#10` sorts before `lap#2`. A pattern that
    orders by that number, or compares it with a range, returns the wrong items or the wrong
    order. Pad to a fixed width (`{lap:04d}`) or use a number key.

    Bad:
        RaceLap: {keys: {SK: "lap#{lap}"}}
        laps_in_order: {key_condition: {SK: {begins_with: "lap#"}}, intent: {order_by: [lap]}}

    Good:
        RaceLap: {keys: {SK: "lap#{lap:04d}"}}
    """
    for pattern in design.patterns.values():
        index = pattern.index
        if index is None:
            continue
        ordered = {term.attribute for term in pattern.spec.intent.order_by}
        ranged = any(c.operator not in {"eq", "begins_with"} for c in pattern.sorts)
        for name, sort_key in itertools.product(pattern.returns, index.sort_keys):
            if design.key_type(sort_key.name) != "S":
                continue
            entity = design.entities[name]
            template = entity.templates.get(sort_key.name)
            if template is None:
                continue
            for var in template.variables:
                spec = entity.spec.attributes.get(var.name)
                if spec is None or spec.type not in NUMERIC or var.width is not None:
                    continue
                if var.name not in ordered and not ranged:
                    continue
                reason = "orders by it" if var.name in ordered else "compares it with a range"
                width = 5
                if spec.maximum is not None and spec.maximum >= 1:
                    width = len(str(int(spec.maximum)))
                yield Finding(
                    (*entity.path, "keys", sort_key.name),
                    f"`{name}` writes number `{var.name}` without padding into string key"
                    f" `{sort_key.name}`, and pattern `{pattern.name}` {reason}",
                    found=f'"{template.source}"',
                    expected=f"a fixed width, e.g. {{{var.name}:0{width}d}}, or a number key",
                    example=f'"{template.source}" sorts {var.name}=10 before {var.name}=2',
                    pattern=pattern.name,
                    entity=name,
                )
