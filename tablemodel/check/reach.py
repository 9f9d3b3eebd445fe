"""Reach: which entity types a pattern's key condition can return, with an example key each.

Shared by the isolation and intent rules through `tablemodel.check.analysis.Analysis.reach`,
which computes it once per pattern and design.
"""

from __future__ import annotations

from tablemodel.check.languages import example_key_value, match_condition
from tablemodel.design import Design, PatternDesign

Example = tuple[str | None, str | None]


def matching_entities(design: Design, pattern: PatternDesign) -> dict[str, Example]:
    """Entities whose items the pattern's key condition can return, with an example key."""
    found: dict[str, Example] = {}
    index = pattern.index
    if index is None or pattern.partition is None:
        return found
    for entity in design.entities_in(index):
        pk = match_condition(design, pattern, entity, pattern.partition)
        if not pk.possible:
            continue
        sk_example = None
        if pattern.sort is not None:
            sk = match_condition(design, pattern, entity, pattern.sort)
            if not sk.possible:
                continue
            sk_example = sk.example
        elif index.sort_key is not None:
            # No sort key condition: any sort key the entity writes comes back.
            sk_example = example_key_value(design, entity, index.sort_key.name)
        found[entity.name] = (pk.example, sk_example)
    return found


def example_text(design: Design, pattern: PatternDesign, example: Example) -> str:
    """`PK="race-a", Numeric=0`: an example key, strings quoted and numbers bare."""
    assert pattern.index is not None
    keys = [(pattern.index.partition_key, example[0])]
    if pattern.index.sort_key is not None and example[1] is not None:
        keys.append((pattern.index.sort_key, example[1]))
    return ", ".join(
        f"{key.name}={value}" if key.type == "N" else f'{key.name}="{value}"' for key, value in keys
    )
