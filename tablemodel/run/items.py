"""Sample items: what the sample generator and fixtures produce and the intent oracle reads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class SampleItem:
    """One item: its entity, its values by model attribute name, and where it came from.

    Values are what the generated entity constructors accept (`Decimal` for numbers, aware
    datetimes, sets); absent optional attributes are left out. `origin` is `generated` or
    `fixture <file>:<line>`.
    """

    entity: str
    values: Mapping[str, object]
    origin: str
