"""What `tablemodel check --run` found: per access pattern, each call's result against its intent.

Plain data, nothing printed and no SDK imported: `formats.py` and the CLI render it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from typing import Any

from tablemodel.records import record


@record
class ItemView:
    """One item as a report shows it: its entity, its table key and its key on the index."""

    entity: str
    key: Mapping[str, Any]
    index_key: Mapping[str, Any] | None  # None: the item is not in the pattern's index
    origin: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "entity": self.entity,
            "key": {k: _plain(v) for k, v in self.key.items()},
            "index_key": None
            if self.index_key is None
            else {k: _plain(v) for k, v in self.index_key.items()},
            "origin": self.origin,
        }

    def label(self) -> str:
        key = ", ".join(f'{k}="{_plain(v)}"' for k, v in self.key.items())
        return f"{self.entity} {{{key}}}"


@record
class CallResult:
    """One call of a pattern's generated function with one set of parameters."""

    parameters: Mapping[str, Any]
    ok: bool
    expected_count: int
    actual_count: int
    missing: tuple[ItemView, ...] = ()  # expected, not returned
    unexpected: tuple[ItemView, ...] = ()  # returned, not expected (other types included)
    misordered_at: int | None = None  # first position where the order breaks
    expected_order: tuple[ItemView, ...] = ()  # around the break, for the report
    actual_order: tuple[ItemView, ...] = ()
    pages: int = 0
    items_read: int = 0  # DynamoDB's ScannedCount: what the key condition touched
    items_returned: int = 0
    read_units: float = 0.0  # estimated by tablemodel from item sizes
    seconds: float = 0.0
    error: str | None = None  # the call raised
    hint: str | None = None  # how to fix the key condition, when the run can tell

    def to_dict(self) -> dict[str, Any]:
        return {
            "parameters": {k: _plain(v) for k, v in self.parameters.items()},
            "ok": self.ok,
            "expected_count": self.expected_count,
            "actual_count": self.actual_count,
            "missing": [i.to_dict() for i in self.missing],
            "unexpected": [i.to_dict() for i in self.unexpected],
            "misordered_at": self.misordered_at,
            "expected_order": [i.to_dict() for i in self.expected_order],
            "actual_order": [i.to_dict() for i in self.actual_order],
            "pages": self.pages,
            "items_read": self.items_read,
            "items_returned": self.items_returned,
            "read_units": self.read_units,
            "seconds": round(self.seconds, 6),
            "error": self.error,
            "hint": self.hint,
        }


@record
class PatternRun:
    """Every call of one pattern, and the static verdict beside them.

    `static_verdict` is the check's verdict on the pattern with the same `--select/--ignore`;
    `verdict` is the run's own outcome; `final_verdict` the pattern's one verdict once the
    run's findings are merged into the check (`tablemodel.run.check`), which the CheckReport's
    pattern summary carries too (None from `run_model` alone, before any merge).
    """

    name: str
    static_verdict: str
    calls: tuple[CallResult, ...]
    skipped: str | None = None  # why this engine cannot run the pattern faithfully
    final_verdict: str | None = None
    # Every call expected no item (the run showed nothing): why, for the first call.
    nothing_expected: str | None = None
    scan: bool = False  # `operation: scan`: no key condition, the whole table or index read
    write: bool = False  # a write pattern: each call is a write tried, `call` says which

    @property
    def ok(self) -> bool:
        """Nothing failed: every call passed, or the engine could not run the pattern."""
        if self.skipped is not None:
            return True
        return bool(self.calls) and all(call.ok for call in self.calls)

    @property
    def verdict(self) -> str:
        if self.skipped is not None:
            return "skipped"
        if not self.calls:
            return "not run"
        return "pass" if self.ok else "fail"

    @property
    def first_failure(self) -> CallResult | None:
        return next((call for call in self.calls if not call.ok), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "static_verdict": self.static_verdict,
            "run_verdict": self.verdict,
            "verdict": self.final_verdict,
            "skipped": self.skipped,
            "nothing_expected": self.nothing_expected,
            "calls": [call.to_dict() for call in self.calls],
        } | ({"write": True} if self.write else {})


@record
class RunReport:
    """One run of every access pattern of a model against one engine."""

    source: str
    engine: str
    table_name: str
    items_loaded: int = 0
    load_seconds: float = 0.0
    patterns: tuple[PatternRun, ...] = ()
    notes: tuple[str, ...] = ()  # what the run noticed on the way (key collisions in samples)
    problem: str | None = None  # the run could not happen (the model cannot be generated)
    entities_loaded: Mapping[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.problem is None and all(p.ok for p in self.patterns)

    @property
    def failures(self) -> list[PatternRun]:
        return [p for p in self.patterns if not p.ok]

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "engine": self.engine,
            "table_name": self.table_name,
            "items_loaded": self.items_loaded,
            "entities_loaded": dict(self.entities_loaded),
            "load_seconds": round(self.load_seconds, 6),
            "ok": self.ok,
            "problem": self.problem,
            "notes": list(self.notes),
            "patterns": [p.to_dict() for p in self.patterns],
        }


def _plain(value: Any) -> Any:
    """JSON-friendly: Decimals as int or float text, bytes as hex, sets sorted."""
    from decimal import Decimal  # noqa: PLC0415

    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, set | frozenset):
        return sorted(_plain(v) for v in value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
