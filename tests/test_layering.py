"""The layers in ARCHITECTURE.md, enforced: the table there is the contract this test reads.

Every module of the package belongs to the row whose folder holds it. A module may import
(at the top, lazily inside a function, or under `TYPE_CHECKING`: every import counts) only
modules of its own row or of rows above it; the third-party packages it loads, following
every import inside the package, must be among those its row names. No two modules import
each other, even through others; a private module (`_name.py`) serves its own folder only; a
rule module never imports another rule module. `test_a_planted_upward_import_is_reported`
shows each check failing on a planted violation.
"""

from __future__ import annotations

import ast
import functools
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "tablemodel"
ARCHITECTURE = ROOT / "ARCHITECTURE.md"

# The standard library's own modules, plus what is always allowed.
ALWAYS = frozenset(sys.stdlib_module_names) | {"__future__", "tablemodel"}
# Modules of the runtime that generated code and the lower layers use: standard library only.
RUNTIME_CORE = ("keys", "values", "errors", "size", "retry", "payload", "chunk_layout", "wire")


@dataclass(frozen=True)
class Layer:
    name: str
    paths: tuple[str, ...]  # relative to tablemodel/; folders end with "/"
    third_party: frozenset[str]


@dataclass(frozen=True)
class Import:
    source: str  # dotted module that imports
    target: str  # dotted module (or package) of the package it imports
    line: int


