"""`tablemodel check --run`: every access pattern run on an engine and compared with its intent.

The run goes through the code services use, not around it:

1. the model is generated into a temporary module (exactly what `tablemodel generate` writes)
   and imported;
2. a table with a unique name is created in the engine through the generated `create_table()`;
3. sample items (seeded, relationship-aware, hostile by default: `tablemodel.run.sample`) are
   built with the generated entity constructors and written with the generated batch writer;
4. every pattern is called through its generated function, with several parameter sets chosen
   to expose over-matching, and small pages so that pagination is exercised; the cursor pages
   of the `_page` function must give the same items as the iterator;
5. what comes back is compared with the pattern's intent evaluated in plain Python over the
   same sample items (`tablemodel.run.intent`): the same items, in order where the intent
   orders them, within the limit, and no item of another entity type;
6. the table is deleted (only ever a table this run created).
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import importlib.util
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

from tablemodel.check import run_checks
from tablemodel.check.analysis import Analysis
from tablemodel.check.intent_gaps import bound_correction
from tablemodel.check.proof import translate
from tablemodel.design import Design, PatternDesign, build_design
from tablemodel.engines.guard import endpoint_refusal
from tablemodel.engines.session import (
    EngineFault,
    describe_fault,
    engine_session,
    is_engine_error,
    resolve_region,
)
from tablemodel.generate import generate_source
from tablemodel.generate.naming import parameter_name
from tablemodel.records import record
from tablemodel.results.check_report import CheckReport
from tablemodel.results.run_report import CallResult, ItemView, PatternRun, RunReport
from tablemodel.run.intent import compare, expected_result, stored, why_nothing
from tablemodel.run.items import SampleError, SampleItem
from tablemodel.run.parameters import parameter_sets
from tablemodel.run.sample import generate_samples
from tablemodel.run.writes import run_write_patterns
from tablemodel.runtime.chunks import ChunkRecordError
from tablemodel.runtime.errors import BatchWriteError, TableExistsError
from tablemodel.runtime.query import PatternSpec, QueryTrace
from tablemodel.runtime.size import get_read_units, item_size, read_units
from tablemodel.runtime.specs import EntitySpec, TableSpec, identify
from tablemodel.schema.loader import LoadedModel

__all__ = ["Progress", "RunOptions", "run_model", "vacuum_table"]

Progress = Callable[[str, int, int], None]
"""Called with (stage, done, total) while items load and patterns run."""

_SHOWN = 3  # items around an order break, in the report


@record
class RunOptions:
    """How to run: which engine, which data, how small the pages are."""

    engine: str = "moto"
    endpoint_url: str | None = None
    allow_aws: bool = False
    region: str | None = None
    seed: int | None = None
    page_size: int = 2
    max_parameter_sets: int = 6
    progress: Progress | None = None


def run_model(
    loaded: LoadedModel | Design,
    options: RunOptions | None = None,
    *,
    static: CheckReport | None = None,
) -> RunReport:
    """Run every access pattern of `loaded` (a loaded model, or its design).

    `static` is the check report whose verdicts the run report shows beside each pattern's
    run: the caller's, with its `--select/--ignore`; without it every rule runs.

    Raises `GenerateError` when the model cannot be generated (so not run) and `EngineFault`
    when the engine fails.
    """
    options = options or RunOptions()
    design = loaded if isinstance(loaded, Design) else build_design(loaded.model, loaded)
    if static is None:
        static = run_checks(design)
    base_name = design.model.table.name
    table_name = f"{base_name[:200]}-tm-{uuid.uuid4().hex[:10]}"
    with tempfile.TemporaryDirectory(prefix="tablemodel-run-") as folder:
        target = Path(folder) / "models.py"
        target.write_text(generate_source(design, output=target), encoding="utf-8")
        with (
            _imported(target) as module,
            engine_session(
                options.engine,
                endpoint_url=options.endpoint_url,
                allow_aws=options.allow_aws,
                region=options.region,
            ) as session,
        ):
            module.configure(
                table_name=table_name, endpoint_url=session.endpoint_url, region=session.region
            )
            try:
                module.create_table()
            except TableExistsError as err:
                raise EngineFault(str(err)) from None
            except Exception as err:
                raise _fault(err, "creating the table") from err
            verdicts = {p.name: p.verdict.value for p in static.patterns}
            try:
                return _Run(design, module, options, session.name, table_name).execute(verdicts)
            finally:
                with contextlib.suppress(Exception):  # the run's own result matters more
                    module.delete_table()


MOTO_LSI_FETCH = (
    "moto returns only what an LSI projects, where DynamoDB fetches the rest of each item from"
    " the table (Select=ALL_ATTRIBUTES): run this pattern on DynamoDB Local (--engine"
    " dynamodb-local; under pytest, --tablemodel-engine dynamodb-local)"
)


def vacuum_table(
    loaded: LoadedModel,
    table_name: str,
    *,
    endpoint_url: str | None = None,
    allow_aws: bool = False,
    region: str | None = None,
    grace_seconds: float = 3600.0,
) -> Any:
    """Remove orphan chunk items from a table of the model (the generated `vacuum_chunks`).

    Vacuum deletes items, so it is held to the rule of runs: an endpoint that is not a
    loopback address, or AWS itself (no `endpoint_url`), needs `allow_aws`, and is refused
    with an `EngineFault` before any request otherwise.

    Returns the `VacuumStats`. Raises `EngineFault` when the endpoint is refused or the table
    cannot be reached, and `ValueError` when the model has no chunked entity.
    """
    refusal = endpoint_refusal(endpoint_url, allow_aws=allow_aws)
    if refusal is not None:
        raise EngineFault(refusal)
    if not any(e.chunking for e in loaded.model.entities.values()):
        msg = "the model has no chunked entity, so its tables hold no chunk items"
        raise ValueError(msg)
    with tempfile.TemporaryDirectory(prefix="tablemodel-vacuum-") as folder:
        target = Path(folder) / "models.py"
        target.write_text(generate_source(loaded, output=target), encoding="utf-8")
        with _imported(target) as module:
            region = resolve_region(endpoint_url, region)
            module.configure(table_name=table_name, endpoint_url=endpoint_url, region=region)
            try:
                return module.vacuum_chunks(grace_seconds=grace_seconds)
            except Exception as err:
                raise _fault(err, f"vacuuming {table_name}") from err


@contextmanager
def _imported(path: Path) -> Iterator[ModuleType]:
    name = f"_tablemodel_run_{uuid.uuid4().hex}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:  # pragma: no cover (a file we just wrote)
        msg = f"cannot import the generated module {path}"
        raise RuntimeError(msg)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(name, None)


def _fault(err: BaseException, doing: str) -> BaseException:
    if isinstance(err, EngineFault):
        return err
    if isinstance(err, BatchWriteError) or is_engine_error(err):
        return EngineFault(f"the engine failed while {doing}: {describe_fault(err)}")
    return err


def _normal(value: Mapping[str, Any]) -> tuple[str, str]:
    """A key attribute's wire value in one canonical form (numbers normalised)."""
    ((kind, raw),) = value.items()
    if kind == "N":
        number = Decimal(raw)
        return kind, "0" if number.is_zero() else str(number.normalize())
    if isinstance(raw, bytes):
        return kind, raw.hex()
    return kind, str(raw)


