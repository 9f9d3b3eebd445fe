"""The static rules. Importing this package registers every rule with the code registry."""

from tablemodel.check.rules import (
    collisions,
    consistency,
    hazards,
    intent,
    isolation,
    projection,
    resolution,
    size,
    structure,
    writes,
)

__all__ = [
    "collisions",
    "consistency",
    "hazards",
    "intent",
    "isolation",
    "projection",
    "resolution",
    "size",
    "structure",
    "writes",
]
