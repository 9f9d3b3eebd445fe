"""Typed bases for the generated index classes.

PynamoDB's `Index.__init_subclass__` has no annotations, so every generated index class would
be an untyped call under `mypy --strict`. These bases declare it once, typed, and the
generated classes derive from them instead.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pynamodb.indexes import GlobalSecondaryIndex, LocalSecondaryIndex
from pynamodb.models import Model

__all__ = ["GlobalIndex", "LocalIndex"]

M = TypeVar("M", bound=Model)


class LocalIndex(LocalSecondaryIndex[M]):
    """A local secondary index of a generated table model."""

    @classmethod
    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)  # type: ignore[no-untyped-call]


class GlobalIndex(GlobalSecondaryIndex[M]):
    """A global secondary index of a generated table model."""

    @classmethod
    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)  # type: ignore[no-untyped-call]
