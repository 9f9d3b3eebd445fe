"""Type consistency: one DynamoDB type per index key attribute across entities."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from tablemodel.check.analysis import Analysis
from tablemodel.check.languages import template_type
from tablemodel.check.registry import Finding, rule
from tablemodel.design import Design
from tablemodel.diagnostics import Severity


@rule("TM201", "key-type-consistency", Severity.ERROR, "types")
def check_key_type_consistency(design: Design, analysis: Analysis) -> Iterator[Finding]:
    """Entities write one key attribute with different DynamoDB types.

    Why: an index key attribute has one type. In an overloaded index, one entity writing
    `Numeric` as a string while another writes a number means DynamoDB rejects one of them
    (moto accepts both, so tests on moto alone never notice).

    Bad:
        RaceResult: {keys: {Numeric: "{output}"}}        # output: number -> N
        Race:       {keys: {Numeric: "{started_at}"}}    # started_at: datetime -> S

    Good:
        Race:       {keys: {Numeric: "{started_epoch}"}} # started_epoch: integer -> N
    """
    writers: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for entity in design.entities.values():
        for key in entity.templates:
            produced = template_type(design, entity.name, key)
            if produced is not None:
                writers[key][produced].append(entity.name)
    for key, by_type in sorted(writers.items()):
        if len(by_type) < 2:
            continue
        declared = design.key_type(key) or "S"
        groups = "; ".join(
            f"{t}: {', '.join(f'`{n}`' for n in names)}" for t, names in sorted(by_type.items())
        )
        # Point at the first entity that departs from the declared type: that is the one to fix.
        odd = sorted(t for t in by_type if t != declared) or sorted(by_type)
        offender = by_type[odd[0]][0]
        yield Finding(
            ("entities", offender, "keys", key),
            f"key attribute `{key}` is written with {len(by_type)} different types: `{offender}`"
            f" writes {odd[0]}, the index declares {declared}",
            found=groups,
            expected=f"one type ({declared}) for `{key}` in every entity",
            entity=offender,
        )
