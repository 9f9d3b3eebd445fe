"""The resolved design: a validated model with templates parsed and references linked."""

from tablemodel.design.design import (
    TABLE,
    ConditionDesign,
    Design,
    EntityDesign,
    IndexDesign,
    PatternDesign,
    recoverable,
)
from tablemodel.design.resolve import build_design
from tablemodel.design.values import NUMERIC, SCALAR_TYPE, rule_of, value_domain

__all__ = [
    "NUMERIC",
    "SCALAR_TYPE",
    "TABLE",
    "ConditionDesign",
    "Design",
    "EntityDesign",
    "IndexDesign",
    "PatternDesign",
    "build_design",
    "recoverable",
    "rule_of",
    "value_domain",
]
