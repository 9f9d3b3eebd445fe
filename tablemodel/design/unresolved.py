"""What does not resolve: the diagnostics resolution records instead of raising.

`Problems` collects them, located in the model's source. Resolving entities
(`tablemodel.design.resolve`) and patterns (`tablemodel.design.patterns`) both parse key
templates and name entities, so those two reports live here.
"""

from __future__ import annotations

from collections.abc import Mapping

from tablemodel.design.design import Locator
from tablemodel.diagnostics import Diagnostic, PathPart, codes, did_you_mean
from tablemodel.keylang.templates import KeyTemplate, TemplateSyntaxError, parse_template


class Problems:
    """The diagnostics of one resolution, in the order they were found."""

    def __init__(self, locate: Locator) -> None:
        self.found: list[Diagnostic] = []
        self.locate = locate

    def report(
        self, code: str, path: tuple[PathPart, ...], message: str, **extra: str | None
    ) -> None:
        self.found.append(
            Diagnostic(
                code=code,
                severity=codes.info(code).severity,
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
                codes.TEMPLATE_SYNTAX,
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
            codes.UNKNOWN_ENTITY,
            path,
            f"{referrer} `{name}`, which is not an entity of this model",
            found=f"`{name}`",
            expected="one of " + ", ".join(f"`{e}`" for e in sorted(entities)),
            hint=did_you_mean(name, entities),
            pattern=pattern,
        )
