"""Reach: which entity types a pattern's key condition can return, with an example key each.

Shared by the isolation and intent rules through `tablemodel.check.analysis.Analysis.reach`,
which computes it once per pattern and design.
"""

from __future__ import annotations

from tablemodel.check.filters import excluded
from tablemodel.check.languages import example_key_value, match_condition
from tablemodel.design import Design, PatternDesign

Example = tuple[str | None, ...]
"""An example key: one value per key attribute of the index, in `IndexDesign.key_names` order
(partition key, then sort key; several of each on a multi-attribute key), None where unknown."""


def matching_entities(design: Design, pattern: PatternDesign) -> dict[str, Example]:
    """Entities whose items the pattern can return, with an example key.

    Every key attribute is matched on its own (a multi-attribute key has several): an entity
    is reached when each condition can meet what the entity writes into its attribute. An
    item must then meet the filter: an entity the filter excludes whatever the parameters (it
    lacks the attribute, or its discriminator differs) is out.
    """
    found: dict[str, Example] = {}
    index = pattern.index
    if index is None or pattern.partition is None:
        return found
    conditions = {cond.attribute: cond for cond in pattern.key_conditions}
    for entity in design.entities_in(index):
        if excluded(design, pattern, entity) is not None:
            continue
        example: list[str | None] = []
        for name in index.key_names:
            cond = conditions.get(name)
            if cond is None:
                # No condition on it: any value the entity writes comes back.
                example.append(example_key_value(design, entity, name))
                continue
            match = match_condition(design, pattern, entity, cond)
            if not match.possible:
                break
            example.append(match.example)
        else:
            found[entity.name] = tuple(example)
    return found


def example_text(design: Design, pattern: PatternDesign, example: Example) -> str:
    """`PK="race-a", Numeric=0`: an example key, strings quoted and numbers bare."""
    assert pattern.index is not None
    keys = [*pattern.index.partition_keys, *pattern.index.sort_keys]
    return ", ".join(
        f"{key.name}={value}" if key.type == "N" else f'{key.name}="{value}"'
        for key, value in zip(keys, example, strict=False)
        if value is not None
    )
