"""Hostile model documents: 10,000 random and mutated ones, never a traceback, always located.

Every document goes through the loader and, when it loads, through the whole checker. A
document that fails to load must raise `ModelLoadError` whose every diagnostic names a line
or a model path; one that loads must produce a report whose every diagnostic is located.
Any other exception fails the test with the document that caused it.

1,000 more, mutated from the three models that generate, go through the generator too: each
is refused with located codes or becomes a module that compiles and imports. Those that
generate (of 400 more) are also run on moto: a located report, or one sample or engine error.
Twenty such modules also pass ruff (format and lint, isort included) and mypy --strict.
"""

from __future__ import annotations

import copy
import itertools
import json
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tablemodel.api import check_model
from tablemodel.diagnostics import Diagnostic, ModelLoadError
from tablemodel.engines.session import EngineFault
from tablemodel.generate import GenerateError, generate_source
from tablemodel.run.check import check_and_run
from tablemodel.run.runner import RunOptions
from tablemodel.run.sample import SampleError
from tablemodel.schema.loader import load_model_from_text
from tests.progress import count_cases

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "alleycat"
BASES = [
    yaml.safe_load((EXAMPLES / name).read_text(encoding="utf-8"))
    for name in ("tablemodel.yaml", "article.yaml")
]
BASE_TEXTS = [
    (EXAMPLES / name).read_text(encoding="utf-8") for name in ("tablemodel.yaml", "article.yaml")
]

_generated = itertools.count()

# libyaml's emitter, when PyYAML was built with it: it writes the same documents several times
# faster than the pure-Python emitter, which took a third of each YAML case, and it is the more
# faithful of the two (the Python one folds U+0085 inside single quotes, losing it).
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _dump(doc: Any, *, sort_keys: bool = False) -> str:
    """`doc` as YAML text, as `yaml.safe_dump(doc, allow_unicode=True, ...)` writes it."""
    return yaml.dump(doc, Dumper=_DUMPER, allow_unicode=True, sort_keys=sort_keys)


FUZZ = settings(
    max_examples=2500,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Values that stress types, templates and limits.
NASTY_TEXT = st.sampled_from(
    [
        "",
        " ",
        "{",
        "}",
        "{}",
        "{{x}}",
        "race-{race_id",
        "race-{race id}",
        "{race_id:05d}",
        "{race_id:5x}",
        "RACE#{race_id}#RACER#{racer_id}",
        "{racer_id}{race_id}",
        "racer-{nope}",
        "$race_id",
        "$$",
        "$",
        "table",
        "GSI_SK_Numeric",
        "ascending",
        "desc",
        "S",
        "N",
        "B",
        "all",
        "keys_only",
        "include",
        "\x00",
        "\u202e\u0301",
        "é" * 3000,
        "[a-z",
        "[z-a]",
        "any",
        "-output",
        "output desc",
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    NASTY_TEXT,
)
JSONISH = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(st.text(max_size=12), NASTY_TEXT), children, max_size=4),
    ),
    max_leaves=12,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, (*prefix, i))
    return out


def _get(node: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        node = node[part]
    return node


@st.composite
def mutated(draw: st.DrawFn) -> Any:
    doc = copy.deepcopy(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(1, 4))):
        paths = _paths(doc)
        path = draw(st.sampled_from(paths))
        if not path:
            continue
        parent = _get(doc, path[:-1])
        key = path[-1]
        action = draw(st.sampled_from(["delete", "replace", "rename", "nasty", "duplicate"]))
        if action == "delete":
            del parent[key]
        elif action == "replace":
            parent[key] = draw(JSONISH)
        elif action == "nasty":
            parent[key] = draw(NASTY_TEXT)
        elif action == "rename" and isinstance(parent, dict):
            new = draw(st.one_of(NASTY_TEXT, st.text(min_size=1, max_size=10)))
            parent[new] = parent.pop(key)
        elif action == "duplicate" and isinstance(parent, dict):
            other = draw(st.sampled_from(paths))
            parent[key] = copy.deepcopy(_get(doc, other))
    return doc


def _assert_located(diagnostics: tuple[Diagnostic, ...] | list[Diagnostic], doc: object) -> None:
    assert diagnostics, f"an error without diagnostics for {doc!r:.500}"
    for d in diagnostics:
        located = d.location.line is not None or bool(d.location.path)
        assert located, f"unlocated {d} for {doc!r:.500}"
        assert d.code.startswith("TM")
        assert len(d.code) == 5
        assert d.message


def _run(text: str, fmt: str, doc: object) -> None:
    try:
        loaded = load_model_from_text(text, source="fuzz", format=fmt)  # type: ignore[arg-type]
    except ModelLoadError as exc:
        _assert_located(exc.diagnostics, doc)
        return
    report = check_model(loaded)
    for d in report.diagnostics:
        assert d.location.line is not None or bool(d.location.path), f"unlocated {d}"


@pytest.mark.slow
@FUZZ
@given(mutated())
def test_mutated_documents_as_yaml(doc: Any) -> None:
    _run(_dump(doc), "yaml", doc)


@pytest.mark.slow
@FUZZ
@given(mutated())
def test_mutated_documents_as_json(doc: Any) -> None:
    try:
        text = json.dumps(doc, allow_nan=True)
    except (TypeError, ValueError):
        return  # not representable as JSON; the YAML test covers it
    _run(text, "json", doc)


