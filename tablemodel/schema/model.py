"""The model language: pydantic classes for a table, its entities and access patterns.

These classes are the user-facing contract. A model file (YAML, JSON or TOML) validates into
`Model`; Python users build the same classes directly. Validation here covers shapes, types
and local constraints only. Cross-references (an entity named by a pattern, an attribute used
in a template) are resolved in `tablemodel.design`, which reports them as located diagnostics.
"""

from collections.abc import Callable
from typing import Annotated, Any, Literal, Self, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from tablemodel.diagnostics import did_you_mean
from tablemodel.runtime.values import AttributeType as AttributeType  # noqa: PLC0414 (re-export)

IDENTIFIER = r"^[A-Za-z_][A-Za-z0-9_]{0,254}$"
INDEX_NAME = r"^[A-Za-z0-9_.\-]{3,255}$"

Identifier = Annotated[str, Field(pattern=IDENTIFIER, description="A name: letters, digits, _")]

ATTRIBUTE_NAME_MAX_BYTES = 65535
"""DynamoDB: an attribute name is 1 to 64 KB of UTF-8."""

KEY_ATTRIBUTE_NAME_MAX_BYTES = 255
"""DynamoDB: the name of a key attribute (of the table or of an index) is 1 to 255 bytes."""


def _name_within(limit: int, what: str) -> Callable[[str], str]:
    """A check that a name is one DynamoDB accepts: 1 to `limit` bytes of UTF-8."""

    def check(name: str) -> str:
        try:
            size = len(name.encode("utf-8"))
        except UnicodeEncodeError:
            msg = f"{what} {name!r} holds a lone surrogate, which UTF-8 cannot encode"
            raise ValueError(msg) from None
        if size > limit:
            msg = f"{what} is {size:,} UTF-8 bytes long; DynamoDB allows at most {limit:,}"
            raise ValueError(msg)
        return name

    return check


AttributeName = Annotated[
    str,
    Field(min_length=1, description="Any name DynamoDB accepts: 1 to 64 KB of UTF-8"),
    AfterValidator(_name_within(ATTRIBUTE_NAME_MAX_BYTES, "an attribute name")),
]
"""An attribute name as DynamoDB accepts it: `GSI1-PK`, `follower#`, `Order Date`, `déjà-vu`."""

KeyAttributeName = Annotated[
    str,
    Field(min_length=1, description="Any name DynamoDB accepts for a key: 1 to 255 bytes"),
    AfterValidator(_name_within(KEY_ATTRIBUTE_NAME_MAX_BYTES, "a key attribute name")),
]
"""The name of a key attribute of the table or of an index: at most 255 bytes of UTF-8."""

ParameterName = Annotated[
    str, Field(min_length=1, description="A pattern parameter; often an attribute's name")
]


class _Strict(BaseModel):
    # defer_build: a class is built when first validated (a model validates them together),
    # not at import, which a command that never loads a model would pay for.
    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=False, defer_build=True
    )


# ---------------------------------------------------------------------------------------------
# Table


KeyType = Literal["S", "N", "B"]


KeyCase = Literal["preserve", "lower"]
_KEY_TYPE_WORDS = {"string": "S", "number": "N", "binary": "B", "integer": "N"}


class KeyAttribute(_Strict):
    """A key attribute of the table or of an index: its name and DynamoDB scalar type.

    `case: lower` folds every key written into it (and every value a query compares with it)
    to lower case; unset, it follows the table's `key_codec.case`.
    """

    name: KeyAttributeName
    type: KeyType = Field("S", description="S (string), N (number) or B (binary)")
    case: KeyCase | None = Field(
        None,
        description="lower: fold this key to lower case (as ElectroDB does); preserve: never;"
        " unset: the table's key_codec.case",
    )

    @field_validator("type", mode="before")
    @classmethod
    def _one_letter(cls, value: Any) -> Any:
        # `type: string` is the natural thing to write; DynamoDB's key types are one letter.
        if isinstance(value, str) and value.lower() in _KEY_TYPE_WORDS:
            letter = _KEY_TYPE_WORDS[value.lower()]
            raise PydanticCustomError(
                "unknown_type",
                "`{type}` is not a key type",
                {
                    "type": value,
                    "expected": "S (string), N (number) or B (binary)",
                    "hint": f"write `{letter}`: key attributes take DynamoDB's one-letter types",
                },
            )
        return value


