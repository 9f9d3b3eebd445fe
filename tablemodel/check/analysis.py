"""What several rules ask of one design, answered once: the check's analysis.

`run_checks` creates one `Analysis` per design and hands it to every rule. Each answer is
computed on first use and kept for the rest of the check: which entities a pattern's key
condition reaches (the isolation and intent rules), whether an entity composes one key from
two different value tuples (the collision rule, and the proofs that line templates up), and
where a pattern's keys and intent disagree (the intent rules).
"""

from __future__ import annotations

from collections.abc import Mapping

from tablemodel.check.intent_gaps import IntentGaps, intent_gaps
from tablemodel.check.reach import Example, matching_entities
from tablemodel.design import Design, EntityDesign, PatternDesign
from tablemodel.keylang.automata import ambiguity_witness

# A key two assignments produce, and both assignments (encoded values).
Witness = tuple[str, dict[str, str], dict[str, str]]


class Analysis:
    """Answers about one design that rules share, each computed at most once."""

    def __init__(self, design: Design) -> None:
        self.design = design
        self._reach: dict[str, dict[str, Example]] = {}
        self._witnesses: dict[tuple[str, str], Witness | None] = {}
        self._gaps: dict[str, IntentGaps] = {}

    def reach(self, pattern: PatternDesign) -> Mapping[str, Example]:
        """Entities whose items the pattern's key condition can return, with an example key."""
        found = self._reach.get(pattern.name)
        if found is None:
            found = self._reach[pattern.name] = matching_entities(self.design, pattern)
        return found

    def ambiguity(self, entity: EntityDesign, attribute: str) -> Witness | None:
        """A key `entity` composes into `attribute` from two value tuples, or None if none."""
        key = (entity.name, attribute)
        if key not in self._witnesses:
            template = entity.templates[attribute]
            encoding = self.design.encoding_of(attribute)
            self._witnesses[key] = ambiguity_witness(template, entity.domains, encoding)
        return self._witnesses[key]

    def ambiguous(self, entity: EntityDesign, attribute: str) -> bool:
        return self.ambiguity(entity, attribute) is not None

    def gaps(self, pattern: PatternDesign) -> IntentGaps:
        """Where the pattern's keys and its intent disagree (TM801 to TM805)."""
        found = self._gaps.get(pattern.name)
        if found is None:
            found = self._gaps[pattern.name] = intent_gaps(
                self.design, pattern, self.reach(pattern), self.ambiguous
            )
        return found
