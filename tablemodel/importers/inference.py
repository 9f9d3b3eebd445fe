"""Key templates inferred from sample key values: `USER#123` -> `USER#{user_id}`.

Three sources, tried in order, each checked against every sample value before it is believed:

1. the facet's alias, when it is already a template (`racer-{racer_id}`, as tablemodel exports
   it) and every value matches it;
2. the item's own attributes: a template made by putting `{attribute}` where the attribute's
   value stands in the key, the same template for every item (`race-{race_id}`), a number
   zero-padded to one width on every item as `{n:0Nd}` (`READING#{seq:08d}`); when two
   attributes fit alike (they hold the same values), the other templates are returned as
   `alternatives` for the caller to report;
3. the values' segments between delimiters: a segment equal on every item is literal text, one
   that varies (or, with a single item, holds a digit) is a variable named after the alias's
   segment at that place, or after the key when the alias has none.

What only the third source gives is a guess, and the caller says so.
"""

from __future__ import annotations

import re
from collections.abc import Container, Mapping, Sequence
from dataclasses import field

from tablemodel.keylang.templates import (
    Literal,
    TemplateSyntaxError,
    Variable,
    parse_template,
    placeholder,
)
from tablemodel.records import record

__all__ = [
    "Inferred",
    "identifier",
    "infer_template",
    "literal_text",
    "template_from_attributes",
    "width_one_as_plain",
]

DELIMITERS = "#|:"
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,254}\Z")


@record
class Inferred:
    """A template, where it came from, and the values of variables that are not attributes."""

    template: str
    source: str  # "alias", "attributes", "segments", "constant"
    new_attributes: Mapping[str, list[str]] = field(default_factory=dict)  # name -> values
    note: str = ""
    alternatives: tuple[str, ...] = ()  # other templates the values fit as well: ambiguous


def literal_text(text: str) -> str:
    """Text as a template literal (braces doubled)."""
    return text.replace("{", "{{").replace("}", "}}")


def identifier(text: str, fallback: str = "value") -> str:
    """A model identifier from any name: `GSI1-PK` -> `GSI1_PK`, `2fa` -> `_2fa`."""
    cleaned = re.sub(r"[^A-Za-z0-9_]", "_", text).strip("_") or fallback
    if cleaned[0].isdigit():
        cleaned = "_" + cleaned
    return cleaned[:255]


def infer_template(
    key: str,
    values: Sequence[str],
    attributes: Sequence[Mapping[str, str]],
    alias: str | None,
    taken: set[str],
    *,
    numbers: Container[str] = (),
) -> Inferred:
    """The template of key attribute `key` for items whose key values are `values`.

    `attributes[i]` holds item i's scalar attribute values as text; `taken` the attribute
    names the entity has, so that a new variable gets a fresh name; `numbers` the attributes
    that hold numbers, which a key may hold zero-padded (`{n:05d}`).
    """
    from_alias = _from_alias(values, alias, taken)
    if from_alias is not None:
        return from_alias
    from_attributes = template_from_attributes(values, attributes, numbers)
    if from_attributes is not None:
        return from_attributes
    return _from_segments(key, values, alias, taken, attributes)


def _matcher(template: str) -> tuple[re.Pattern[str], tuple[str, ...]] | None:
    try:
        parsed = parse_template(template)
    except TemplateSyntaxError:
        return None
    pattern = ""
    for part in parsed.parts:
        if isinstance(part, Literal):
            pattern += re.escape(part.text)
        else:
            assert isinstance(part, Variable)
            pattern += rf"(\d{{{part.width}}})" if part.width else "(.+?)"
    return re.compile(pattern + r"\Z", re.DOTALL), parsed.variable_names


def _from_alias(values: Sequence[str], alias: str | None, taken: set[str]) -> Inferred | None:
    if not alias or "{" not in alias:
        return None
    found = _matcher(alias)
    if found is None:
        return None
    pattern, names = found
    bound: dict[str, list[str]] = {name: [] for name in names}
    for value in values:
        match = pattern.match(value)
        if match is None:
            return None
        for name, part in zip(names, match.groups(), strict=True):
            bound[name].append(part)
    new = {name: parts for name, parts in bound.items() if name not in taken}
    return Inferred(alias, "alias", new)


