"""What the generator cannot turn into code (TM901 to TM905), checked before it writes any.

`validate` runs after the design resolved without errors and the structure rules (TM1xx)
passed; it looks at the design the way `ModuleWriter` will render it (its class names, key
types, views), so that every name the module would define twice, every key codec the module
would fail to build at import, and every construct the generated models cannot represent is
reported here, located, instead of as broken code.
"""

from __future__ import annotations

import itertools
import keyword

from tablemodel.check.languages import common_primary_key
from tablemodel.design import PatternDesign, rule_of
from tablemodel.design.writes import steps as write_steps
from tablemodel.diagnostics import Severity
from tablemodel.diagnostics.codes import declare
from tablemodel.generate.naming import (
    MODULE_NAMES,
    PATTERN_OPTIONS,
    RESERVED_MEMBERS,
    class_name,
    python_name,
)
from tablemodel.generate.python import ModuleWriter
from tablemodel.records import record
from tablemodel.runtime.keys import SORT_KEY_MAX_BYTES, KeyCodec
from tablemodel.schema.model import AttributeSpec

__all__ = [
    "GENERATE_CODEC",
    "GENERATE_NAME_CLASH",
    "GENERATE_NO_DISCRIMINATOR",
    "GENERATE_UNRESOLVED_PATTERN",
    "GENERATE_UNSUPPORTED",
    "Problem",
    "validate",
]

# The codes raised here (family `generate`); their docstrings are their pages in docs/rules.md.

GENERATE_NO_DISCRIMINATOR = "TM901"
declare(
    GENERATE_NO_DISCRIMINATOR,
    "generate-needs-discriminator",
    Severity.ERROR,
    "generate",
    """Two entities' primary keys can coincide, and the table has no discriminator attribute.

    Why: without a discriminator, the generated code reads an item back as the one entity
    whose key templates parse its primary key (every index returns the primary key). When
    two entities can write the same primary key (TM501), a read cannot tell which one an
    item is.

    Bad:
        Race:    {keys: {PK: "race-{race_id}", SK: "{racer_id}"}}
        Summary: {keys: {PK: "race-{race_id}", SK: "summary"}}    # racer "summary"

    Good:
        Race:    {keys: {PK: "race-{race_id}", SK: "racer#{racer_id}"}}
        Summary: {keys: {PK: "race-{race_id}", SK: "summary"}}
        # or: table: {discriminator_attribute: entity_type}
    """,
)

GENERATE_NAME_CLASH = "TM902"
declare(
    GENERATE_NAME_CLASH,
    "generate-name-clash",
    Severity.ERROR,
    "generate",
    """An entity or access pattern name clashes with a name the generated module defines.

    Why: entities become classes and patterns become functions in one module, next to its
    imports and helpers (`Model`, `Page`, `configure`, `TABLE`, ...), index classes, views
    of partial reads, and each pattern's `<name>_page` function and `_<NAME>` constant; a
    clash would silently replace one of them.

    Bad:
        entities: {Page: {...}}
        access_patterns: {leaders: {...}, leaders_page: {...}}

    Good:
        entities: {WebPage: {...}}
        access_patterns: {leaders: {...}, leaders_by_page: {...}}
    """,
)

GENERATE_UNSUPPORTED = "TM903"
declare(
    GENERATE_UNSUPPORTED,
    "generate-unsupported",
    Severity.ERROR,
    "generate",
    """The model uses something the generated models do not support (yet).

    Why: an entity attribute named like the discriminator attribute, templates for binary
    (B) keys, and non-integer version attributes have no faithful mapping onto PynamoDB
    models; the generator refuses them rather than emit code that stores something else.

    Bad:
        table: {discriminator_attribute: kind}
        attributes: {kind: string}

    Good:
        table: {discriminator_attribute: entity_type}
        attributes: {kind: string}
    """,
)

