"""Sample items: what the sample generator and fixtures produce and the intent oracle reads,
and the error for sample data that cannot be generated or loaded."""

from __future__ import annotations

from collections.abc import Mapping

from tablemodel.diagnostics import TableModelError
from tablemodel.records import record

__all__ = ["SampleError", "SampleItem"]


@record
class SampleItem:
    """One item: its entity, its values by model attribute name, and where it came from.

    Values are what the generated entity constructors accept (`Decimal` for numbers, aware
    datetimes, sets); absent optional attributes are left out. `origin` is `generated` or
    `fixture <file>:<line>`.
    """

    entity: str
    values: Mapping[str, object]
    origin: str


class SampleError(TableModelError, ValueError):
    """Sample data that cannot be generated or loaded: where it is and what was expected."""

    def __init__(self, where: str, problem: str, expected: str | None = None) -> None:
        self.where = where
        self.problem = problem
        self.expected = expected
        super().__init__(f"{where}: {problem}" + (f"; expected {expected}" if expected else ""))