def template_from_attributes(
    values: Sequence[str], attributes: Sequence[Mapping[str, str]], numbers: Container[str] = ()
) -> Inferred | None:
    """The template that gives every value from its item's attributes, if there is one.

    Of the templates every item fits, the one that explains most of the key with attributes
    wins: the most variables, then the fewest literal characters (`{n:016d}` rather than
    `00000000000000{n}`), then the fewest widths (`{n}` rather than `{n:02d}` when no value
    shows padding). Templates that tie on all three are `alternatives`: two attributes hold
    the same values, and the items cannot say which one the key holds.
    """
    if not values:
        return None
    common: set[str] | None = None
    for value, attrs in zip(values, attributes, strict=True):
        found = set(_substitutions(value, attrs, numbers))
        common = found if common is None else common & found
        if not common:
            return None
    assert common is not None
    templates = [t for t in common if "{" in t.replace("{{", "")]
    if len(values) == 1:
        # One item cannot tell a literal from a value: text left with a digit in it is a value
        # the attributes do not hold, so the template would be wrong.
        templates = [t for t in templates if not re.search(r"\d", re.sub(r"\{[^{}]*\}", "", t))]
    if not templates:
        return None
    ranked = sorted(templates, key=lambda t: (_rank(t), t))
    best = _rank(ranked[0])
    tied = tuple(t for t in ranked[1:] if _rank(t) == best)
    return Inferred(ranked[0], "attributes", alternatives=tied)


def _rank(template: str) -> tuple[int, int, int]:
    parts = parse_template(template).parts
    variables = [p for p in parts if isinstance(p, Variable)]
    literal = sum(len(p.text) for p in parts if isinstance(p, Literal))
    return -len(variables), literal, sum(1 for v in variables if v.width is not None)


_INTEGER = re.compile(r"0|[1-9][0-9]*")


def _substitutions(
    value: str, attrs: Mapping[str, str], numbers: Container[str] = (), limit: int = 64
) -> list[str]:
    """Templates that give `value` from `attrs`, each attribute used at most once.

    A number attribute (in `numbers`) holding a non-negative integer may also stand zero-padded
    to a width (`{n:05d}` for `00042`), where a run of digits starts or right after another
    variable; padded to its own width only where the run of digits is exactly that long.
    """
    out: list[str] = []
    candidates = sorted(
        ((name, text) for name, text in attrs.items() if text), key=lambda nt: -len(nt[1])
    )

    def padded(name: str, text: str, position: int, after_variable: bool) -> list[int]:
        if name not in numbers or not _INTEGER.fullmatch(text):
            return []
        if position > 0 and value[position - 1].isdigit() and not after_variable:
            return []
        run = position
        while run < len(value) and value[run].isdigit():
            run += 1
        widths = list(range(len(text) + 1, run - position + 1))
        if run - position == len(text):
            widths.append(len(text))  # the value fills the run: its own width, unpadded
        return [n for n in widths if value[position : position + n] == text.zfill(n)]

    def walk(position: int, used: frozenset[str], built: str, after_variable: bool) -> None:
        if len(out) >= limit:
            return
        if position == len(value):
            out.append(built)
            return
        for name, text in candidates:
            if name in used:
                continue
            if value.startswith(text, position):
                walk(position + len(text), used | {name}, built + "{" + name + "}", True)
            for width in padded(name, text, position, after_variable):
                field = placeholder(name, f"0{width}d")
                walk(position + width, used | {name}, built + field, True)
        walk(position + 1, used, built + literal_text(value[position]), False)

    walk(0, frozenset(), "", False)
    return out


def width_one_as_plain(template: str) -> str:
    """`template` with every `{n:01d}` written `{n}`: the same text for every value it takes.

    Zero padding to width 1 pads nothing (every integer has at least one digit), so the two
    placeholders write any integer from 0 to 9 alike; what `{n:01d}` adds is only its bound,
    0 to 9, which sample values cannot show (a `{n}` holding only digits would look the same).
    """
    out = ""
    for part in parse_template(template).parts:
        if isinstance(part, Literal):
            out += literal_text(part.text)
        elif part.width == 1:
            out += placeholder(part.name)
        else:
            out += placeholder(part.name, part.fmt)
    return out


def _split(value: str) -> list[str]:
    return re.split(f"([{re.escape(DELIMITERS)}])", value)