def read_layers(text: str) -> list[Layer]:
    """The rows of the first table under `## Layers`, in order."""
    section = text.split("## Layers", 1)[1]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    layers: list[Layer] = []
    for row in rows[2:]:  # after the header and its rule
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        name, where, _, allowed = cells[:4]
        paths = tuple(re.findall(r"`tablemodel/([^`]*)`", where))
        packages = frozenset(re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)`", allowed))
        layers.append(Layer(name, paths, packages))
    return layers


LAYERS = read_layers(ARCHITECTURE.read_text(encoding="utf-8"))


def module_of(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_sources() -> dict[str, str]:
    """Every module of the package (dotted name) and its source text (a fresh dict each call)."""
    return dict(_read_sources())


@functools.cache
def _read_sources() -> dict[str, str]:
    # Read once per session: the tests below plant edits in copies, never in this dict.
    return {
        module_of(path): path.read_text(encoding="utf-8")
        for path in sorted(PACKAGE.rglob("*.py"))
        if "__pycache__" not in path.parts
    }


@functools.cache
def _parse(source: str) -> ast.Module:
    """The syntax tree of `source`, parsed once per session (callers only read it).

    The contract walks each module's imports once per module that reaches it, so without the
    cache every test would parse the package's sources thousands of times.
    """
    return ast.parse(source)


def is_package(module: str, modules: Mapping[str, str]) -> bool:
    return any(other.startswith(module + ".") for other in modules)


def imports_of(module: str, source: str, modules: Mapping[str, str]) -> Iterator[Import]:
    """Every import of a package module that `source` makes, wherever it stands."""
    package = module if is_package(module, modules) else module.rpartition(".")[0]
    for node in ast.walk(_parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "tablemodel":
                    yield Import(module, _known(alias.name, modules), node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                origin = ".".join([*base, *([node.module] if node.module else [])])
            else:
                origin = node.module or ""
            if origin.split(".")[0] != "tablemodel":
                continue
            for alias in node.names:
                name = f"{origin}.{alias.name}"
                target = name if name in modules else origin
                yield Import(module, _known(target, modules), node.lineno)


def _known(name: str, modules: Mapping[str, str]) -> str:
    while name not in modules and "." in name:
        name = name.rpartition(".")[0]
    return name


def third_party_of(source: str) -> set[str]:
    return set(_third_party_of(source))


@functools.cache
def _third_party_of(source: str) -> frozenset[str]:
    found: set[str] = set()
    for node in ast.walk(_parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return frozenset(found - ALWAYS)


def layer_index(module: str, layers: list[Layer]) -> int | None:
    """The row holding `module`: the longest path of any row that contains its file."""
    relative = module.split(".", 1)[1] if "." in module else ""
    best: tuple[int, int] | None = None
    for index, layer in enumerate(layers):
        for path in layer.paths:
            folder = path.endswith("/")
            stem = path.rstrip("/").removesuffix(".py").replace("/", ".")
            hit = (
                relative == stem or relative.startswith(stem + ".") if folder else relative == stem
            )
            if hit and (best is None or len(stem) > best[1]):
                best = (index, len(stem))
    return None if best is None else best[0]


def violations(sources: Mapping[str, str], layers: list[Layer]) -> list[str]:
    """Every break of the layering contract in `sources` (module name -> source text)."""
    found: list[str] = []
    edges: dict[str, set[str]] = {m: set() for m in sources}
    where: dict[str, int | None] = {m: layer_index(m, layers) for m in sources}
    for module, index in where.items():
        if index is None and module != "tablemodel":
            found.append(f"{module}: no row of ARCHITECTURE.md's table holds it")
    for module, source in sources.items():
        for imp in imports_of(module, source, sources):
            if imp.target == "tablemodel":
                continue  # the package root holds only the version
            edges[module].add(imp.target)
            mine, theirs = where.get(module), where.get(imp.target)
            if mine is not None and theirs is not None and theirs > mine:
                found.append(
                    f"{module}:{imp.line} imports {imp.target}: {layers[mine].name} may not "
                    f"import {layers[theirs].name}, which stands below it in the table"
                )
            private = imp.target.rpartition(".")[2].startswith("_")
            if private and imp.target.rpartition(".")[0] != module.rpartition(".")[0]:
                found.append(f"{module}:{imp.line} imports the private {imp.target}")
            rules = "tablemodel.check.rules."
            if (
                module.startswith(rules)
                and imp.target.startswith(rules)
                and not imp.target.endswith("._common")
            ):
                found.append(f"{module}:{imp.line} imports another rule module, {imp.target}")
    if sources.get("tablemodel") and any(
        True for _ in imports_of("tablemodel", sources["tablemodel"], sources)
    ):
        found.append("tablemodel/__init__.py imports from the package; it holds the version only")
    for module in sources:
        index = where[module]
        if index is None:
            continue
        loaded = set()
        for reached in _closure(module, edges):
            loaded |= third_party_of(sources[reached])
        extra = loaded - layers[index].third_party
        if extra:
            found.append(
                f"{module} loads {', '.join(sorted(extra))}, which row `{layers[index].name}`"
                " does not allow"
            )
    found += [f"import cycle: {' -> '.join(cycle)}" for cycle in _cycles(edges)]
    return found


def _closure(module: str, edges: Mapping[str, set[str]]) -> set[str]:
    seen = {module}
    stack = [module]
    while stack:
        for nxt in edges.get(stack.pop(), ()):
            if nxt not in seen and nxt in edges:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def _cycles(edges: Mapping[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        top = stack.pop()
                        on_stack.discard(top)
                        component.append(top)
                        if top == node:
                            break
                    if len(component) > 1:
                        out.append(sorted(component))
                continue
            if child not in edges:
                continue
            if child not in index:
                index[child] = low[child] = counter
                counter += 1
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(edges[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return out


# ---------------------------------------------------------------------------------------------


def test_the_table_names_every_folder_and_every_row_exists() -> None:
    assert [layer.name for layer in LAYERS], "ARCHITECTURE.md has no `## Layers` table"
    named = {path for layer in LAYERS for path in layer.paths}
    for path in named:
        assert (PACKAGE / path).exists(), f"ARCHITECTURE.md names tablemodel/{path}, not in tree"
    folders = {
        p.relative_to(PACKAGE).as_posix() + "/"
        for p in PACKAGE.iterdir()
        if p.is_dir() and p.name != "__pycache__"
    }
    files = {p.name for p in PACKAGE.glob("*.py")} - {"__init__.py"}
    assert folders | files == named, "the table's rows and the package's tree differ"


