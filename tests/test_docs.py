"""The rule documentation and the code registry stay in step."""

from __future__ import annotations

from pathlib import Path

import pytest

from tablemodel.check.registry import registered_rules
from tablemodel.cli import docgen
from tablemodel.cli.catalogue import every_code
from tablemodel.diagnostics import Severity, codes

ROOT = Path(__file__).resolve().parent.parent


def test_rules_md_is_generated_from_the_registry() -> None:
    written = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert written == docgen.render(), (
        "run `python -m tablemodel.cli.docgen` to refresh docs/rules.md"
    )


@pytest.mark.parametrize("info", every_code(), ids=lambda info: info.code)
def test_every_code_is_documented(info: codes.CodeInfo) -> None:
    assert info.summary.endswith(".")
    assert len(info.why) > 40
    assert info.bad.strip()
    assert info.good.strip()
    assert info.family in codes.FAMILIES


def test_codes_and_names_are_unique() -> None:
    infos = every_code()
    assert len({i.code for i in infos}) == len(infos)
    assert len({i.name for i in infos}) == len(infos)


def test_every_rule_function_is_registered_once() -> None:
    functions = [r.function for r in registered_rules()]
    assert len(functions) == len(set(functions))
    assert all(callable(f) for f in functions)


def test_a_code_cannot_be_declared_twice() -> None:
    with pytest.raises(ValueError, match="declared twice"):
        codes.declare("TM001", "again", Severity.ERROR, "load", "Again.\n\nWhy: x")
