"""The rule documentation and the code registry stay in step."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from tablemodel.check.registry import registered_rules
from tablemodel.cli import docgen
from tablemodel.cli.catalogue import every_code
from tablemodel.diagnostics import Severity, codes
from tablemodel.schema.model import INTENT_OPERATORS, KEY_OPERATORS

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


# ---------------------------------------------------------------------------------------------
# One source of truth per code: a code's text appears once in the package, where it is declared.

CODE = re.compile(r"TM\d{3}")
PACKAGE = ROOT / "tablemodel"
# Folders whose codes are still moving next to their raisers: their bare literals are pending,
# so only their declarations are read. Remove an entry once its folder holds no bare literal.
PENDING: tuple[str, ...] = ()


@dataclass(frozen=True)
class Declared:
    code: str
    where: str  # module:line


def _declared_name(call: ast.Call) -> str | None:
    func = call.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
    return name if name in {"declare", "rule"} else None


def code_declarations(module: str, source: str) -> tuple[list[Declared], list[str]]:
    """The codes a module declares, and every bare code literal outside a declaration.

    A declaration is `declare("TM101", ...)`, `@rule("TM401", ...)`, or a module-level
    `NAME = "TM001"` that the module passes to `declare(NAME, ...)`.
    """
    tree = ast.parse(source)
    constants = {
        node.targets[0].id: node.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and len(node.targets) == 1
        and isinstance(node.targets[0], ast.Name)
        and isinstance(node.value, ast.Constant)
    }
    declared: list[Declared] = []
    allowed: set[int] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or _declared_name(node) is None or not node.args:
            continue
        first = node.args[0]
        if isinstance(first, ast.Name) and first.id in constants:
            first = constants[first.id]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            allowed.add(id(first))
            declared.append(Declared(first.value, f"{module}:{first.lineno}"))
    bare = [
        f"{module}:{node.lineno}: bare code literal {node.value!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and CODE.fullmatch(node.value)
        and id(node) not in allowed
    ]
    return declared, bare


def code_violations(sources: dict[str, str], registered: set[str]) -> list[str]:
    """Bare literals (outside PENDING), codes declared twice, declarations not registered."""
    found: list[str] = []
    seen: dict[str, str] = {}
    for path, source in sources.items():
        declared, bare = code_declarations(path, source)
        if not path.startswith(PENDING):
            found += bare
        for item in declared:
            if item.code in seen:
                found.append(f"{item.where}: {item.code} is also declared at {seen[item.code]}")
            seen.setdefault(item.code, item.where)
            if item.code not in registered:
                found.append(
                    f"{item.where}: {item.code} is declared but not registered: add its module"
                    " to tablemodel.cli.catalogue.every_code"
                )
    found += [f"{code} is registered but declared nowhere" for code in registered - set(seen)]
    return found


def package_sources() -> dict[str, str]:
    return {
        path.relative_to(PACKAGE).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(PACKAGE.rglob("*.py"))
    }


def test_every_code_is_written_once_where_it_is_declared() -> None:
    registered = {info.code for info in every_code()}
    assert code_violations(package_sources(), registered) == []


def test_a_planted_bare_literal_and_an_unregistered_code_are_reported() -> None:
    registered = {info.code for info in every_code()}
    sources = package_sources()
    planted = dict(sources)
    planted["check/rules/isolation.py"] += '\nif "TM401" in ():\n    pass\n'
    planted["check/planted.py"] = (
        "from tablemodel.diagnostics import codes\n"
        'LATE = codes.declare("TM998", "late", codes.Severity.ERROR, "load", "Late.")\n'
        'AGAIN = codes.declare("TM401", "again", codes.Severity.ERROR, "load", "Again.")\n'
    )
    planted["schema/planted.py"] = 'CODE = "TM001"\n'
    found = code_violations(planted, registered)
    assert any(
        v.startswith("check/rules/isolation.py:") and "bare code literal 'TM401'" in v
        for v in found
    )
    assert any(
        v.startswith("check/planted.py:2: TM998 is declared but not registered") for v in found
    )
    assert any(v.startswith("check/planted.py:3: TM401 is also declared at") for v in found)
    assert "schema/planted.py:1: bare code literal 'TM001'" in found  # schema/ is covered
    assert code_violations(sources, registered | {"TM997"}) == [
        "TM997 is registered but declared nowhere"
    ]


def test_model_md_documents_every_operator_the_language_accepts() -> None:
    text = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    # In the operator table or the key-condition paragraph, as code: `gte`.
    missing = [op for op in (*INTENT_OPERATORS, *KEY_OPERATORS) if f"`{op}`" not in text]
    assert missing == []