def test_the_package_keeps_its_layers() -> None:
    assert violations(package_sources(), LAYERS) == []


def test_a_planted_upward_import_is_reported() -> None:
    sources = package_sources()
    design = next(m for m in sources if m.startswith("tablemodel.design."))
    planted = dict(sources)
    planted[design] = (
        sources[design]
        + "\n\ndef _planted() -> None:\n    from tablemodel.cli.main import main  # noqa\n"
        + "\nif TYPE_CHECKING:\n    from tablemodel.run import runner\n"
    )
    found = violations(planted, LAYERS)
    assert any(f"{design}:" in v and "imports tablemodel.cli.main" in v for v in found)
    assert any(f"{design}:" in v and "imports tablemodel.run.runner" in v for v in found)
    assert any(v.startswith(f"{design} loads ") and "rich" in v for v in found)


def test_a_planted_cycle_private_import_and_rule_import_are_reported() -> None:
    sources = package_sources()
    planted = dict(sources)
    planted["tablemodel.diagnostics.codes"] += "\nfrom tablemodel.keylang import charset\n"
    planted["tablemodel.keylang.charset"] += "\nfrom tablemodel.diagnostics import codes\n"
    rule_modules = sorted(
        m
        for m in sources
        if m.startswith("tablemodel.check.rules.") and not m.rpartition(".")[2].startswith("_")
    )
    planted[rule_modules[0]] += f"\nfrom {rule_modules[1]} import *\n"
    planted["tablemodel.check._planted"] = "helper = None\n"  # a private module of check/
    planted["tablemodel.api"] += "\nfrom tablemodel.check._planted import helper\n"
    found = violations(planted, LAYERS)
    assert any(v.startswith("import cycle:") and "tablemodel.keylang.charset" in v for v in found)
    assert any("imports another rule module" in v for v in found)
    assert any("tablemodel.api:" in v and "private" in v for v in found)


@pytest.mark.parametrize("name", RUNTIME_CORE)
def test_runtime_core_uses_only_the_standard_library(name: str) -> None:
    path = PACKAGE / "runtime" / f"{name}.py"
    if not path.exists():
        pytest.fail(f"tablemodel/runtime/{name}.py is listed as runtime core but does not exist")
    sources = package_sources()
    edges = {
        m: {i.target for i in imports_of(m, s, sources) if i.target != "tablemodel"}
        for m, s in sources.items()
    }
    loaded: set[str] = set()
    for reached in _closure(f"tablemodel.runtime.{name}", edges):
        loaded |= third_party_of(sources[reached])
    assert loaded == set()


def test_generated_code_imports_only_pynamodb_and_the_runtime() -> None:
    for name in ("models.py", "hour_race_models.py"):
        path = ROOT / "examples" / "alleycat" / name
        source = path.read_text(encoding="utf-8")
        assert third_party_of(source) == {"pynamodb"}
        targets = {
            node.module
            for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.ImportFrom) and node.module
        }
        assert {t for t in targets if t.startswith("tablemodel")} <= {
            t for t in targets if t.startswith("tablemodel.runtime")
        }


def test_static_check_loads_no_sdk_engine_or_terminal_module() -> None:
    forbidden = ["boto3", "botocore", "click", "moto", "pynamodb", "rich"]
    code = (
        "import sys\n"
        "from tablemodel import api\n"
        "from tablemodel.results import formats\n"
        "report = api.check('examples/alleycat')\n"
        "formats.render_json(report)\n"
        f"loaded = sorted(m for m in sys.modules if m.split('.')[0] in {forbidden!r})\n"
        "print(','.join(loaded))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == ""


def test_a_yaml_check_does_not_load_the_toml_parser() -> None:
    """Start-up (issue 10): a YAML model never pays for tomllib; TOML models still load it."""
    code = (
        "import sys\n"
        "from tablemodel import api\n"
        "api.check('examples/alleycat')\n"
        "print('tomllib' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "False"
