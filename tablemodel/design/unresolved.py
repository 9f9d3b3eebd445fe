"""What does not resolve: the diagnostics resolution records instead of raising.

`Problems` collects them, located in the model's source. Resolving entities
(`tablemodel.design.resolve`) and patterns (`tablemodel.design.patterns`) both parse key
templates (TM101), name entities (TM104) and name attributes (TM107), so those codes are
declared here; each resolver declares the codes only it raises.
"""

from __future__ import annotations

from collections.abc import Mapping

from tablemodel.design.design import Locator
from tablemodel.diagnostics import Diagnostic, PathPart, Severity, codes, did_you_mean
from tablemodel.keylang.templates import KeyTemplate, TemplateSyntaxError, parse_template

TEMPLATE_SYNTAX = codes.declare(
    "TM101",
    "template-syntax",
    Severity.ERROR,
    "structure",
    """A key template that cannot be parsed.

    Why: templates are the single source of every key the entity writes and every key a
    pattern queries; the checker reasons over their parsed form.

    Bad:
        keys: {PK: "racer-{racer_id", SK: "race-{race id}"}

    Good:
        keys: {PK: "racer-{racer_id}", SK: "race-{race_id}"}
    """,
)

UNKNOWN_ENTITY = codes.declare(
    "TM104",
    "unknown-entity",
    Severity.ERROR,
    "structure",
    """A pattern, write pattern or sample section names an entity that is not declared.

    Why: nothing can be proven about an entity the model does not describe.

    Bad:
        returns: [Result]

    Good:
        returns: [RaceResult]
    """,
)

UNKNOWN_ATTRIBUTE = codes.declare(
    "TM107",
    "unknown-attribute",
    Severity.ERROR,
    "structure",
    """An intent, filter, order, projection or entity option names an undeclared attribute.

    Why: the intent is the oracle of a pattern; a condition on an attribute no entity has can
    never be evaluated, and an index cannot project an attribute that does not exist.

    Bad:
        intent: {select: {RaceResult: {raceid: $race_id}}}

    Good:
        intent: {select: {RaceResult: {race_id: $race_id}}}
    """,
)


class Problems:
    """The diagnostics of one resolution, in the order they were found."""

    def __init__(self, locate: Locator) -> None:
        self.found: list[Diagnostic] = []
        self.locate = locate

    def report(
        self, code: codes.CodeInfo, path: tuple[PathPart, ...], message: str, **extra: str | None
    ) -> None:
        self.found.append(
            Diagnostic(
                code=code.code,
                severity=code.severity,
                message=message,
                location=self.locate(path),
                **extra,
            )
        )

    def template(
        self,
        text: str,
        path: tuple[PathPart, ...],
        *,
        entity: str | None = None,
        pattern: str | None = None,
    ) -> KeyTemplate | None:
        """The parsed template, or None with the syntax error reported."""
        try:
            return parse_template(text)
        except TemplateSyntaxError as exc:
            key = path[-1]
            owner = (
                f"the key template of `{entity}` for `{key}`"
                if entity is not None
                else f"the `{key}` condition of pattern `{pattern}`"
            )
            self.report(
                TEMPLATE_SYNTAX,
                path,
                f"{owner} is not a valid template: {exc.message}",
                found=f'"{text}" (at character {exc.column + 1})',
                expected="literal text and `{attribute}` or `{number:05d}` placeholders; write"
                " `{{` and `}}` for literal braces",
                entity=entity,
                pattern=pattern,
            )
            return None

    def unknown_entity(
        self,
        path: tuple[PathPart, ...],
        name: str,
        entities: Mapping[str, object],
        *,
        referrer: str,
        pattern: str | None = None,
    ) -> None:
        self.report(
            UNKNOWN_ENTITY,
            path,
            f"{referrer} `{name}`, which is not an entity of this model",
            found=f"`{name}`",
            expected="one of " + ", ".join(f"`{e}`" for e in sorted(entities)),
            hint=did_you_mean(name, entities),
            pattern=pattern,
        )
