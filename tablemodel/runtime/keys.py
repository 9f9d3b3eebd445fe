"""The key codec: compose typed values into DynamoDB keys, build `begins_with` prefixes, parse keys.

A `KeyCodec` serves one key attribute of one entity (`RaceResult.SK` from
`RACE#{race_id}#RACER#{racer_id}`). Its guarantees, checked once when it is built and then on
every value:

- reversible escaping of the delimiters and of the escape character (`#` -> `\\#`,
  `\\` -> `\\\\`), the same rule as `automata.encode_value`, on writes and on queries alike;
- the template is proven unambiguous over the declared part domains (`ambiguity_witness`), so
  two different value tuples never compose the same key;
- every `begins_with` prefix ends at a delimiter or after a fixed-width part, so the prefix for
  `racer-1` never matches `racer-10`;
- integers with a width (`{lap:04d}`) must fit it (negative or wider values are rejected, never
  mis-sorted); strings are NFC-normalised, and case-folded only when the key attribute asks
  for it (`fold_case`: `str.lower()` after NFC, literals included, so that `USER#{name}`
  writes `user#mcdonald` for `McDonald` and a query for `MCDONALD` finds it; a value read
  back from such a key has lost its case, so `recoverable` leaves it out); empty parts,
  missing parts, wrong types, characters outside a part's charset and keys over the byte
  limits are errors that name the entity, the attribute and the limit, raised before any
  request is sent.

Only the standard library and the key-language modules are imported: generated code imports this.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Mapping
from decimal import Context, Decimal, InvalidOperation
from typing import Literal as TypingLiteral
from typing import NoReturn

from tablemodel.diagnostics import TableModelError
from tablemodel.keylang.automata import (
    Encoding,
    ValueDomain,
    ambiguity_witness,
    decode_value,
    encode_value,
    parse_key,
)
from tablemodel.keylang.charset import CharSet
from tablemodel.keylang.templates import KeyTemplate, Literal, Variable, parse_template
from tablemodel.records import record

__all__ = [
    "CHUNK_SORT_KEY_PREFIX",
    "PARTITION_KEY_MAX_BYTES",
    "SORT_KEY_MAX_BYTES",
    "KeyCodec",
    "KeyValueError",
    "PartKind",
    "PartSpec",
    "survives_folding",
]

PARTITION_KEY_MAX_BYTES = 2048
"""A partition key holds 1 to 2,048 UTF-8 bytes."""

SORT_KEY_MAX_BYTES = 1024
"""A sort key holds 1 to 1,024 UTF-8 bytes."""

CHUNK_SORT_KEY_PREFIX = "~chunk#"
"""Sort keys of the chunk items of chunked records start with this (see `runtime.chunks`)."""

NUMBER_MAX_DIGITS = 38
_NUMBER_MIN_EXPONENT = -130
_NUMBER_MAX_EXPONENT = 125

PartKind = TypingLiteral["string", "integer", "number"]
KeyType = TypingLiteral["S", "N"]

_DIGITS = CharSet.range("0", "9")
_EXACT = Context(prec=NUMBER_MAX_DIGITS)
"""Normalises numbers already checked to hold at most 38 digits, without rounding."""
_INTEGER_CHARS = _DIGITS | CharSet.of("-")
_NUMBER_CHARS = _DIGITS | CharSet.of("-.")


class KeyValueError(TableModelError, ValueError):
    """A value cannot be written into (or read out of) a key attribute.

    The message names the entity, the key attribute and the reason, which names the template
    variable and the limit: `RaceResult.SK: racer_id is empty; keys cannot hold empty parts`.
    """

    def __init__(self, entity: str, attribute: str, reason: str) -> None:
        self.entity = entity
        self.attribute = attribute
        self.reason = reason
        super().__init__(f"{entity}.{attribute}: {reason}")


@record
class PartSpec:
    """The type of one template variable.

    `width` repeats the template's zero padding (`{lap:04d}` -> 4) for integer parts;
    `charset` lists the raw characters a string may hold (None: any character);
    `max_length` caps a string's length in characters, after NFC normalisation.
    """

    kind: PartKind = "string"
    width: int | None = None
    charset: CharSet | None = None
    max_length: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("string", "integer", "number"):
            msg = f"unknown part kind {self.kind!r}: expected string, integer or number"
            raise ValueError(msg)
        if self.width is not None and (self.kind != "integer" or self.width < 1):
            msg = f"width {self.width} needs an integer part and a positive width"
            raise ValueError(msg)
        if self.max_length is not None and self.max_length < 1:
            msg = f"max_length must be at least 1, got {self.max_length}"
            raise ValueError(msg)


@record
class _Part:
    """A template variable resolved against its spec."""

    variable: Variable
    kind: PartKind
    charset: CharSet
    max_length: int | None
    closed: bool
    """True when a `begins_with` prefix may end after this part (and its following literal)."""
    plain: CharSet
    """The value characters written as themselves (unescaped)."""

    @property
    def name(self) -> str:
        return self.variable.name


class KeyCodec:
    """Compose, prefix and parse the keys of one key attribute of one entity."""

    def __init__(
        self,
        entity: str,
        attribute: str,
        template: KeyTemplate | str,
        parts: Mapping[str, PartSpec] | None = None,
        *,
        escape: bool = True,
        delimiters: str = "#",
        escape_char: str = "\\",
        key_type: KeyType = "S",
        limit: int = PARTITION_KEY_MAX_BYTES,
        fold_case: bool = False,
    ) -> None:
        self.entity = entity
        self.attribute = attribute
        self.template = parse_template(template) if isinstance(template, str) else template
        self.key_type: KeyType = key_type
        self.limit = limit
        specs = dict(parts or {})
        where = f"{entity}.{attribute} ({self.template.source!r})"
        unknown = sorted(set(specs) - set(self.template.variable_names))
        if unknown:
            msg = f"{where}: parts {unknown} are not variables of the template"
            raise ValueError(msg)
        if key_type not in ("S", "N"):
            msg = f"{where}: key_type must be 'S' or 'N', got {key_type!r}"
            raise ValueError(msg)
        if not 1 <= limit <= PARTITION_KEY_MAX_BYTES:
            msg = f"{where}: limit must be 1..{PARTITION_KEY_MAX_BYTES} bytes, got {limit}"
            raise ValueError(msg)
        if not delimiters and escape:
            msg = f"{where}: escaping needs at least one delimiter"
            raise ValueError(msg)
        self.encoding = Encoding(escape, CharSet.of(delimiters), escape_char, fold_case)
        self.fold_case = fold_case
        special = self.encoding.special if escape else CharSet.empty()
        template_parts = self.template.parts
        resolved: list[_Part] = []
        for index, part in enumerate(template_parts):
            if not isinstance(part, Variable):
                continue
            spec = _resolve_spec(where, part, specs.get(part.name), key_type)
            charset = _charset(spec)
            written = charset.lowered() if fold_case else charset
            plain = written - special
            following = template_parts[index + 1] if index + 1 < len(template_parts) else None
            fixed = part.width is not None and (written & special).is_empty
            ends_at_literal = (
                isinstance(following, Literal)
                and self._literal(following)[0] not in plain
                and not (escape and self._literal(following)[0] == escape_char)
            )
            resolved.append(
                _Part(part, spec.kind, charset, spec.max_length, fixed or ends_at_literal, plain)
            )
        self._parts = tuple(resolved)
        self._by_name = {p.name: p for p in resolved}
        # Folding is lossy where a value may hold characters `str.lower()` changes.
        self.recoverable = frozenset(
            p.name
            for p in resolved
            if not fold_case or survives_folding(specs.get(p.name) or PartSpec(p.kind))
        )
        self._domains = {
            p.name: ValueDomain(p.charset, 1, p.max_length) for p in resolved if p.kind == "string"
        } | {p.name: ValueDomain(p.charset, 1) for p in resolved if p.kind != "string"}
        if key_type == "N":
            if len(template_parts) != 1 or len(resolved) != 1:
                msg = f"{where}: a number key must be a single variable, as in '{{score}}'"
                raise ValueError(msg)
            return
        witness = ambiguity_witness(self.template, self._domains, self.encoding)
        if witness is not None:
            key, first, second = witness
            msg = (
                f"{where}: ambiguous template: the key {key!r} splits as {first} and as "
                f"{second}; escape the separator (key_codec.delimiters) or narrow the charsets"
            )
            raise ValueError(msg)

    def __repr__(self) -> str:
        return f"KeyCodec({self.entity}.{self.attribute}: {self.template.source!r})"

    def _literal(self, part: Literal) -> str:
        """A literal of the template as the key holds it (folded with the values)."""
        return part.text.lower() if self.fold_case else part.text

    # -- public API ------------------------------------------------------------------------

    def compose(self, values: Mapping[str, object]) -> str | int | Decimal:
        """The key for `values` (every variable given); a number for an `N` key."""
        return self._compose(values)

    def _compose(
        self, values: Mapping[str, object], *, written: bool = False
    ) -> str | int | Decimal:
        """`compose`; `written`: string values are checked against each part's charset as a
        folded key writes it (a value parsed back from such a key is folded already)."""
        self._check_names(values)
        if self.key_type == "N":
            part = self._parts[0]
            value = values.get(part.name)
            if value is None:
                self._fail(f"{part.name} is missing; every part of the key must be given")
            return self._number_key(part, value)
        encoded: dict[str, str] = {}
        for part in self._parts:
            value = values.get(part.name)
            if value is None:
                self._fail(
                    f"{part.name} is missing; every part of the key must be given "
                    "(a missing part never makes a shorter key)"
                )
            encoded[part.name] = self._encode(part, value, written=written)
        key = "".join(
            self._literal(p) if isinstance(p, Literal) else encoded[p.name]
            for p in self.template.parts
        )
        self._check_bytes(key, "key")
        return key

    def prefix(self, values: Mapping[str, object]) -> str:
        """A `begins_with` prefix: the key up to the literal after the last given variable.

        Variables must be given in template order, without gaps. The prefix always ends at a
        delimiter or after a fixed-width part, so it matches exactly the keys whose given parts
        equal `values`.
        """
        if self.key_type == "N":
            self._fail("begins_with is not allowed on a number key")
        self._check_names(values)
        given = [p for p in self._parts if values.get(p.name) is not None]
        count = 0
        while count < len(self._parts) and values.get(self._parts[count].name) is not None:
            count += 1
        if len(given) != count:
            missing = self._parts[count].name
            after = next(p.name for p in self._parts[count:] if values.get(p.name) is not None)
            self._fail(
                f"{after} is given but {missing} before it is not; a begins_with prefix takes "
                "the template's variables in order, without gaps"
            )
        out: list[str] = []
        seen = 0
        unclosed: _Part | None = None
        for part in self.template.parts:
            if isinstance(part, Literal):
                out.append(self._literal(part))
                if unclosed is not None:
                    break
                if seen == count:
                    break
                continue
            if unclosed is not None or seen == count:
                break
            resolved = self._by_name[part.name]
            out.append(self._encode(resolved, values[part.name]))
            seen += 1
            if not resolved.closed:
                unclosed = resolved
        if unclosed is not None:
            self._open_prefix(unclosed, "".join(out))
        prefix = "".join(out)
        if not prefix:
            first = self._parts[0].name
            self._fail(
                f"an empty prefix matches every key: give at least {first}, which the "
                "template starts with"
            )
        self._check_bytes(prefix, "prefix")
        return prefix

    def parse(self, key: str | int | Decimal) -> dict[str, object]:
        """The typed values of `key`; KeyValueError when it does not match the template.

        In a folded key (`fold_case`) a string value comes back folded: only the parts in
        `recoverable` are the values that were written.
        """
        if self.key_type == "N":
            part = self._parts[0]
            if isinstance(key, str):
                try:
                    key = Decimal(key)
                except InvalidOperation:
                    self._fail(f"{key!r} is not a number")
            # PynamoDB reads a number key back as a Decimal: an integer part wants an int.
            if (
                part.kind == "integer"
                and isinstance(key, Decimal)
                and key.is_finite()
                and key == key.to_integral_value()
            ):
                key = int(key)
            return {part.name: self._number_key(part, key)}
        if not isinstance(key, str):
            self._fail(f"a string key was expected, got {type(key).__name__}")
        source = self.template.source
        raw = parse_key(self.template, self._domains, self.encoding, key)
        if raw is None:
            self._fail(f"key {key!r} does not match template {source!r}")
        values: dict[str, object] = {}
        try:
            for part in self._parts:
                text = decode_value(raw[part.name], self.encoding)
                values[part.name] = _decode(part, text)
        except (ValueError, InvalidOperation) as err:
            self._fail(f"key {key!r} does not match template {source!r}: {err}")
        try:
            # A folded key holds folded values: they keep to the charset as the key writes it.
            canonical = self._compose(values, written=self.fold_case)
        except KeyValueError as err:
            self._fail(f"key {key!r} does not match template {source!r}: {err.reason}")
        if canonical != key:
            self._fail(
                f"key {key!r} is not in canonical form for template {source!r} "
                f"(the codec writes {canonical!r})"
            )
        return values

    # -- helpers ---------------------------------------------------------------------------

    def _fail(self, reason: str) -> NoReturn:
        raise KeyValueError(self.entity, self.attribute, reason)

    def _check_names(self, values: Mapping[str, object]) -> None:
        unknown = sorted(set(values) - set(self._by_name))
        if unknown:
            names = ", ".join(self.template.variable_names) or "none"
            self._fail(
                f"{', '.join(unknown)} is not a variable of template "
                f"{self.template.source!r} (variables: {names})"
            )

    def _check_bytes(self, text: str, what: str) -> None:
        size = len(text.encode("utf-8"))
        if size > self.limit:
            self._fail(
                f"the composed {what} is {size:,} UTF-8 bytes, over the limit of "
                f"{self.limit:,} bytes"
            )

    def _open_prefix(self, part: _Part, text: str) -> NoReturn:
        extra = "0" if "0" in part.plain else part.plain.sample()
        self._fail(
            f"a begins_with prefix cannot end after {part.name}: nothing after it marks where "
            f"it ends, so {text!r} would also match {text + extra!r}"
        )

    def _encode(self, part: _Part, value: object, *, written: bool = False) -> str:
        name = part.name
        charset = part.charset.lowered() if written else part.charset
        if part.kind == "string":
            if not isinstance(value, str):
                self._fail(f"{name} must be a str, got {type(value).__name__}")
            text = unicodedata.normalize("NFC", value)
            if not text:
                self._fail(f"{name} is empty; keys cannot hold empty parts")
            if part.max_length is not None and len(text) > part.max_length:
                self._fail(
                    f"{name} is {len(text):,} characters long, over its max_length of "
                    f"{part.max_length:,}"
                )
            for ch in text if not charset.is_any else _surrogates(text):
                if ch not in charset:
                    if 0xD800 <= ord(ch) <= 0xDFFF:
                        self._fail(
                            f"{name} holds a lone surrogate U+{ord(ch):04X}, which UTF-8 "
                            "cannot encode"
                        )
                    self._fail(
                        f"{name} holds {ch!r} (U+{ord(ch):04X}), outside its charset "
                        f"{charset.describe()}"
                    )
        elif part.kind == "integer":
            number = self._integer(part, value)
            width = part.variable.width
            if width is not None:
                if not 0 <= number < 10**width:
                    self._fail(
                        f"{name}={number} does not fit {{{name}:0{width}d}}: it must be "
                        f"0..{10**width - 1}; negative or wider numbers would sort out of order"
                    )
                text = f"{number:0{width}d}"
            else:
                text = str(number)
        else:
            text = _decimal_text(self._decimal(part, value))
        return encode_value(text, self.encoding)

    def _integer(self, part: _Part, value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            self._fail(f"{part.name} must be an int, got {type(value).__name__}")
        return value

    def _decimal(self, part: _Part, value: object) -> Decimal:
        name = part.name
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            self._fail(f"{name} must be a number, got {type(value).__name__}")
        number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
        if not number.is_finite():
            self._fail(f"{name} is {number}; DynamoDB numbers must be finite")
        if number.is_zero():
            return Decimal(0)
        # Count without a context: normalize() would round to the context's precision.
        digits = len("".join(map(str, number.as_tuple().digits)).strip("0"))
        if digits > NUMBER_MAX_DIGITS:
            self._fail(
                f"{name} has {digits} significant digits; DynamoDB numbers hold at most "
                f"{NUMBER_MAX_DIGITS}"
            )
        if not _NUMBER_MIN_EXPONENT <= number.adjusted() <= _NUMBER_MAX_EXPONENT:
            self._fail(
                f"{name}={number} is outside DynamoDB's number range "
                f"(magnitude 1E{_NUMBER_MIN_EXPONENT} to under 1E{_NUMBER_MAX_EXPONENT + 1})"
            )
        return number.normalize(_EXACT)

    def _number_key(self, part: _Part, value: object) -> int | Decimal:
        if part.kind == "integer":
            number = self._integer(part, value)
            width = part.variable.width
            if width is not None and not 0 <= number < 10**width:
                self._fail(f"{part.name}={number} must be 0..{10**width - 1}")
            self._decimal(part, number)
            return number
        return self._decimal(part, value)


def _resolve_spec(where: str, variable: Variable, spec: PartSpec | None, key_type: str) -> PartSpec:
    name = variable.name
    if spec is None:
        numeric = variable.fmt is not None or key_type == "N"
        kind: PartKind = "integer" if variable.fmt is not None else "number"
        return PartSpec(kind if numeric else "string", variable.width)
    if variable.fmt is not None and spec.kind != "integer":
        msg = f"{where}: {name} has the integer format {variable.fmt!r} but kind {spec.kind!r}"
        raise ValueError(msg)
    if spec.width is not None and spec.width != variable.width:
        msg = (
            f"{where}: {name} declares width {spec.width} but the template says "
            f"{variable.width}; write the width in the template, as in '{{{name}:0{spec.width}d}}'"
        )
        raise ValueError(msg)
    if key_type == "N" and spec.kind == "string":
        msg = f"{where}: {name} is a string but the key attribute is a number (N)"
        raise ValueError(msg)
    return dataclasses.replace(spec, width=variable.width)


def survives_folding(spec: PartSpec) -> bool:
    """Whether a part's values read back as written from a key folded to lower case: only
    when `str.lower()` changes none of the characters it may hold (digits, `[a-z0-9-]`)."""
    return _charset(spec).fold_invariant


def _charset(spec: PartSpec) -> CharSet:
    if spec.kind == "integer":
        return _DIGITS if spec.width is not None else _INTEGER_CHARS
    if spec.kind == "number":
        return _NUMBER_CHARS
    return spec.charset if spec.charset is not None else CharSet.any()


def _surrogates(text: str) -> str:
    """The characters of `text` that UTF-8 cannot encode (lone surrogates); fast when none."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "".join(ch for ch in text if 0xD800 <= ord(ch) <= 0xDFFF)
    return ""


def _decimal_text(number: Decimal) -> str:
    """Fixed-point text without exponent or trailing zeros: one text per numeric value."""
    if number.is_zero():
        return "0"
    return format(number.normalize(_EXACT), "f")


def _decode(part: _Part, text: str) -> object:
    if part.kind == "string":
        return text
    if part.kind == "integer":
        return int(text)
    return Decimal(text)