GENERATE_UNRESOLVED_PATTERN = "TM904"
declare(
    GENERATE_UNRESOLVED_PATTERN,
    "generate-unresolved-pattern",
    Severity.ERROR,
    "generate",
    """An access pattern does not resolve to a Query or Scan: no function can be generated.

    Why: a generated pattern function sends exactly the pattern's Query (or Scan); a query on
    an unknown index, or without a partition-key equality, has no request to send. `tablemodel
    check` reports the cause.

    Bad:
        key_condition: {SK: {begins_with: "race-"}}

    Good:
        key_condition: {PK: "racer-{racer_id}", SK: {begins_with: "race-"}}
    """,
)

GENERATE_CODEC = "TM905"
declare(
    GENERATE_CODEC,
    "generate-key-codec",
    Severity.ERROR,
    "generate",
    """The key codec cannot be built for a template (ambiguous, or a part it cannot encode).

    Why: the generated code builds one codec per key template when it is imported; a
    template two value tuples can compose to the same key would corrupt data, so it is refused
    here, at generation time, instead of at import.

    Bad:
        SK: "{first}{last}"

    Good:
        SK: "{first}#{last}"
    """,
)


@record
class Problem:
    """Something in the design that the generator cannot turn into code."""

    code: str
    path: tuple[str | int, ...]
    message: str
    expected: str
    entity: str | None = None
    pattern: str | None = None


def validate(writer: ModuleWriter) -> list[Problem]:
    """Every problem of the module `writer` would render, in the order they are found."""
    validation = _Validation(writer)
    validation.check_design()
    validation.check_write_patterns()
    validation.check_codecs()
    validation.check_module_names()
    validation.check_python_names()
    return validation.problems