def _from_segments(
    key: str,
    values: Sequence[str],
    alias: str | None,
    taken: set[str],
    attributes: Sequence[Mapping[str, str]] = (),
) -> Inferred:
    if not values:
        return _from_alias_words(key, alias, taken)
    split = _merge_times([_split(v) for v in values])
    if len({len(s) for s in split}) != 1:
        base = identifier(alias) if alias and _IDENTIFIER.match(alias) else ""
        if not base or base == identifier(key):
            base = f"{identifier(key)}_value"
        name = _fresh(base, taken)
        return Inferred(
            "{" + name + "}",
            "segments",
            {name: list(values)},
            "the values have different shapes; the whole key is one variable",
        )
    alias_parts = _split(alias) if alias else []
    template = ""
    new: dict[str, list[str]] = {}
    ambiguous: list[tuple[str, list[str]]] = []  # a part more than one attribute holds
    for position in range(len(split[0])):
        texts = [s[position] for s in split]
        if position % 2 == 1 or not _variable(texts):  # a delimiter, or literal text
            template += literal_text(texts[0])
            continue
        same = [
            name
            for name in (attributes[0] if len(attributes) == len(texts) and attributes else {})
            if all(a.get(name) == t for a, t in zip(attributes, texts, strict=True))
        ]
        if same:  # an attribute holds exactly this part on every item
            template += "{" + same[0] + "}"
            ambiguous += [(same[0], same[1:])] if len(same) > 1 else []
            continue
        hint = alias_parts[position] if len(alias_parts) == len(split[0]) else ""
        base = identifier(hint) if hint and re.search(r"[A-Za-z]", hint) else ""
        if not base or base == identifier(key):
            before = {s[position - 2] for s in split} if position >= 2 else set()
            word = next(iter(before)) if len(before) == 1 else ""
            if re.fullmatch(r"[A-Za-z]+", word):
                base = word.lower() if word.lower().endswith("id") else f"{word.lower()}_id"
            else:
                base = f"{identifier(key).lower()}_{position // 2 + 1}"
        name = _fresh(base, taken | set(new))
        new[name] = texts
        template += "{" + name + "}"
    alternatives = tuple(
        template.replace("{" + chosen + "}", "{" + other + "}")
        for chosen, others in ambiguous
        for other in others
    )
    if not new:
        return Inferred(template, "constant", alternatives=alternatives)
    return Inferred(template, "segments", new, alternatives=alternatives)


def _from_alias_words(key: str, alias: str | None, taken: set[str]) -> Inferred:
    """Without sample values, the alias alone: capitals are literal (`SHOP#ShopId`)."""
    template = ""
    new: dict[str, list[str]] = {}
    for position, part in enumerate(_split(alias or "")):
        if position % 2 == 1 or re.fullmatch(r"[A-Z][A-Z0-9_]*", part):
            template += literal_text(part)
            continue
        base = identifier(part) if part else ""
        if not base or base == identifier(key):
            base = f"{identifier(key)}_value"
        name = _fresh(base, taken | set(new))
        new[name] = []
        template += "{" + name + "}"
    if not template:
        name = _fresh(f"{identifier(key)}_value", taken)
        new[name] = []
        template = "{" + name + "}"
    if not new:
        return Inferred(template, "constant", note="no sample values")
    return Inferred(template, "segments", new, "no sample values; read from the alias")


def _merge_times(split: list[list[str]]) -> list[list[str]]:
    """Join segments around `:` when both sides hold digits on every item (`12:00:24`)."""
    if len({len(s) for s in split}) != 1:
        return split
    merged: list[list[str]] = [[s[0]] for s in split]
    for position in range(1, len(split[0]), 2):
        join = all(
            s[position] == ":" and re.search(r"\d", m[-1]) and re.search(r"\d", s[position + 1])
            for s, m in zip(split, merged, strict=True)
        )
        for s, m in zip(split, merged, strict=True):
            if join:
                m[-1] += s[position] + s[position + 1]
            else:
                m += [s[position], s[position + 1]]
    return merged


def _variable(texts: Sequence[str]) -> bool:
    """A segment is a variable when it differs between items or holds a digit."""
    return len(set(texts)) > 1 or any(re.search(r"\d", t) for t in texts)


def _fresh(name: str, taken: set[str]) -> str:
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{name}_{n}", n + 1
    return candidate
