"""The registry of diagnostic codes, and the codes raised while loading.

Every code is declared once, next to the code that raises it: `declare("TM101", ...)` at the
top of that module, or the `@rule` decorator of a check. A declaration gives a name, a
severity, a family and documentation taken from the declaring docstring. Codes register when
their module is imported (`tablemodel.cli.catalogue.every_code` imports them all);
`docs/rules.md` is generated from this registry and a test keeps the two in step.

Docstring convention (rules and load codes alike):

    One-line summary.

    Why: why the problem matters.

    Bad:
        an example model fragment that triggers it

    Good:
        the corrected fragment
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tablemodel.diagnostics.diagnostic import Severity

FAMILIES: dict[str, str] = {
    "load": "Loading and schema",
    "structure": "Structure",
    "types": "Type consistency",
    "resolution": "Pattern resolution",
    "isolation": "Entity isolation",
    "collision": "Key collisions",
    "hazard": "Prefix and delimiter hazards",
    "projection": "Projection",
    "intent": "Intent versus keys",
    "write": "Write patterns",
    "generate": "Code generation",
    "run": "Engine run",
    "interchange": "Imports and exports",
}

_CODE = re.compile(r"^TM\d{3}$")


@dataclass(frozen=True)
class CodeInfo:
    """A registered diagnostic code and its documentation."""

    code: str
    name: str
    severity: Severity
    family: str
    summary: str
    why: str
    bad: str
    good: str

    @property
    def anchor(self) -> str:
        return f"{self.code.lower()}-{self.name}"


_REGISTRY: dict[str, CodeInfo] = {}


def _cleandoc(doc: str) -> str:
    # inspect.cleandoc without importing inspect (slow to import; this runs at start-up).
    lines = doc.expandtabs().splitlines()
    indents = [len(line) - len(line.lstrip()) for line in lines[1:] if line.strip()]
    margin = min(indents, default=0)
    body = [lines[0].strip()] + [line[margin:].rstrip() for line in lines[1:]] if lines else []
    return "\n".join(body).strip("\n")


def _sections(doc: str) -> tuple[str, str, str, str]:
    text = _cleandoc(doc)
    summary, _, rest = text.partition("\n")
    found: dict[str, list[str]] = {"why": [], "bad": [], "good": []}
    current: str | None = None
    for line in rest.splitlines():
        head = line.strip().lower()
        for key, lines in found.items():
            if head.startswith(f"{key}:"):
                current = key
                tail = line.strip()[len(key) + 1 :].strip()
                if tail:
                    lines.append(tail)
                break
        else:
            if current is not None:
                found[current].append(line[4:] if current != "why" else line.strip())
    why = " ".join(part for part in found["why"] if part).strip()
    bad = "\n".join(found["bad"]).strip("\n")
    good = "\n".join(found["good"]).strip("\n")
    return summary.strip(), why, bad, good


def declare(code: str, name: str, severity: Severity, family: str, doc: str) -> CodeInfo:
    """Declare a code with its documentation (the docstring convention above)."""
    if not _CODE.match(code):
        msg = f"bad diagnostic code {code!r}: expected TM followed by three digits"
        raise ValueError(msg)
    if code in _REGISTRY:
        msg = f"diagnostic code {code} declared twice"
        raise ValueError(msg)
    if family not in FAMILIES:
        msg = f"unknown rule family {family!r}"
        raise ValueError(msg)
    summary, why, bad, good = _sections(doc)
    info = CodeInfo(code, name, severity, family, summary, why, bad, good)
    _REGISTRY[code] = info
    return info


def info(code: str) -> CodeInfo:
    """The registered entry of a code known to be declared (its module has been imported)."""
    return _REGISTRY[code]


def get(code: str) -> CodeInfo | None:
    """The registered entry of `code`, or None (codes register when their module is imported)."""
    return _REGISTRY.get(code.upper())


def all_codes() -> list[CodeInfo]:
    """Every code registered so far, in order; `tablemodel.cli.catalogue` imports them all."""
    return sorted(_REGISTRY.values(), key=lambda info: info.code)


# ---------------------------------------------------------------------------------------------
# Codes raised while loading a model file (family `load`).

MODEL_NOT_FOUND = "TM001"
declare(
    MODEL_NOT_FOUND,
    "model-not-found",
    Severity.ERROR,
    "load",
    """The model file, folder or Python object could not be found or read.

    Why: tablemodel needs a model: a file (`.yaml`, `.yml`, `.json`, `.toml`), a folder holding
    `tablemodel.yaml`, or `package.module:attribute` naming a model built in Python.

    Bad:
        tablemodel check examples/alleycat/tablemodle.yaml

    Good:
        tablemodel check examples/alleycat
    """,
)

DOCUMENT_TOO_LARGE = "TM002"
declare(
    DOCUMENT_TOO_LARGE,
    "document-too-large",
    Severity.ERROR,
    "load",
    """The document is larger or deeper than tablemodel will read.

    Why: a model file is data, and a hostile one (a YAML alias bomb, a file of gigabytes, tens
    of thousands of nested brackets) must not exhaust memory or the stack. Files are capped at
    10 MiB, 1,000,000 nodes after alias expansion and a nesting depth of 200.

    Bad:
        a: &a [x, x, x, x, x, x, x, x, x]
        b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
        c: [*b, *b, *b, *b, *b, *b, *b, *b, *b]   # ... and so on

    Good:
        # Split a model that is really this large, or write repeated parts out once.
    """,
)

EMPTY_DOCUMENT = "TM003"
declare(
    EMPTY_DOCUMENT,
    "empty-document",
    Severity.ERROR,
    "load",
    """The model document is empty.

    Why: an empty file usually means the wrong file was named, or it was truncated.

    Bad:
        # (nothing but comments)

    Good:
        table: {name: alleycat, partition_key: {name: PK}, sort_key: {name: SK}}
        entities: {...}
    """,
)

SYNTAX_ERROR = "TM004"
declare(
    SYNTAX_ERROR,
    "syntax-error",
    Severity.ERROR,
    "load",
    """The file is not valid YAML, JSON or TOML (or repeats a key, or is not UTF-8).

    Why: a document the parser cannot read cannot be checked. Duplicate keys are errors too:
    YAML parsers silently keep the last one, which hides half of what was written.

    Bad:
        entities:
          Racer: {attributes: {racer_id: string}, keys: {PK: "racer-{racer_id}"}
          Racer: {attributes: {name: string}, keys: {PK: "x"}}

    Good:
        entities:
          Racer: {attributes: {racer_id: string}, keys: {PK: "racer-{racer_id}"}}
    """,
)

UNKNOWN_FIELD = "TM005"
declare(
    UNKNOWN_FIELD,
    "unknown-field",
    Severity.ERROR,
    "load",
    """A key that the model language does not have (often a typo).

    Why: an unknown key is ignored by lax loaders, so a misspelt `sort_key` would silently
    give a table without a sort key. tablemodel rejects it and suggests the closest name.

    Bad:
        table: {name: alleycat, partion_key: {name: PK}}

    Good:
        table: {name: alleycat, partition_key: {name: PK}}
    """,
)

INVALID_VALUE = "TM006"
declare(
    INVALID_VALUE,
    "invalid-value",
    Severity.ERROR,
    "load",
    """A value of the wrong type or outside what the field allows, or a Python model that fails.

    Why: the model is a contract; a key type of `string` instead of `S`, a negative limit or an
    unknown operator would make every later conclusion wrong. A `module:attribute` target whose
    module raises on import, or whose attribute is missing or not a model, is reported here
    too, with the exception and where it was raised.

    Bad:
        partition_key: {name: PK, type: string}

    Good:
        partition_key: {name: PK, type: S}
    """,
)

MISSING_FIELD = "TM007"
declare(
    MISSING_FIELD,
    "missing-field",
    Severity.ERROR,
    "load",
    """A required field is missing.

    Why: without it the design is incomplete: an access pattern without `intent` has no
    oracle, an entity without `keys` writes nothing.

    Bad:
        access_patterns:
          racer_profile: {description: a racer, key_condition: {PK: "racer-{racer_id}"}}

    Good:
        access_patterns:
          racer_profile:
            description: a racer
            key_condition: {PK: "racer-{racer_id}", SK: profile}
            returns: [Racer]
            intent: {select: {Racer: {racer_id: $racer_id}}}
    """,
)