class Projection(_Strict):
    """Which attributes an index copies: all, keys_only, or include (keys plus a list)."""

    type: Literal["all", "keys_only", "include"] = "all"
    attributes: tuple[AttributeName, ...] = Field((), description="Only with type: include")

    @model_validator(mode="before")
    @classmethod
    def _from_word(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"type": value}
        return value

    @model_validator(mode="after")
    def _attributes_only_with_include(self) -> Self:
        if self.type != "include" and self.attributes:
            msg = f"`attributes` is only allowed with projection type `include`, not `{self.type}`"
            raise ValueError(msg)
        if self.type == "include" and not self.attributes:
            msg = (
                "projection type `include` needs at least one attribute under `attributes`"
                " (DynamoDB refuses an empty list; `keys_only` projects no others)"
            )
            raise ValueError(msg)
        return self


MAX_KEY_ATTRIBUTES = 4
"""Attributes a GSI's partition key, and its sort key, may each have (DynamoDB, Nov. 2025)."""


def _one_key_attribute(owner: str, role: str, value: Any) -> Any:
    """Refuse a list where DynamoDB takes one key attribute, saying where lists are allowed."""
    if isinstance(value, list | tuple):
        msg = (
            f"{owner} has one {role} attribute; only a global secondary index takes a list of"
            f" up to {MAX_KEY_ATTRIBUTES} (a multi-attribute key)"
        )
        raise ValueError(msg)
    return value


class LocalIndex(_Strict):
    """A local secondary index: the table's partition key with another sort key."""

    name: str
    partition_key: KeyAttribute | None = Field(
        None, description="Always the table's partition key; stated only for documentation"
    )
    sort_key: KeyAttribute
    projection: Projection = Field(default_factory=Projection)

    @field_validator("partition_key", "sort_key", mode="before")
    @classmethod
    def _single(cls, value: Any, info: ValidationInfo) -> Any:
        role = "partition key" if info.field_name == "partition_key" else "sort key"
        return _one_key_attribute("a local secondary index", role, value)


KeyAttributes = Annotated[
    tuple[KeyAttribute, ...],
    Field(
        min_length=1,
        max_length=MAX_KEY_ATTRIBUTES,
        description="A multi-attribute key: 1 to 4 attributes, each with its own type",
    ),
]


class GlobalIndex(_Strict):
    """A global secondary index: its own partition key and optional sort key.

    Each key is one attribute or a list of up to four (a multi-attribute key): items are
    partitioned by every partition-key attribute and sorted by the sort-key attributes in
    order, each by its own type.
    """

    name: str
    partition_key: KeyAttribute | KeyAttributes
    sort_key: KeyAttribute | KeyAttributes | None = None
    projection: Projection = Field(default_factory=Projection)

    @field_validator("partition_key", "sort_key", mode="before")
    @classmethod
    def _count(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, list | tuple) and not 1 <= len(value) <= MAX_KEY_ATTRIBUTES:
            role = "partition key" if info.field_name == "partition_key" else "sort key"
            msg = (
                f"a {role} has 1 to {MAX_KEY_ATTRIBUTES} attributes (DynamoDB's limit for a"
                f" multi-attribute key), found {len(value)}"
            )
            raise ValueError(msg)
        return value

    @property
    def partition_keys(self) -> tuple[KeyAttribute, ...]:
        """The partition-key attributes, in KeySchema order (one for a single-attribute key)."""
        key = self.partition_key
        return key if isinstance(key, tuple) else (key,)

    @property
    def sort_keys(self) -> tuple[KeyAttribute, ...]:
        """The sort-key attributes, in KeySchema order (none when the index has no sort key)."""
        key = self.sort_key
        if key is None:
            return ()
        return key if isinstance(key, tuple) else (key,)


class Billing(_Strict):
    mode: Literal["PAY_PER_REQUEST", "PROVISIONED"] = "PAY_PER_REQUEST"
    read_capacity: int | None = Field(None, ge=1)
    write_capacity: int | None = Field(None, ge=1)

    @model_validator(mode="after")
    def _capacity_matches_mode(self) -> Self:
        has_capacity = self.read_capacity is not None or self.write_capacity is not None
        if self.mode == "PROVISIONED" and (
            self.read_capacity is None or self.write_capacity is None
        ):
            msg = "PROVISIONED billing needs both read_capacity and write_capacity"
            raise ValueError(msg)
        if self.mode == "PAY_PER_REQUEST" and has_capacity:
            msg = "PAY_PER_REQUEST billing takes no read_capacity or write_capacity"
            raise ValueError(msg)
        return self


