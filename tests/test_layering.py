"""The layers in ARCHITECTURE.md: what each part of the package may import."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "tablemodel"

# Modules below the CLI: never AWS SDKs, engines, terminal or CLI libraries.
LIBRARY = [
    "diagnostics.py",
    "codes.py",
    "charset.py",
    "templates.py",
    "automata.py",
    "schema",
    "design.py",
    "check",
    "api.py",
    "formats.py",
    "docgen.py",
    "generate",
    "run/report.py",
    "run/sample.py",
    "run/intent.py",
]
FORBIDDEN = {"boto3", "botocore", "moto", "rich", "pynamodb", "click"}
KEY_LANGUAGES = ["charset.py", "templates.py", "automata.py"]
# What generated service code imports: PynamoDB and botocore/boto3, no engine, terminal, CLI or
# validation library. The codec and value checks underneath are standard library only.
RUNTIME = ["runtime"]
RUNTIME_FORBIDDEN = {"moto", "rich", "click", "pydantic", "yaml"}
RUNTIME_STDLIB_ONLY = [
    "runtime/keys.py",
    "runtime/values.py",
    "runtime/errors.py",
    "runtime/size.py",
    "runtime/retry.py",
]
# The runner drives engines (boto3, moto, PynamoDB through the generated code) but renders
# nothing: no terminal or CLI library.
RUN = ["run"]
RUN_FORBIDDEN = {"rich", "click"}
# Engines (DynamoDB Local as a child process): stdlib, diagnostics and boto3/botocore (lazily);
# never moto (the in-process moto engine lives elsewhere), terminal, CLI or validation libraries.
ENGINES = ["engines"]
ENGINES_FORBIDDEN = {"moto", "rich", "click", "pydantic", "yaml"}
ENGINES_MAY_IMPORT = {"boto3", "botocore", "tablemodel", "__future__"}


def _files(entries: list[str]) -> list[Path]:
    out: list[Path] = []
    for entry in entries:
        path = PACKAGE / entry
        out += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return out


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("path", _files(LIBRARY), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_library_layers_import_no_sdk_engine_or_terminal(path: Path) -> None:
    assert _imports(path) & FORBIDDEN == set()


@pytest.mark.parametrize("path", _files(KEY_LANGUAGES), ids=lambda p: p.name)
def test_key_languages_use_only_the_standard_library(path: Path) -> None:
    third_party = {
        name
        for name in _imports(path)
        if name not in sys.stdlib_module_names and name not in {"tablemodel", "__future__"}
    }
    assert third_party == set()


@pytest.mark.parametrize("path", _files(RUNTIME), ids=lambda p: p.name)
def test_runtime_imports_no_engine_terminal_or_validation_library(path: Path) -> None:
    assert _imports(path) & RUNTIME_FORBIDDEN == set()


@pytest.mark.parametrize("path", _files(RUNTIME_STDLIB_ONLY), ids=lambda p: p.name)
def test_runtime_codec_and_values_use_only_the_standard_library(path: Path) -> None:
    third_party = {
        name
        for name in _imports(path)
        if name not in sys.stdlib_module_names and name not in {"tablemodel", "__future__"}
    }
    assert third_party == set()


def test_generated_code_imports_only_pynamodb_and_the_runtime() -> None:
    models = PACKAGE.parent / "examples" / "alleycat" / "models.py"
    third_party = {
        name
        for name in _imports(models)
        if name not in sys.stdlib_module_names and name != "__future__"
    }
    assert third_party == {"pynamodb", "tablemodel"}
    assert {
        name for name in _tablemodel_imports(models) if not name.startswith("tablemodel.runtime")
    } == set()


def _tablemodel_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("tablemodel")}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.startswith("tablemodel"):
                found.add(node.module)
        elif isinstance(node, ast.ImportFrom):  # relative: inside the package itself
            found.add("tablemodel.engines")
    return found


@pytest.mark.parametrize("path", _files(ENGINES), ids=lambda p: p.name)
def test_engines_import_only_stdlib_diagnostics_and_the_sdk(path: Path) -> None:
    imported = _imports(path)
    assert imported & ENGINES_FORBIDDEN == set()
    third_party = {
        name
        for name in imported
        if name not in sys.stdlib_module_names and name not in ENGINES_MAY_IMPORT
    }
    assert third_party == set()
    assert {
        name
        for name in _tablemodel_imports(path)
        if name != "tablemodel.diagnostics" and not name.startswith("tablemodel.engines")
    } == set()


@pytest.mark.parametrize("path", _files(RUN), ids=lambda p: p.name)
def test_runner_renders_nothing(path: Path) -> None:
    assert _imports(path) & RUN_FORBIDDEN == set()


def test_engines_package_exists() -> None:
    assert _files(ENGINES), "tablemodel/engines/ has no module to check"


def test_static_check_loads_no_sdk_engine_or_terminal_module() -> None:
    code = (
        "import sys\n"
        "from tablemodel import api, formats\n"
        "report = api.check('examples/alleycat')\n"
        "formats.render_json(report)\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in "
        f"{sorted(FORBIDDEN)!r})\n"
        "print(','.join(loaded))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PACKAGE.parent,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == ""
