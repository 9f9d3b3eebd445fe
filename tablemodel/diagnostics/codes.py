"""The registry of diagnostic codes.

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

import functools
import re

from tablemodel.diagnostics.diagnostic import Severity
from tablemodel.records import record

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


@record
class CodeInfo:
    """A registered diagnostic code and its documentation.

    The documentation is kept as written and split into its sections when first asked for:
    a check that reports nothing never reads it.
    """

    code: str
    name: str
    severity: Severity
    family: str
    doc: str

    @property
    def summary(self) -> str:
        return _sections(self.doc)[0]

    @property
    def why(self) -> str:
        return _sections(self.doc)[1]

    @property
    def bad(self) -> str:
        return _sections(self.doc)[2]

    @property
    def good(self) -> str:
        return _sections(self.doc)[3]

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


@functools.cache
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
    info = CodeInfo(code, name, severity, family, doc)
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