StreamView = Literal["NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY"]


class KeyCodec(_Strict):
    """How attribute values are written into string keys.

    With `escape: true` (the tablemodel runtime's codec) every occurrence of a delimiter or of
    the escape character inside a value is escaped, so values can never be confused with the
    template's literals. Set `escape: false` for tables whose keys other code writes raw: the
    checker then reasons about raw values and reports every delimiter hazard.
    """

    escape: bool = True
    delimiters: str = Field("#", min_length=1, description="Characters escaped inside values")
    escape_character: str = Field("\\", min_length=1, max_length=1)
    case: KeyCase = Field(
        "preserve",
        description="lower: fold every string key to lower case (ElectroDB's default);"
        " preserve: keep values as written. A key attribute's own `case` overrides it.",
    )


class Table(_Strict):
    """The physical table: keys, indexes, billing, TTL and streams."""

    name: str = Field(pattern=INDEX_NAME)
    partition_key: KeyAttribute
    sort_key: KeyAttribute | None = None
    local_indexes: tuple[LocalIndex, ...] = ()
    global_indexes: tuple[GlobalIndex, ...] = ()
    billing: Billing = Field(default_factory=Billing)
    ttl_attribute: AttributeName | None = None
    stream: StreamView | None = None
    discriminator_attribute: AttributeName | None = Field(
        None,
        description="Attribute holding each item's entity type (PynamoDB's discriminator)",
    )
    key_codec: KeyCodec = Field(default_factory=KeyCodec)

    @field_validator("partition_key", "sort_key", mode="before")
    @classmethod
    def _single(cls, value: Any, info: ValidationInfo) -> Any:
        role = "partition key" if info.field_name == "partition_key" else "sort key"
        return _one_key_attribute("the table", role, value)

    def key_attributes(self) -> list[KeyAttribute]:
        """Every key attribute declaration of the table and its indexes, in file order (each
        attribute of a multi-attribute key on its own)."""
        keys = [self.partition_key, self.sort_key]
        for lsi in self.local_indexes:
            keys += [lsi.partition_key, lsi.sort_key]
        for gsi in self.global_indexes:
            keys += [*gsi.partition_keys, *gsi.sort_keys]
        return [key for key in keys if key is not None]

    @model_validator(mode="after")
    def _folded_keys_keep_their_syntax(self) -> Self:
        folds = self.key_codec.case == "lower" or any(
            key.case == "lower" for key in self.key_attributes()
        )
        codec = self.key_codec
        changed = sorted({c for c in codec.delimiters + codec.escape_character if c.lower() != c})
        if folds and changed:
            msg = (
                f"keys folded to lower case cannot use {', '.join(map(repr, changed))} as a"
                " delimiter or escape character: folding would turn it into another character"
            )
            raise ValueError(msg)
        return self


# ---------------------------------------------------------------------------------------------
# Entities

_SHORTHAND_TYPES = set(get_args(AttributeType))
_TYPE_NAMES = ", ".join(get_args(AttributeType))


def _unknown_type(word: str, *, shorthand: bool) -> PydanticCustomError:
    ctx: dict[str, str] = {
        "type": word,
        "expected": f"one of {_TYPE_NAMES}" + (" (with ? for optional)" if shorthand else ""),
    }
    hint = did_you_mean(word, _SHORTHAND_TYPES)
    if hint:
        ctx["hint"] = hint
    return PydanticCustomError("unknown_type", "unknown type `{type}`", ctx)


