"""Helpers shared by the rule modules."""

from __future__ import annotations

from collections.abc import Iterable


def quoted(names: Iterable[str]) -> str:
    return ", ".join(f"`{n}`" for n in names)
