"""Progress lines for long tests, shown even while pytest captures their output.

A property test that runs for minutes prints nothing under pytest's default output and looks
hung. Once a test has run for `TICK` seconds, and every `TICK` seconds after that, a line

    test_mutated_documents_as_yaml: 1,250 of ~2,500 cases after 30 s

goes straight to the terminal: to a copy of standard output's file descriptor taken before any
test ran, so it bypasses the capture without touching it (the test's own output stays
captured). A test that is not a Hypothesis test gets `still running after 30 s`.

Under pytest-xdist (the suite's default, `-n auto`) each worker has a reporter of its own and
prefixes its lines with the worker's id (`[gw1] test_mutated_documents_as_yaml: ...`), each a
whole line of its own, since the controller prints the other tests' dots meanwhile. They go
to standard error: execnet points a worker's standard output at /dev/null (it carries the
worker's channel on a copy), while standard error is still the terminal the run started in.

This module is a pytest plugin (`tests/conftest.py` lists it in `pytest_plugins`): it starts
the reporter and follows each test's call; Hypothesis tests have their cases counted without
any change to them. A test that runs a `@given` function of its own (one that is not a test
item) passes it through `count_cases` to have its cases counted too.
`TABLEMODEL_TEST_PROGRESS=0` turns the lines off; another number sets the seconds between them.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import threading
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest

__all__ = [
    "TICK",
    "ProgressReporter",
    "count_cases",
    "pytest_configure",
    "pytest_runtest_call",
    "pytest_unconfigure",
    "reporter",
]

TICK = 10.0  # seconds between lines, and before the first
F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class _Running:
    name: str
    started: float
    next_line: float
    cases: int = 0
    total: int | None = None
    wrote: bool = False


class ProgressReporter:
    """Writes a progress line for the running test every `tick` seconds, from a thread."""

    def __init__(self, fd: int, tick: float = TICK, prefix: str = "") -> None:
        self._fd = fd
        self._tick = tick
        # A prefix marks an xdist worker: others write to the terminal between our lines.
        self._prefix = prefix
        self._running: _Running | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="test-progress", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        os.close(self._fd)

    def test_started(self, name: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._running = _Running(name, now, now + self._tick)

    def test_finished(self) -> None:
        with self._lock:
            running, self._running = self._running, None
        if running is not None and running.wrote and not self._prefix:
            self._write("\n")  # pytest's own progress goes on on a line of its own

    def count(self, total: int | None) -> Callable[[], None]:
        """A function that counts one case of the running test, which has about `total`."""
        with self._lock:
            running = self._running
        if running is None:
            return lambda: None
        running.total = total if running.total is None else running.total + (total or 0)

        def one_case() -> None:
            running.cases += 1

        return one_case

    def _loop(self) -> None:
        while not self._stop.wait(min(0.5, self._tick / 4)):
            now = time.monotonic()
            with self._lock:
                running = self._running
                if running is None or now < running.next_line:
                    continue
                running.next_line = now + self._tick
                running.wrote = True
                line = _line(running, now - running.started)
            self._write(f"\n    {self._prefix}{line}\n" if self._prefix else f"\n    {line}")

    def _write(self, text: str) -> None:
        with contextlib.suppress(OSError):  # a closed terminal must not fail a test
            os.write(self._fd, text.encode("utf-8", "replace"))


def _line(running: _Running, elapsed: float) -> str:
    if running.cases == 0 and running.total is None:
        return f"{running.name}: still running after {elapsed:.0f} s"
    of = f" of ~{running.total:,}" if running.total else ""
    return f"{running.name}: {running.cases:,}{of} cases after {elapsed:.0f} s"


_reporter: ProgressReporter | None = None


def reporter() -> ProgressReporter | None:
    """The session's reporter, or None when progress lines are off."""
    return _reporter


def install(fd: int, prefix: str = "") -> ProgressReporter | None:
    """Start the session's reporter on a copy of `fd`, unless the env var turns it off."""
    global _reporter  # noqa: PLW0603  (one reporter per pytest session)
    setting = os.environ.get("TABLEMODEL_TEST_PROGRESS", "")
    try:
        tick = float(setting) if setting else TICK
    except ValueError:
        tick = TICK
    if tick <= 0:
        return None
    _reporter = ProgressReporter(os.dup(fd), tick, prefix)
    _reporter.start()
    return _reporter


def uninstall() -> None:
    global _reporter  # noqa: PLW0603
    if _reporter is not None:
        _reporter.stop()
        _reporter = None


def count_cases(test: F) -> F:
    """Have the cases of a `@given` function counted in the running test's progress lines.

    Wraps the function's inner test (Hypothesis's documented hook for this, `.hypothesis.
    inner_test`); the total is its `max_examples`. Returns the same function.
    """
    handle = getattr(test, "hypothesis", None)
    if handle is None or reporter() is None:
        return test
    session = reporter()
    assert session is not None
    settings = getattr(test, "_hypothesis_internal_use_settings", None)
    inner = handle.inner_test
    generated: int | None = getattr(settings, "max_examples", None)
    # `@example` cases run too, besides the generated ones; Hypothesis keeps them on the
    # function each decorated (usually the @given one, sometimes the one inside it).
    # (@given copies the inner function's attributes: the same list is counted once.)
    found = [getattr(function, "hypothesis_explicit_examples", []) for function in (test, inner)]
    explicit = sum(len(examples) for examples in {id(e): e for e in found}.values())
    one_case = session.count(None if generated is None else generated + explicit)

    @functools.wraps(inner)
    def counted(*args: Any, **kwargs: Any) -> Any:
        one_case()
        return inner(*args, **kwargs)

    handle.inner_test = counted
    return test


def uncount_cases(test: Any) -> None:
    """Undo `count_cases` (the wrapped inner test keeps its original under `__wrapped__`)."""
    handle = getattr(test, "hypothesis", None)
    inner = getattr(handle, "inner_test", None)
    original = getattr(inner, "__wrapped__", None)
    if handle is not None and original is not None:
        handle.inner_test = original


# ---------------------------------------------------------------------------------------------
# pytest hooks


def pytest_configure(config: pytest.Config) -> None:
    # Output capture is suspended while plugins are configured: the file descriptor is still
    # the terminal (or the CI log) here, and the copy keeps pointing there once capture starts.
    worker: dict[str, Any] | None = getattr(config, "workerinput", None)
    stream, prefix = (
        (sys.stdout, "") if worker is None else (sys.stderr, f"[{worker['workerid']}] ")
    )
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return  # not a file (an in-process pytester run)
    install(fd, prefix)


def pytest_unconfigure(config: pytest.Config) -> None:
    uninstall()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    session = reporter()
    if session is None:
        return (yield)
    session.test_started(item.name)
    test: Any = getattr(item, "obj", None)
    counted = hasattr(test, "hypothesis")
    if counted:
        count_cases(test)
    try:
        return (yield)
    finally:
        if counted:
            uncount_cases(test)
        session.test_finished()