class AttributeSpec(_Strict):
    """A typed entity attribute, with the bounds that matter for keys and item size."""

    type: AttributeType
    optional: bool = False
    description: str | None = None
    min_length: int | None = Field(None, ge=0, description="Characters (string) or bytes")
    max_length: int | None = Field(None, ge=0, description="Characters (string) or bytes")
    charset: str | None = Field(
        None,
        description=(
            "Characters a string may contain: a class like `[a-z0-9-]` or one of "
            "any, alnum, alpha, digits, lower, upper, hex, uuid, word"
        ),
    )
    minimum: float | None = None
    maximum: float | None = None
    max_items: int | None = Field(None, ge=0)
    values: tuple[str, ...] = Field((), description="Allowed values of an enum")
    items: "AttributeSpec | None" = Field(None, description="Element type of a list")

    @model_validator(mode="before")
    @classmethod
    def _from_shorthand(cls, value: Any) -> Any:
        # `racer_id: string` and `nickname: string?` are shorthands.
        if isinstance(value, str):
            optional = value.endswith("?")
            word = value[:-1] if optional else value
            if word in _SHORTHAND_TYPES:
                return {"type": word, "optional": optional}
            raise _unknown_type(word, shorthand=True)
        return value

    @field_validator("type", mode="before")
    @classmethod
    def _known_type(cls, value: Any) -> Any:
        if isinstance(value, str) and value not in _SHORTHAND_TYPES:
            raise _unknown_type(value, shorthand=False)
        return value

    @model_validator(mode="after")
    def _bounds_fit_type(self) -> Self:
        text_like = {"string", "binary", "datetime", "date", "enum"}
        numeric = {"number", "integer"}
        collections = {"list", "map", "string_set", "number_set", "binary_set"}
        if (self.min_length is not None or self.max_length is not None) and (
            self.type not in text_like
        ):
            msg = f"min_length/max_length apply to strings and binary, not to `{self.type}`"
            raise ValueError(msg)
        if self.charset is not None and self.type not in {"string", "enum"}:
            msg = f"charset applies to strings, not to `{self.type}`"
            raise ValueError(msg)
        if (self.minimum is not None or self.maximum is not None) and self.type not in numeric:
            msg = f"minimum/maximum apply to numbers, not to `{self.type}`"
            raise ValueError(msg)
        if self.max_items is not None and self.type not in collections:
            msg = f"max_items applies to lists, maps and sets, not to `{self.type}`"
            raise ValueError(msg)
        if self.type == "enum" and not self.values:
            msg = "an enum needs `values`"
            raise ValueError(msg)
        if self.type != "enum" and self.values:
            msg = "`values` is only allowed on enums"
            raise ValueError(msg)
        if self.items is not None and self.type != "list":
            msg = "`items` is only allowed on lists"
            raise ValueError(msg)
        if (
            self.min_length is not None
            and self.max_length is not None
            and self.min_length > self.max_length
        ):
            msg = f"min_length {self.min_length} is greater than max_length {self.max_length}"
            raise ValueError(msg)
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            msg = f"minimum {self.minimum} is greater than maximum {self.maximum}"
            raise ValueError(msg)
        return self


def _one_or_many(value: Any) -> Any:
    return (
        (value,) if isinstance(value, str | int | float) and not isinstance(value, bool) else value
    )


class StateMachine(_Strict):
    """The states an entity's items go through, declared once for every write pattern.

    `attribute` holds the state; `initial` lists the states an item may be created in;
    `transitions` maps each state to the states a write may move it to (a state missing from
    it, or mapped to `[]`, is final). The checker proves every write pattern of the entity
    moves items only along these transitions; `check --run` tries every other one.
    """

    attribute: AttributeName
    initial: tuple[str, ...] = Field(min_length=1, description="States a new item starts in")
    transitions: dict[str, tuple[str, ...]] = Field(
        default_factory=dict, description="State to the states a write may move it to"
    )

    @field_validator("initial", mode="before")
    @classmethod
    def _initial_one_or_many(cls, value: Any) -> Any:
        return _one_or_many(value)

    @field_validator("transitions", mode="before")
    @classmethod
    def _targets_one_or_many(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: (() if v is None else _one_or_many(v)) for k, v in value.items()}
        return value

    @property
    def states(self) -> tuple[str, ...]:
        """Every state the machine names, in order of first mention."""
        seen: dict[str, None] = dict.fromkeys(self.initial)
        for source, targets in self.transitions.items():
            seen.setdefault(source)
            for target in targets:
                seen.setdefault(target)
        return tuple(seen)

    def allows(self, source: str, target: str) -> bool:
        return target in self.transitions.get(source, ())


class Chunking(_Strict):
    """Attributes stored across several items when a record outgrows 400 KB (roadmap item 4)."""

    attributes: tuple[AttributeName, ...] = Field(min_length=1)
    codec: Literal["json", "binary"] = "json"
    compress: bool = False