class _Validation:
    def __init__(self, writer: ModuleWriter) -> None:
        self.design = writer.design
        self.table = writer.table
        self.base = writer.base
        self.key_types = writer.key_types
        self.key_limits = writer.key_limits
        self.views = writer.views
        self.writer = writer
        self.problems: list[Problem] = []

    def problem(
        self,
        code: str,
        path: tuple[str | int, ...],
        message: str,
        expected: str,
        *,
        entity: str | None = None,
        pattern: str | None = None,
    ) -> None:
        self.problems.append(Problem(code, path, message, expected, entity, pattern))

    def check_design(self) -> None:
        """Everything but names and codecs: discriminator, key attributes, chunking, patterns."""
        disc = self.table.discriminator_attribute
        if disc is None:
            self.check_keys_identify()
        if self.base in self.design.entities or self.base in MODULE_NAMES:
            self.problem(
                GENERATE_NAME_CLASH,
                ("table", "name"),
                f"the table model class `{self.base}` clashes with an entity or module name",
                "an entity name other than " + self.base,
            )
        for name, entity in self.design.entities.items():
            epath: tuple[str | int, ...] = ("entities", name)
            if name in MODULE_NAMES or not name.isidentifier() or keyword.iskeyword(name):
                self.problem(
                    GENERATE_NAME_CLASH,
                    epath,
                    f"the entity name `{name}` clashes with a name the generated module uses",
                    "another entity name",
                    entity=name,
                )
            if disc is not None and disc in entity.spec.attributes:
                self.problem(
                    GENERATE_UNSUPPORTED,
                    (*epath, "attributes", disc),
                    f"`{disc}` is both an entity attribute and the table's discriminator"
                    " attribute, which holds the entity's name",
                    "an attribute name other than the discriminator's",
                    entity=name,
                )
            for key_attr in entity.templates:
                if self.key_types.get(key_attr) == "B":
                    plain = key_attr in entity.plain
                    self.problem(
                        GENERATE_UNSUPPORTED,
                        (*epath, "attributes" if plain else "keys", key_attr),
                        f"`{key_attr}` is a binary (B) key; generated models key items on"
                        " strings and numbers only"
                        if plain
                        else f"`{key_attr}` is a binary (B) key; key templates compose strings"
                        " and numbers only",
                        "an S or N key attribute",
                        entity=name,
                    )
            chunking = entity.spec.chunking
            if chunking is not None and (
                entity.spec.version_attribute in chunking.attributes
                or (
                    chunking.codec == "binary"
                    and [entity.spec.attributes[a].type for a in chunking.attributes] != ["binary"]
                )
            ):
                self.problem(
                    GENERATE_UNSUPPORTED,
                    (*epath, "chunking"),
                    "chunking needs attributes other than the version attribute, and the "
                    "binary codec exactly one binary attribute",
                    "codec: json for several attributes, or one binary attribute",
                    entity=name,
                )
            if entity.spec.version_attribute:
                version = entity.spec.attributes.get(entity.spec.version_attribute)
                if version is not None and version.type != "integer":
                    self.problem(
                        GENERATE_UNSUPPORTED,
                        (*epath, "version_attribute"),
                        f"the version attribute `{entity.spec.version_attribute}` is a "
                        f"{version.type}; optimistic locking counts with integers",
                        "an integer attribute",
                        entity=name,
                    )
        for pname, pattern in self.design.patterns.items():
            if not pattern.runnable or pattern.other_conditions:
                self.problem(
                    GENERATE_UNRESOLVED_PATTERN,
                    ("access_patterns", pname),
                    f"access pattern `{pname}` does not resolve to a Query or Scan on a known"
                    " index (see `tablemodel check`)",
                    "a key condition on the index's partition key (and sort key), or"
                    " operation: scan",
                    pattern=pname,
                )
            if pattern.is_scan:
                self.check_scan_filter(pname, pattern)
            if pname in MODULE_NAMES or keyword.iskeyword(pname):
                self.problem(
                    GENERATE_NAME_CLASH,
                    ("access_patterns", pname),
                    f"the access pattern name `{pname}` clashes with a name of the module",
                    "another pattern name",
                    pattern=pname,
                )

    def check_write_patterns(self) -> None:
        """Write patterns become functions: their names, entities and attributes must resolve,
        and their entities must be ones a single request writes whole (TM902-TM904)."""
        for wname, write in self.design.model.write_patterns.items():
            path: tuple[str | int, ...] = ("write_patterns", wname)
            if wname in MODULE_NAMES or keyword.iskeyword(wname):
                self.problem(
                    GENERATE_NAME_CLASH,
                    path,
                    f"the write pattern name `{wname}` clashes with a name of the module",
                    "another pattern name",
                    pattern=wname,
                )
            found = write_steps(self.design, wname, write)
            unresolved = len(found) != len(write.steps) or any(
                attr not in step.entity.spec.attributes
                for step in found
                for attr in (
                    *step.action.condition,
                    *step.action.set,
                    *step.action.remove,
                    *step.action.add,
                )
            )
            if unresolved:
                self.problem(
                    GENERATE_UNRESOLVED_PATTERN,
                    path,
                    f"write pattern `{wname}` names an entity or attribute that does not"
                    " resolve (see `tablemodel check`, TM104 and TM875)",
                    "entities and attributes the model declares",
                    pattern=wname,
                )
                continue
            for step in found:
                spec = step.entity.spec
                if spec.chunking is not None or (
                    spec.version_attribute and step.action.operation != "check"
                ):
                    self.problem(
                        GENERATE_UNSUPPORTED,
                        step.path,
                        f"write pattern `{wname}` writes `{step.entity.name}`, which is"
                        " chunked or versioned: its writes keep a manifest or a version that"
                        " one write-pattern request does not",
                        "an entity without chunking or version_attribute (or its own"
                        " create/put/modify/delete methods)",
                        pattern=wname,
                        entity=step.entity.name,
                    )

    def check_scan_filter(self, pname: str, pattern: PatternDesign) -> None:
        """A Scan's filter may name a key attribute (DynamoDB allows it, unlike a Query's,
        TM305), but generated code builds a filter from an entity attribute's rule, or from
        the discriminator's value: a key composed from a template has neither (TM903)."""
        discriminator = self.design.model.table.discriminator_attribute
        returned = [self.design.entities[e] for e in pattern.returns if e in self.design.entities]
        for attr in pattern.spec.filter:
            if attr == discriminator or any(attr in e.spec.attributes for e in returned):
                continue
            composed = sorted(
                {f'{e.name} writes "{e.templates[attr].source}"' for e in returned}
                if all(attr in e.templates for e in returned) and returned
                else set()
            )
            if composed:
                message = (
                    f"scan `{pname}` filters on key attribute `{attr}`, which its entities"
                    f" compose from a template ({'; '.join(composed)}): generated code filters"
                    " on entity attributes, not on the text of a composed key"
                )
                expected = f"a filter on the attributes `{attr}` is composed from"
            else:
                message = (
                    f"scan `{pname}` filters on `{attr}`, which no entity it returns"
                    " declares; generated scans filter on entity attributes"
                )
                expected = "a filter on an attribute of a returned entity"
            self.problem(
                GENERATE_UNSUPPORTED,
                ("access_patterns", pname, "filter", attr),
                message,
                expected,
                pattern=pname,
            )

    def check_keys_identify(self) -> None:
        """Without a discriminator, an item's primary key must name its entity (TM901)."""
        keys = self.design.table.key_names
        writers = [e for e in self.design.entities.values() if all(e.writes(k) for k in keys)]
        for a, b in itertools.combinations(writers, 2):
            shared = common_primary_key(self.design, a, b)
            if shared is None:
                continue
            example = ", ".join(f'{k}="{v}"' for k, v in shared.items())
            self.problem(
                GENERATE_NO_DISCRIMINATOR,
                ("entities", b.name, "keys"),
                f"`{a.name}` and `{b.name}` can write the same primary key ({example}), so a"
                " read cannot tell which entity an item is, and the table has no discriminator",
                f"key prefixes that tell `{a.name}` and `{b.name}` apart (see TM501), or"
                " `discriminator_attribute: entity_type` under `table`",
                entity=b.name,
            )

    def check_module_names(self) -> None:
        """Every top-level name the module defines is defined once (TM902 otherwise).

        A pattern `leaders` defines `leaders` and `leaders_page`, so a pattern named
        `leaders_page` would silently replace one of them; `a` and `A` share the constant `_A`;
        an entity may be named like an index class or a view. Derived names (index classes,
        views) are claimed first, so the clash is reported at what the model names.
        """
        owners = dict.fromkeys(MODULE_NAMES, "as a name the module itself imports or defines")
        owners[self.base] = "for the table model class"

        def claim(
            name: str,
            what: str,
            path: tuple[str | int, ...],
            *,
            entity: str | None = None,
            pattern: str | None = None,
        ) -> None:
            owner = owners.setdefault(name, what)
            if owner == what:
                return
            self.problem(
                GENERATE_NAME_CLASH,
                path,
                f"the generated module would define `{name}` {what} and {owner}",
                "another name",
                entity=entity,
                pattern=pattern,
            )

        for index in self.design.indexes.values():
            if index.kind != "table" and not index.multi_attribute:
                claim(
                    class_name(index.name) + "Index",
                    f"for the class of index `{index.name}`",
                    index.path,
                )
        for (entity, index_name), (view, _) in self.views.items():
            what = f"for the view of `{entity}` on `{index_name}`"
            claim(view, what, ("entities", entity), entity=entity)
        for name in self.design.entities:
            if name not in MODULE_NAMES and name != self.base:  # check_design() reports those
                claim(name, f"for entity `{name}`", ("entities", name), entity=name)
        for name in self.design.patterns:
            if name in MODULE_NAMES or keyword.iskeyword(name):
                continue  # reported by check_design()
            what = f"for access pattern `{name}`"
            for defined in (name, name + "_page", "_" + name.upper()):
                claim(defined, what, ("access_patterns", name), pattern=name)
        for name in self.design.model.write_patterns:
            if name in MODULE_NAMES or keyword.iskeyword(name):
                continue  # reported by check_design()
            what = f"for write pattern `{name}`"
            for defined in (name, "_WRITE_" + name.upper()):
                claim(defined, what, ("write_patterns", name), pattern=name)

    def check_python_names(self) -> None:
        """Two model names that map to one Python name in one scope (TM902).

        The scopes are the base class (key attributes, the discriminator, index members),
        each entity class (the base's attributes and its own) and each pattern function (its
        parameters). The same model name in two places is one attribute, not a clash.
        """
        base: dict[str, str] = {}

        def clash(
            scope: dict[str, str],
            py: str,
            name: str,
            path: tuple[str | int, ...],
            where: str,
            **who: str,
        ) -> None:
            other = scope.setdefault(py, name)
            if other == name:
                return
            self.problem(
                GENERATE_NAME_CLASH,
                path,
                f"`{name}` and `{other}` both become the Python name `{py}` {where}",
                "names that stay apart once mapped to Python (docs/generate.md: names)",
                **who,
            )

        for py, name, path in self.writer.base_members():
            clash(base, py, name, path, f"in the table class `{self.base}`")
        for entity_name, entity in self.design.entities.items():
            scope = dict(base)
            for attr in entity.spec.attributes:
                clash(
                    scope,
                    python_name(attr, RESERVED_MEMBERS),
                    attr,
                    ("entities", entity_name, "attributes", attr),
                    f"in the class of `{entity_name}`",
                    entity=entity_name,
                )
        for pattern_name, pattern in self.design.patterns.items():
            parameters: dict[str, str] = {}
            for parameter in pattern.parameters:
                clash(
                    parameters,
                    python_name(parameter, PATTERN_OPTIONS),
                    parameter,
                    ("access_patterns", pattern_name, "parameters", parameter),
                    f"among the parameters of `{pattern_name}`",
                    pattern=pattern_name,
                )

    def check_codecs(self) -> None:
        """Build every key codec the module will build at import, to report failures here."""
        codec = self.table.key_codec

        def build(where: str, attr: str, template: str, rules: dict[str, AttributeSpec]) -> str:
            try:
                parts = {var: rule_of(spec).part_spec() for var, spec in rules.items()}
            except ValueError as err:  # a charset the checker reports (TM1xx)
                return str(err)
            try:
                KeyCodec(
                    where,
                    attr,
                    template,
                    parts,
                    key_type="N" if self.key_types.get(attr) == "N" else "S",
                    escape=self.design.encoding_of(attr).escape,
                    delimiters=codec.delimiters,
                    escape_char=codec.escape_character,
                    limit=self.key_limits.get(attr, SORT_KEY_MAX_BYTES),
                    fold_case=self.design.encoding_of(attr).fold_case,
                )
            except ValueError as err:
                return str(err)
            return ""

        for name, entity in self.design.entities.items():
            for key_attr, template in entity.templates.items():
                if self.key_types.get(key_attr) == "B":
                    continue
                rules = {v: entity.spec.attributes[v] for v in template.variable_names}
                error = build(name, key_attr, template.source, rules)
                if error:
                    self.problem(
                        GENERATE_CODEC,
                        ("entities", name, "keys", key_attr),
                        error,
                        "a template the key codec can compose and parse back",
                        entity=name,
                    )
        for pname, pattern in self.design.patterns.items():
            for condition in pattern.key_conditions:
                if self.key_types.get(condition.attribute) == "B":
                    continue
                for template in condition.templates:
                    rules = {v: pattern.parameters[v] for v in template.variable_names}
                    error = build(pname, condition.attribute, template.source, rules)
                    if error:
                        self.problem(
                            GENERATE_CODEC,
                            ("access_patterns", pname, "key_condition", condition.attribute),
                            error,
                            "a template the key codec can compose",
                            pattern=pname,
                        )