@pytest.mark.slow
@FUZZ
@given(st.dictionaries(st.one_of(st.text(max_size=10), NASTY_TEXT), JSONISH, max_size=6))
def test_random_documents(doc: Any) -> None:
    _run(_dump(doc, sort_keys=True), "yaml", doc)


@pytest.mark.slow
@FUZZ
@given(
    st.sampled_from(BASE_TEXTS),
    st.lists(
        st.tuples(st.integers(0, 10_000), st.sampled_from(["cut", "insert", "flip"]), NASTY_TEXT),
        min_size=1,
        max_size=3,
    ),
)
def test_mutated_yaml_text(text: str, edits: list[tuple[int, str, str]]) -> None:
    for offset, action, piece in edits:
        at = offset % (len(text) + 1)
        if action == "cut":
            text = text[:at]
        elif action == "insert":
            text = text[:at] + piece + text[at:]
        else:
            text = text[:at] + (piece[:1] or ":") + text[at + 1 :]
    _run(text, "yaml", text)


# ---------------------------------------------------------------------------------------------
# The generator on hostile models: located refusals or a module that imports, nothing else

GENERATE_BASES = [
    yaml.safe_load(path.read_text(encoding="utf-8"))
    for path in (
        EXAMPLES / "tablemodel.yaml",
        EXAMPLES / "hour_race.yaml",
        EXAMPLES.parent.parent / "tests" / "data" / "generate" / "box_office.yaml",
    )
]


@st.composite
def mutated_for_generate(draw: st.DrawFn) -> Any:
    doc = copy.deepcopy(draw(st.sampled_from(GENERATE_BASES)))
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(doc) if p]
        path = draw(st.sampled_from(paths))
        parent = _get(doc, path[:-1])
        action = draw(st.sampled_from(["delete", "replace", "nasty", "rename"]))
        if action == "delete":
            del parent[path[-1]]
        elif action == "replace":
            parent[path[-1]] = draw(JSONISH)
        elif action == "nasty":
            parent[path[-1]] = draw(NASTY_TEXT)
        elif isinstance(parent, dict):
            parent[draw(st.one_of(NASTY_TEXT, st.text(min_size=1, max_size=10)))] = parent.pop(
                path[-1]
            )
    return doc


@pytest.mark.slow
@settings(
    max_examples=1000,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(mutated_for_generate())
def test_generate_refuses_with_located_codes_or_emits_a_module_that_imports(doc: Any) -> None:
    text = _dump(doc)
    try:
        loaded = load_model_from_text(text, source="fuzz.yaml", format="yaml")
        source = generate_source(loaded)
    except (ModelLoadError, GenerateError) as exc:
        _assert_located(exc.diagnostics, doc)
        return
    module = types.ModuleType(f"_fuzz_generated_{next(_generated)}")
    sys.modules[module.__name__] = module
    try:
        exec(compile(source, "models.py", "exec"), module.__dict__)
    finally:
        sys.modules.pop(module.__name__, None)
    assert module.ACCESS_PATTERNS.keys() == loaded.model.access_patterns.keys()


@pytest.mark.slow
@pytest.mark.engine
@settings(
    max_examples=400,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
@given(mutated_for_generate())
def test_check_run_on_hostile_models_ends_in_a_report_or_one_clear_error(
    aws_credentials: None, tmp_path_factory: pytest.TempPathFactory, doc: Any
) -> None:
    """Models that generate are run on moto: a located report, or a sample or engine error."""
    text = _dump(doc)
    try:
        generate_source(load_model_from_text(text, source="fuzz.yaml", format="yaml"))
    except (ModelLoadError, GenerateError):
        return  # the test above covers these
    model = tmp_path_factory.mktemp("fuzz") / "tablemodel.yaml"
    model.write_text(text, encoding="utf-8")
    try:
        outcome: Any = check_and_run(model, RunOptions())
    except (SampleError, EngineFault) as err:
        outcome = err
    if isinstance(outcome, Exception):  # the CLI prints it as its one line
        assert str(outcome)
        assert "\n" not in str(outcome)
        return
    report, run = outcome
    assert run is not None
    for d in report.diagnostics:
        assert d.location.line is not None or bool(d.location.path), f"unlocated {d}"


@pytest.mark.slow
def test_modules_generated_from_hostile_models_pass_ruff_and_mypy_strict(tmp_path: Path) -> None:
    """Twenty of the modules the fuzzed models generate, checked as a user's CI would."""
    folder = tmp_path
    written: list[Path] = []

    @settings(
        max_examples=1500,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(mutated_for_generate())
    def collect(doc: Any) -> None:
        if len(written) >= 20:
            return
        text = _dump(doc)
        try:
            source = generate_source(load_model_from_text(text, source="fuzz.yaml", format="yaml"))
        except (ModelLoadError, GenerateError):
            return
        target = folder / f"fuzzed_{len(written)}.py"
        target.write_text(source, encoding="utf-8")
        written.append(target)

    count_cases(collect)()  # progress lines count its cases (tests/progress.py)
    assert len(written) == 20
    paths = [str(p) for p in written]
    for command in (
        ["ruff", "format", "--check", "--line-length", "88", *paths],
        ["ruff", "check", "--isolated", "--select", "E,F,W,I,UP,B", "--line-length", "88", *paths],
        ["mypy", "--strict", "--no-incremental", *paths],
    ):
        done = subprocess.run(
            [sys.executable, "-m", *command],
            capture_output=True,
            text=True,
            check=False,
            cwd=folder if command[0] == "ruff" else ROOT,
        )
        assert done.returncode == 0, done.stdout + done.stderr