class Entity(_Strict):
    """An entity type stored in the table, with a key template for every key it writes."""

    description: str | None = None
    discriminator: str | None = Field(
        None, description="Discriminator value; defaults to the entity's name"
    )
    attributes: dict[AttributeName, AttributeSpec]
    keys: dict[KeyAttributeName, str] = Field(
        default_factory=dict,
        description="Key attribute name to template, e.g. PK: 'racer-{racer_id}'; an attribute"
        " named like a key attribute is that key and needs no template",
    )
    version_attribute: AttributeName | None = Field(
        None, description="Attribute used for optimistic locking"
    )
    chunking: Chunking | None = None
    states: StateMachine | None = Field(
        None, description="The state machine of the entity's items (see write patterns)"
    )
    together: tuple[tuple[AttributeName, ...], ...] = Field(
        (),
        description="Groups of optional attributes written together: an item has every"
        " attribute of a group or none of them",
    )

    @field_validator("together")
    @classmethod
    def _groups_of_two_or_more(
        cls, value: tuple[tuple[str, ...], ...]
    ) -> tuple[tuple[str, ...], ...]:
        for group in value:
            if len(set(group)) < 2:
                msg = f"a group written together names two attributes or more, found {list(group)}"
                raise ValueError(msg)
        return value


# ---------------------------------------------------------------------------------------------
# Access patterns

SortOperator = Literal["eq", "lt", "lte", "gt", "gte", "between", "begins_with"]
KEY_OPERATORS: tuple[str, ...] = ("eq", "lt", "lte", "gt", "gte", "between", "begins_with")


class KeyCondition(_Strict):
    """One attribute's part of a key condition: an operator and one or two templates."""

    operator: SortOperator = "eq"
    templates: tuple[str, ...]

    @model_validator(mode="before")
    @classmethod
    def _from_shorthand(cls, value: Any) -> Any:
        # `PK: "racer-{racer_id}"` means equality; `SK: {begins_with: "race-"}` an operator.
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            return {"operator": "eq", "templates": (str(value),)}
        if (
            isinstance(value, dict)
            and len(value) > 1
            and not {"operator", "templates"} & set(value)
        ):
            unknown = [op for op in value if op not in KEY_OPERATORS]
            if unknown:
                msg = (
                    f"unknown key operator `{unknown[0]}`; expected one of"
                    f" {', '.join(KEY_OPERATORS)}"
                )
                raise ValueError(msg)
            msg = (
                "a key condition takes one operator per key attribute (DynamoDB allows one"
                f" condition on each key), found {', '.join(value)}; for two bounds write"
                " `between: [low, high]`"
            )
            raise ValueError(msg)
        if (
            isinstance(value, dict)
            and len(value) == 1
            and not {"operator", "templates"} & set(value)
        ):
            ((op, operand),) = value.items()
            if op in KEY_OPERATORS:
                if op == "between":
                    if not isinstance(operand, list | tuple) or len(operand) != 2:
                        msg = "`between` takes a list of two templates: [low, high]"
                        raise ValueError(msg)
                    return {"operator": op, "templates": tuple(_scalar_text(v) for v in operand)}
                return {"operator": op, "templates": (_scalar_text(operand),)}
            msg = f"unknown key operator `{op}`; expected one of {', '.join(KEY_OPERATORS)}"
            raise ValueError(msg)
        return value

    @model_validator(mode="after")
    def _arity(self) -> Self:
        wanted = 2 if self.operator == "between" else 1
        if len(self.templates) != wanted:
            msg = f"`{self.operator}` takes {wanted} template(s), found {len(self.templates)}"
            raise ValueError(msg)
        return self


