"""Projection: does the queried index hold what the pattern reads?"""

from __future__ import annotations

from collections.abc import Iterator

from tablemodel.check.analysis import Analysis
from tablemodel.check.registry import Finding, rule
from tablemodel.design import Design, recoverable
from tablemodel.diagnostics import Severity, quoted


@rule("TM701", "attribute-not-projected", Severity.ERROR, "projection")
def check_attributes_projected(design: Design, analysis: Analysis) -> Iterator[Finding]:
    """A pattern reads attributes that its index does not project.

    Why: a GSI returns only what it projects, so the attribute is silently missing from
    every result. An LSI fetches unprojected attributes from the table, at the cost of an
    extra read per item (a warning). Attributes that can be decoded from projected keys count
    as projected.

    Bad:
        global_indexes: [{name: leaderboard, ..., projection: keys_only}]
        leaderboard pattern returns RaceResult with its `results` attribute

    Good:
        global_indexes:
          - {name: leaderboard, ..., projection: {type: include, attributes: [results]}}
    """
    for pattern in design.patterns.values():
        index = pattern.index
        if index is None:
            continue
        projected = design.projected_attributes(index)
        if projected is None:
            continue
        for name in pattern.returns:
            entity = design.entities[name]
            wanted = pattern.spec.attributes or tuple(entity.spec.attributes)
            have = recoverable(entity, projected)
            missing = [a for a in wanted if a in entity.spec.attributes and a not in have]
            if not missing:
                continue
            lsi = index.kind == "lsi"
            consequence = (
                "fetched from the table at an extra read per item"
                if lsi
                else "never returned by this index"
            )
            included = index.projection.attributes
            yield Finding(
                (*pattern.path, "index"),
                f"pattern `{pattern.name}` reads {quoted(missing)} of `{name}`, which"
                f" {index.label} does not project: {consequence}",
                found=f"projection {index.projection.type}"
                + (f" of {quoted(included)}" if included else ""),
                expected="a projection including " + quoted(missing),
                hint="project them (include or all), or list only what the caller reads under"
                " `attributes`",
                pattern=pattern.name,
                entity=name,
                severity=Severity.WARNING if lsi else None,
            )


@rule("TM702", "discriminator-not-projected", Severity.ERROR, "projection")
def check_discriminator_projected(design: Design, analysis: Analysis) -> Iterator[Finding]:
    """An index used by a pattern does not project the discriminator attribute.

    Why: PynamoDB's polymorphic models filter every query, index queries included, on the
    discriminator. Without it in the index, moto returns no items at all and DynamoDB Local
    raises a ValidationException: the pattern silently returns nothing in tests.

    Bad:
        table: {discriminator_attribute: entity_type}
        local_indexes:
          - {name: by_output, sort_key: {name: Numeric, type: N}, projection: keys_only}

    Good:
        local_indexes:
          - {name: by_output, ..., projection: {type: include, attributes: [entity_type]}}
    """
    attribute = design.model.table.discriminator_attribute
    if attribute is None:
        return
    # One finding per pattern, so that each pattern that returns nothing is marked as failing.
    for pattern in design.patterns.values():
        index = pattern.index
        if index is None:
            continue
        projected = design.projected_attributes(index)
        if projected is None or attribute in projected or design.fetches_items(pattern):
            continue  # (an LSI asked for whole items returns the discriminator from the table)
        yield Finding(
            (*index.path, "projection"),
            f"{index.label} does not project the discriminator `{attribute}`: pattern"
            f" `{pattern.name}` queried through PynamoDB returns no items",
            found=f"projection {index.projection.type}"
            + (f" of {quoted(index.projection.attributes)}" if index.projection.attributes else ""),
            expected=f"`{attribute}` projected (include it, or project all)",
            pattern=pattern.name,
        )
