"""The resolved design: a validated model with templates parsed and references linked."""

from tablemodel.design.resolve import (
    NUMERIC,
    SCALAR_TYPE,
    TABLE,
    ConditionDesign,
    Design,
    EntityDesign,
    IndexDesign,
    PatternDesign,
    build_design,
    recoverable,
    rule_of,
    value_domain,
)

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