def _scalar_text(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return str(value)
    return value


IntentOperator = Literal[
    "eq", "ne", "lt", "lte", "gt", "gte", "between", "begins_with", "in", "exists"
]
INTENT_OPERATORS: tuple[str, ...] = (
    "eq",
    "ne",
    "lt",
    "lte",
    "gt",
    "gte",
    "between",
    "begins_with",
    "in",
    "exists",
)

Scalar = str | int | float | bool


class Predicate(_Strict):
    """A condition on one attribute: `race_id: $race_id`, `{gte: $since}`, or several bounds
    at once, all of which must hold: `{gte: $start, lt: $end}`.

    Strings starting with `$` name a parameter of the pattern (`$$` for a literal `$`). In
    Python, `operator` and `operands` hold the first condition and `also` the others;
    `terms` lists them all, one operator each.
    """

    operator: IntentOperator = "eq"
    operands: tuple[Scalar, ...]
    also: "tuple[Predicate, ...]" = Field(
        (), description="More conditions on the same attribute (written as more operators)"
    )

    @model_validator(mode="before")
    @classmethod
    def _from_shorthand(cls, value: Any) -> Any:
        if isinstance(value, str | int | float | bool):
            return {"operator": "eq", "operands": (value,)}
        if isinstance(value, dict) and value and not {"operator", "operands", "also"} & set(value):
            unknown = [op for op in value if op not in INTENT_OPERATORS]
            if unknown:
                msg = (
                    f"unknown operator `{unknown[0]}`; expected one of"
                    f" {', '.join(INTENT_OPERATORS)}"
                )
                raise ValueError(msg)
            terms = [_one_term(op, operand) for op, operand in value.items()]
            return {**terms[0], "also": tuple(terms[1:])}
        return value

    @model_validator(mode="after")
    def _arity(self) -> Self:
        if self.operator == "between" and len(self.operands) != 2:
            msg = f"`between` takes two values, found {len(self.operands)}"
            raise ValueError(msg)
        if self.operator == "in" and not 1 <= len(self.operands) <= 100:
            msg = f"`in` takes 1 to 100 values (DynamoDB's limit), found {len(self.operands)}"
            raise ValueError(msg)
        if self.operator == "exists" and not isinstance(self.operands[0], bool):
            msg = "`exists` takes true or false"
            raise ValueError(msg)
        if self.operator not in {"between", "in"} and len(self.operands) != 1:
            msg = f"`{self.operator}` takes one value, found {len(self.operands)}"
            raise ValueError(msg)
        if any(term.also for term in self.also):
            msg = "conditions listed under `also` take no `also` of their own"
            raise ValueError(msg)
        return self

    @property
    def terms(self) -> "tuple[Predicate, ...]":
        """Every condition on the attribute, one operator each (all must hold)."""
        if not self.also:
            return (self,)
        return (self.model_copy(update={"also": ()}), *self.also)


def _one_term(op: str, operand: Any) -> dict[str, Any]:
    if op in {"between", "in"}:
        if not isinstance(operand, list | tuple) or not operand:
            msg = f"`{op}` takes a list of values"
            raise ValueError(msg)
        return {"operator": op, "operands": tuple(operand)}
    return {"operator": op, "operands": (operand,)}


class OrderTerm(_Strict):
    """One term of an intent's order: an attribute and a direction."""

    attribute: AttributeName
    direction: Literal["asc", "desc"] = "asc"

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        # `output desc`, `-output` and `output` are shorthands; the attribute is everything
        # but the direction, so `Order Date desc` orders by `Order Date`. A name that starts
        # with `-` or ends in ` asc`/` desc` takes the mapping form.
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("-"):
                return {"attribute": text[1:].strip(), "direction": "desc"}
            head, _, last = text.rpartition(" ")
            if head.strip() and last.lower() in {"asc", "desc"}:
                return {"attribute": head.strip(), "direction": last.lower()}
            return {"attribute": text}
        return value


class Intent(_Strict):
    """What a pattern must return, stated with entity attributes, independent of keys.

    `select` maps each entity type to the conditions its items must meet (an empty mapping
    selects every item of that type); `order_by` and `limit` say how the result is ordered
    and cut. The runner evaluates this in plain Python over the sample data; the checker
    proves the key condition implements it where it can.
    """

    description: str | None = None
    select: dict[Identifier, dict[AttributeName, Predicate]] = Field(min_length=1)
    order_by: tuple[OrderTerm, ...] = ()
    limit: int | str | None = Field(None, description="A number or a `$parameter`")

    @field_validator("limit")
    @classmethod
    def _limit_is_a_count_or_a_parameter(cls, value: int | str | None) -> int | str | None:
        if isinstance(value, int) and value < 0:
            msg = f"a limit is a whole number of items, 0 or more; found {value}"
            raise ValueError(msg)
        if isinstance(value, str) and (
            len(value) < 2 or not value.startswith("$") or value[1] == "$"
        ):
            msg = f"a limit is a number or a `$parameter`; found {value!r}"
            raise ValueError(msg)
        return value

    @field_validator("select", mode="before")
    @classmethod
    def _none_is_everything(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: ({} if v is None else v) for k, v in value.items()}
        if isinstance(value, list) and all(isinstance(name, str) for name in value):
            return {name: {} for name in value}
        return value


class AccessPattern(_Strict):
    """A read: the index, key condition, order, limit and the intent it must implement.

    A `query` (the default) names a partition with its key condition; a `scan` reads the
    whole table or index (a sparse index holds only the items that write its keys), with an
    optional filter and no key condition or order.
    """

    description: str
    operation: Literal["query", "scan"] = Field(
        "query", description="query (default): a key condition; scan: the whole table or index"
    )
    index: str = Field("table", description="`table` or the name of an LSI or GSI")
    key_condition: dict[KeyAttributeName, KeyCondition] = Field(
        default_factory=dict, description="A query's condition on the index keys"
    )
    filter: dict[AttributeName, Predicate] = Field(
        default_factory=dict, description="FilterExpression conditions on non-key attributes"
    )
    parameters: dict[ParameterName, AttributeSpec] = Field(
        default_factory=dict,
        description="Parameter types; undeclared ones take the type of the returned "
        "entities' attribute of the same name",
    )
    order: Literal["ascending", "descending"] = "ascending"
    limit: int | None = Field(None, ge=1)
    consistent_read: bool = False
    returns: tuple[Identifier, ...] = Field(min_length=1)
    attributes: tuple[AttributeName, ...] | None = Field(
        None, description="Attributes the caller reads; all of the entity's when omitted"
    )
    caller: Identifier | None = Field(
        None,
        description="The parameter that holds the caller's own identity: the IAM export ties "
        "the partition key to it (dynamodb:LeadingKeys)",
    )
    intent: Intent
    examples: tuple[dict[ParameterName, Scalar], ...] = Field(
        (),
        description="Parameter sets `check --run` always calls the pattern with (published"
        " examples), each giving every parameter, written as in fixture files",
    )

    @model_validator(mode="after")
    def _conditions_fit_operation(self) -> Self:
        if self.operation == "query" and not self.key_condition:
            msg = (
                "a query needs a `key_condition` on the index's partition key; a pattern that"
                " reads the whole table or index is `operation: scan`"
            )
            raise ValueError(msg)
        if self.operation == "scan" and self.key_condition:
            msg = (
                "a scan takes no `key_condition` (it reads every item of the table or index);"
                " conditions on other attributes go under `filter`"
            )
            raise ValueError(msg)
        if self.operation == "scan" and "order" in self.model_fields_set:
            msg = "a scan returns items in no defined order, so it takes no `order`"
            raise ValueError(msg)
        return self


# ---------------------------------------------------------------------------------------------
# Write patterns: state machines declared per entity, and the writes that move items


WriteOperation = Literal["create", "put", "update", "delete", "check"]
WRITE_OPERATIONS: tuple[str, ...] = ("create", "put", "update", "delete", "check")


class WriteAction(_Strict):
    """One item write: what it writes, on which condition.

    `create` writes a new item (the key must not exist); `put` writes the whole item whether
    or not one exists; `update` changes named attributes of an existing item (`set`, `remove`,
    `add`); `delete` removes it; `check` (only inside a transaction) writes nothing and
    fails the transaction unless its condition holds. Values are literals or `$parameters`.
    """

    operation: WriteOperation
    entity: Identifier
    condition: dict[AttributeName, Predicate] = Field(
        default_factory=dict, description="Conditions on the current item, all of which must hold"
    )
    set: dict[AttributeName, Scalar] = Field(
        default_factory=dict,
        description="Attribute to value (a literal or a `$parameter`); create and put take"
        " every other attribute as a parameter",
    )
    remove: tuple[AttributeName, ...] = Field((), description="Attributes an update removes")
    add: dict[AttributeName, int | float | str] = Field(
        default_factory=dict,
        description="Atomic counters: attribute to the amount an update adds (negative"
        " subtracts), a number or a `$parameter`",
    )

    @model_validator(mode="after")
    def _fits_operation(self) -> Self:
        if self.operation != "update" and (self.remove or self.add):
            msg = f"`remove` and `add` belong to an update, not to a {self.operation}"
            raise ValueError(msg)
        if self.operation in {"delete", "check"} and self.set:
            msg = f"a {self.operation} writes no attributes, so it takes no `set`"
            raise ValueError(msg)
        if self.operation == "create" and self.condition:
            msg = (
                "a create's condition is fixed (the key does not exist); a write on a condition"
                " about the current item is a put or an update"
            )
            raise ValueError(msg)
        if self.operation == "update" and not (self.set or self.remove or self.add):
            msg = "an update changes something: give `set`, `remove` or `add`"
            raise ValueError(msg)
        if self.operation == "check" and not self.condition:
            msg = "a check action exists for its condition: give `condition`"
            raise ValueError(msg)
        both = sorted(set(self.set) & set(self.remove) | set(self.set) & set(self.add))
        both += sorted(set(self.remove) & set(self.add))
        if both:
            msg = f"`{both[0]}` is written twice in one action (set, remove, add)"
            raise ValueError(msg)
        return self


class WritePattern(_Strict):
    """A write the application makes: one action, or a transaction of several.

    Without `actions`, the pattern itself is the action (`operation`, `entity`, `condition`,
    `set`, `remove`, `add`). `operation: transact` lists its `actions` (up to 100, 4 MB in
    all), which succeed or fail together.
    """

    description: str
    operation: Literal["create", "put", "update", "delete", "transact"]
    entity: Identifier | None = None
    condition: dict[AttributeName, Predicate] = Field(default_factory=dict)
    set: dict[AttributeName, Scalar] = Field(default_factory=dict)
    remove: tuple[AttributeName, ...] = ()
    add: dict[AttributeName, int | float | str] = Field(default_factory=dict)
    actions: tuple[WriteAction, ...] = Field((), description="A transaction's actions, in order")
    parameters: dict[ParameterName, AttributeSpec] = Field(
        default_factory=dict,
        description="Parameter types; undeclared ones take the type of the attribute they are"
        " written to or compared with",
    )
    idempotency_key: ParameterName | None = Field(
        None,
        description="A parameter naming the request: a retry with the same value does not"
        " apply twice",
    )

    @model_validator(mode="after")
    def _one_action_or_a_transaction(self) -> Self:
        if self.operation == "transact":
            if not self.actions:
                msg = "a transaction lists its `actions`"
                raise ValueError(msg)
            if self.entity is not None or self.condition or self.set or self.remove or self.add:
                msg = (
                    "a transaction's writes go in its `actions`; `entity`, `condition`, `set`,"
                    " `remove` and `add` belong to each action"
                )
                raise ValueError(msg)
            return self
        if self.actions:
            msg = "only `operation: transact` takes `actions`"
            raise ValueError(msg)
        if self.entity is None:
            msg = f"a {self.operation} names the `entity` it writes"
            raise ValueError(msg)
        WriteAction.model_validate(self.action_data())
        return self

    def action_data(self) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "entity": self.entity,
            "condition": self.condition,
            "set": self.set,
            "remove": self.remove,
            "add": self.add,
        }

    @property
    def steps(self) -> tuple[WriteAction, ...]:
        """The actions the pattern performs: its own, or its transaction's."""
        if self.operation == "transact":
            return self.actions
        return (WriteAction.model_validate(self.action_data()),)