class _Run:
    """One run: the loaded items, their keys and sizes, and every pattern's calls."""

    def __init__(
        self, design: Design, module: ModuleType, options: RunOptions, engine: str, table: str
    ) -> None:
        self.design = design
        self.module = module
        self.options = options
        self.engine = engine
        self.table_name = table
        self.table = design.model.table
        self.primary = [self.table.partition_key.name] + (
            [self.table.sort_key.name] if self.table.sort_key else []
        )
        self.classes = {cls._spec.name: cls for cls in module.ENTITIES}
        # Items are named by entity as the generated code reads them: by the discriminator,
        # or (without one) by the entity whose key templates parse the primary key.
        self.specs: list[EntitySpec] = [cls._spec for cls in module.ENTITIES]
        self.table_spec: TableSpec = module.TABLE
        self.samples: list[SampleItem] = []
        self.wire: list[dict[str, Any]] = []  # each sample as stored (DynamoDB JSON)
        self.index_of: dict[tuple[tuple[str, str], ...], int] = {}
        self.notes: list[str] = []
        self.ambiguous = Analysis(design).ambiguous

    # -- loading -----------------------------------------------------------------------------

    def execute(self, static: Mapping[str, str]) -> RunReport:
        """Load the samples and run every pattern; `static` holds the check's verdicts."""
        started = time.perf_counter()
        self.samples = generate_samples(self.design, seed=self.options.seed)
        instances = [self._instance(item) for item in self.samples]
        self._load(instances)
        load_seconds = time.perf_counter() - started
        runs: list[PatternRun] = []
        names = list(self.design.patterns)
        for done, name in enumerate(names):
            self._progress("patterns", done, len(names))
            runs.append(self._run_pattern(self.design.patterns[name], static.get(name, "")))
        self._progress("patterns", len(names), len(names))
        runs += run_write_patterns(self.design, self.module, static, self.notes)
        counts: dict[str, int] = {}
        for item in self.samples:
            counts[item.entity] = counts.get(item.entity, 0) + 1
        return RunReport(
            source=self.design.source,
            engine=self.engine,
            table_name=self.table_name,
            items_loaded=len(self.samples),
            load_seconds=load_seconds,
            patterns=tuple(runs),
            notes=tuple(self.notes),
            entities_loaded=counts,
        )

    def _progress(self, stage: str, done: int, total: int) -> None:
        if self.options.progress is not None:
            self.options.progress(stage, done, total)

    def _instance(self, item: SampleItem) -> Any:
        cls = self.classes[item.entity]
        spec = cls._spec
        return cls(**{spec.py(name): value for name, value in item.values.items()})

    def _identity(self, wire: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
        return tuple(_normal(wire[name]) for name in self.primary)

    def _load(self, instances: Sequence[Any]) -> None:
        self.wire = [instance.serialize() for instance in instances]
        rounds: list[list[Any]] = []  # writes to one key go to separate requests, in order
        seen: dict[tuple[tuple[str, str], ...], int] = {}
        for index, (instance, wire) in enumerate(zip(instances, self.wire, strict=True)):
            identity = self._identity(wire)
            if identity in self.index_of:
                first = self.samples[self.index_of[identity]]
                self.notes.append(
                    f"sample items {first.entity} and {self.samples[index].entity} compose the "
                    f"same key {self._key_text(wire)}; the later write replaced the earlier"
                )
            self.index_of[identity] = index
            occurrence = seen.get(identity, 0)
            seen[identity] = occurrence + 1
            while len(rounds) <= occurrence:
                rounds.append([])
            rounds[occurrence].append(instance)
        total = len(instances)
        done = 0
        for batch in rounds:
            # Versioned and chunked entities cannot go in a batch: one conditional write each.
            single = [i for i in batch if i._spec.version or i._spec.chunking]
            plain = [i for i in batch if not (i._spec.version or i._spec.chunking)]
            try:
                for start in range(0, len(plain), 100):
                    chunk = plain[start : start + 100]
                    self.module.batch_write(chunk)
                    done += len(chunk)
                    self._progress("load", done, total)
                for instance in single:
                    try:
                        instance.put()
                    except ChunkRecordError as err:  # a fixture the chunk codec cannot hold
                        where = f"sample item {instance._spec.name}"
                        raise SampleError(where, str(err)) from None
                    done += 1
                    self._progress("load", done, total)
            except SampleError:
                raise
            except Exception as err:
                raise _fault(err, "loading the sample items") from err

    def _key_text(self, wire: Mapping[str, Any]) -> str:
        return ", ".join(f"{name}={_normal(wire[name])[1]!r}" for name in self.primary)

    # -- one pattern -------------------------------------------------------------------------

    def _run_pattern(self, pattern: PatternDesign, static_verdict: str) -> PatternRun:
        if not pattern.runnable:
            return PatternRun(pattern.name, static_verdict, ())
        spec: PatternSpec[Any] = self.module.ACCESS_PATTERNS[pattern.name]
        if spec.whole_items and self.engine == "moto":
            return PatternRun(pattern.name, static_verdict, (), skipped=MOTO_LSI_FETCH)
        sets = parameter_sets(
            self.design, pattern.name, self.samples, max_sets=self.options.max_parameter_sets
        )
        calls = tuple(self._call(pattern, params) for params in sets)
        nothing = None
        if calls and all(c.expected_count == 0 and c.error is None for c in calls):
            nothing = why_nothing(self.design, pattern.name, sets[0], self.samples)
        return PatternRun(
            pattern.name, static_verdict, calls, nothing_expected=nothing, scan=pattern.is_scan
        )

    def _call(self, pattern: PatternDesign, params: Mapping[str, object]) -> CallResult:
        function = getattr(self.module, pattern.name)
        pager = getattr(self.module, pattern.name + "_page")
        spec: PatternSpec[Any] = self.module.ACCESS_PATTERNS[pattern.name]
        kwargs: dict[str, Any] = {parameter_name(n): v for n, v in params.items()}
        limit = self._limit(pattern, params)
        if limit is not None:
            kwargs["limit"] = limit
        trace = QueryTrace(audit=True)
        started = time.perf_counter()
        try:
            typed = list(function(**kwargs, page_size=self.options.page_size, trace=trace))
            seconds = time.perf_counter() - started  # the call as a service makes it
            paged = self._walk_pages(pager, kwargs)
        except Exception as err:
            fault = _fault(err, f"running {pattern.name}")
            if isinstance(fault, EngineFault):  # the engine failed, not the pattern
                raise fault from err
            return CallResult(
                parameters=dict(params),
                ok=False,
                expected_count=0,
                actual_count=0,
                error=f"{type(err).__name__}: {err}",
            )
        raw = [item for page in trace.pages for item in page.items]
        if limit is not None:
            raw = raw[:limit]
        actual = [self.index_of.get(self._identity(item)) for item in raw]
        expected = expected_result(self.design, pattern.name, params, self.samples)
        known = [i for i in actual if i is not None]
        outcome = compare(expected, known)
        foreign = [
            self._view(pattern, item) for item, i in zip(raw, actual, strict=True) if i is None
        ]
        typed_keys = [self._identity(item.serialize(null_check=False)) for item in typed]
        error = None
        if [self._identity(item.serialize(null_check=False)) for item in paged] != typed_keys:
            error = "the _page function's cursor pages returned other items than the iterator"
        # What the service sees is what the function yields: an item of a returned entity
        # that the pages held but the function could not identify is lost to its caller.
        yielded = set(typed_keys)
        lost = [
            i
            for item, i in zip(raw, actual, strict=True)
            if i is not None
            and self.samples[i].entity in pattern.returns
            and self._identity(item) not in yielded
        ]
        if lost and error is None:
            first = self.samples[lost[0]]
            key = self.samples_view(pattern, lost[0]).key
            error = (
                f"the function did not yield {len(lost)} item(s) of {first.entity} that the"
                f" query read: it could not tell their entity (the first at key {key})"
            )
        ordered = [self.samples_view(pattern, i) for i in known]
        expected_flat = [i for group in expected.groups for i in group]
        break_at = outcome.misordered
        hint = self._bound_hint(pattern, params, outcome.missing) if outcome.missing else None
        return CallResult(
            parameters=dict(params),
            ok=outcome.ok and not foreign and error is None,
            expected_count=outcome.expected_count,
            actual_count=len(raw),
            missing=tuple(self.samples_view(pattern, i) for i in outcome.missing),
            unexpected=tuple([self.samples_view(pattern, i) for i in outcome.unexpected] + foreign),
            misordered_at=break_at,
            expected_order=tuple(
                self.samples_view(pattern, i) for i in _around(expected_flat, break_at)
            ),
            actual_order=tuple(_around(ordered, break_at)),
            pages=len(trace.pages),
            items_read=trace.items_read,
            items_returned=len(raw),
            read_units=self._read_units(pattern, spec, params, trace),
            seconds=seconds,
            error=error,
            hint=hint,
        )

    def _bound_hint(
        self, pattern: PatternDesign, params: Mapping[str, object], missing: Sequence[int]
    ) -> str | None:
        """For items a range missed: the bound that leaves out their value, and the fix.

        A missing item whose value equals the parameter a bound compares it with sits on that
        bound; when the proof's walk of the templates says keys with an equal value pass the
        bound, the checker's corrected condition says how to keep them.
        """
        for index in missing:
            item = self.samples[index]
            entity = self.design.entities[item.entity]
            translation = translate(self.design, pattern, entity, ambiguous=self.ambiguous)
            for bound in translation.bounds.values():
                name = bound.operand[1:] if bound.operand.startswith("$") else None
                if name is None or name not in params:
                    continue
                if _on_bound(item.values.get(bound.attribute), params[name], day=bound.step.day):
                    found = bound_correction(pattern, entity, bound)
                    if found is not None:
                        return found
        return None

    def _limit(self, pattern: PatternDesign, params: Mapping[str, object]) -> int | None:
        """The limit a caller passes: the intent's `$parameter`, else the pattern's own."""
        limit = pattern.spec.intent.limit
        if isinstance(limit, str) and limit.startswith("$") and limit[1:] in params:
            value = params[limit[1:]]
            return value if isinstance(value, int) else None
        return pattern.spec.limit

    def _walk_pages(self, pager: Callable[..., Any], kwargs: Mapping[str, Any]) -> list[Any]:
        items: list[Any] = []
        cursor: str | None = None
        for _ in range(10_000):
            page = pager(
                **kwargs,
                cursor=cursor,
                page_size=self.options.page_size,
                trace=QueryTrace(audit=True),
            )
            items += page.items
            cursor = page.cursor
            if cursor is None:
                return items
        msg = "the _page function never ended (10,000 pages)"
        raise RuntimeError(msg)

    # -- capacity ----------------------------------------------------------------------------

    def _read_units(
        self,
        pattern: PatternDesign,
        spec: PatternSpec[Any],
        params: Mapping[str, object],
        trace: QueryTrace,
    ) -> float:
        """Read units of the call, from the sizes of the items each page read.

        A filter is applied after reading, so a filtered page reads items it does not return;
        their sizes come from the same query without its filter.
        """
        pages = [list(page.items) for page in trace.pages]
        if spec.filters and trace.items_read > trace.items_returned:
            unfiltered = copy.copy(spec)
            unfiltered.filters = ()
            audit = QueryTrace(audit=True)
            list(unfiltered.items(params, limit=None, trace=audit))
            read = [item for page in audit.pages for item in page.items]
            pages, start = [], 0
            for page in trace.pages:
                pages.append(read[start : start + page.scanned_count])
                start += page.scanned_count
        consistent = bool(pattern.spec.consistent_read)
        units = sum(
            read_units(
                [self._projected_size(pattern, item) for item in page], consistent=consistent
            )
            for page in pages
            if page
        )
        if spec.whole_items:  # each index entry read also fetches its item from the table
            units += sum(
                get_read_units(item_size(item), consistent=consistent)
                for page in pages
                for item in page
            )
        return units

    def _projected_size(self, pattern: PatternDesign, item: Mapping[str, Any]) -> int:
        index = pattern.index
        assert index is not None
        if index.kind == "table" or index.projection.type == "all":
            return item_size(item)
        keep = set(self.primary) | set(index.key_names)
        if index.projection.type == "include":
            keep |= set(index.projection.attributes)
        return item_size({k: v for k, v in item.items() if k in keep})

    # -- views -------------------------------------------------------------------------------

    def samples_view(self, pattern: PatternDesign, index: int) -> ItemView:
        view = self._view(pattern, self.wire[index])
        return ItemView(view.entity, view.key, view.index_key, self.samples[index].origin)

    def _view(self, pattern: PatternDesign, wire: Mapping[str, Any]) -> ItemView:
        spec = identify(self.specs, self.table_spec, wire)
        if spec is not None:
            entity = spec.name
        else:
            disc = self.table.discriminator_attribute or ""
            found = wire.get(disc, {}).get("S") if disc else None
            entity = f"<{found or 'no type'}>"
        key = {name: _normal(wire[name])[1] for name in self.primary if name in wire}
        index = pattern.index
        index_key: dict[str, Any] | None = None
        if index is not None and index.kind != "table":
            if all(name in wire for name in index.key_names):
                index_key = {name: _normal(wire[name])[1] for name in index.key_names}
        elif index is not None:
            index_key = dict(key)
        return ItemView(entity, key, index_key)


def _on_bound(value: object, bound: object, *, day: bool) -> bool:
    """Whether an item's value equals a bound's parameter (its UTC day, for a day bound)."""
    if value is None:
        return False
    if day and isinstance(value, dt.datetime) and isinstance(bound, dt.date):
        return value.astimezone(dt.UTC).date() == bound
    return stored(value) == stored(bound)


def _around(items: Sequence[Any], at: int | None) -> list[Any]:
    if at is None:
        return []
    return list(items[max(at - 1, 0) : at + _SHOWN])