# ---------------------------------------------------------------------------------------------
# Sample data: what `tablemodel.run.sample` generates and loads for `check --run`


class SampleEntity(_Strict):
    """How many items of one entity the sample holds, and which items they belong to.

    With a `parent`, each item copies the values of a parent item for every attribute of the
    same name, so that the two entity types share partitions as they do in production.
    """

    count: int | None = Field(
        None,
        ge=0,
        le=100_000,
        description="Items of this entity (default: per_parent for each parent item, else 3)",
    )
    parent: Identifier | None = Field(None, description="Entity whose items these belong to")
    per_parent: int | None = Field(
        None, ge=1, le=10_000, description="Items for each parent item (default 3)"
    )
    values: dict[AttributeName, tuple[Scalar, ...]] = Field(
        default_factory=dict, description="Explicit choices for attributes"
    )


class Sample(_Strict):
    """The sample data the runner loads: generated items, fixture files, or both."""

    seed: int = 0
    hostile: bool = Field(True, description="Include hostile key values (delimiters, prefixes)")
    generate: bool = Field(True, description="Generate items; false: load only the fixtures")
    entities: dict[Identifier, SampleEntity] = Field(default_factory=dict)
    fixtures: tuple[str, ...] = Field(
        (), description="JSON Lines or YAML files of items, relative to the model file"
    )


# ---------------------------------------------------------------------------------------------


class Model(_Strict):
    """A whole tablemodel document."""

    version: Literal[1] = 1
    description: str | None = None
    table: Table
    entities: dict[Identifier, Entity] = Field(min_length=1)
    access_patterns: dict[Identifier, AccessPattern] = Field(default_factory=dict)
    write_patterns: dict[Identifier, WritePattern] = Field(default_factory=dict)
    sample: Sample = Field(default_factory=Sample)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of model files, for editors."""
    schema = Model.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "tablemodel model file"
    return schema
