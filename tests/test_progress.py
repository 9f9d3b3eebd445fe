"""Progress lines of long tests (tests/progress.py) reach the terminal through output capture."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

from tests import progress
from tests.progress import ProgressReporter

ROOT = Path(__file__).resolve().parent.parent


def _read_all(fd: int) -> str:
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    return b"".join(chunks).decode()


def test_lines_count_cases_and_come_every_tick() -> None:
    read, write = os.pipe()
    reporter = ProgressReporter(write, tick=0.2)
    reporter.start()
    try:
        reporter.test_started("test_keys")
        one_case = reporter.count(5000)
        for _ in range(1234):
            one_case()
        time.sleep(1.0)
        reporter.test_finished()
        reporter.test_started("test_quiet")  # finishes before its first tick: no line
        reporter.test_finished()
        reporter.test_started("test_plain")
        time.sleep(0.5)
        reporter.test_finished()
    finally:
        reporter.stop()  # closes the write end
    text = _read_all(read)
    os.close(read)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    assert lines, text
    keys = [line for line in lines if line.startswith("test_keys: 1,234 of ~5,000 cases after")]
    assert len(keys) >= 3, text
    assert any(line.startswith("test_plain: still running after") for line in lines), text
    assert not any("test_quiet" in line for line in lines)
    assert text.endswith("\n")  # pytest's own progress goes on on a fresh line


def test_a_hypothesis_test_shows_progress_under_default_capture(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(
        test_long="""
        import time

        from hypothesis import given, settings, strategies as st

        @settings(max_examples=30, deadline=None, database=None)
        @given(st.integers())
        def test_property(n):
            print("captured, never shown")
            time.sleep(0.05)

        def test_plain():
            time.sleep(1.0)
        """
    )
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    monkeypatch.setenv("TABLEMODEL_TEST_PROGRESS", "0.3")

    result = pytester.runpytest_subprocess("-p", "tests.progress", "-p", "no:cacheprovider")

    result.assert_outcomes(passed=2)
    out = result.stdout.str()
    assert "of ~30 cases after" in out
    assert "test_property: " in out
    assert "test_plain: still running after" in out
    assert "captured, never shown" not in out


def test_xdist_workers_show_progress_lines_named_by_worker(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under `-n 2` (the suite's default is `-n auto`) each worker's lines reach the terminal."""
    pytester.makepyfile(
        test_long="""
        import time

        from hypothesis import given, settings, strategies as st

        @settings(max_examples=20, deadline=None, database=None)
        @given(st.integers())
        def test_property(n):
            time.sleep(0.05)

        def test_plain():
            print("captured, never shown")
            time.sleep(1.0)
        """
    )
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    monkeypatch.setenv("TABLEMODEL_TEST_PROGRESS", "0.3")

    result = pytester.runpytest_subprocess(
        "-n", "2", "-p", "tests.progress", "-p", "no:cacheprovider"
    )

    result.assert_outcomes(passed=2)
    # A worker's standard output is execnet's (pointed at /dev/null): its lines go to stderr.
    err = result.stderr.str()
    assert re.search(r"^    \[gw[01]\] test_property: \d+ of ~20 cases after", err, re.M), err
    assert re.search(r"^    \[gw[01]\] test_plain: still running after", err, re.M), err
    assert "captured, never shown" not in err + result.stdout.str()


def test_progress_lines_can_be_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TABLEMODEL_TEST_PROGRESS", "0")
    read, write = os.pipe()
    try:
        assert progress.install(write) is None
    finally:
        os.close(read)
        os.close(write)


def test_explicit_examples_count_towards_the_total() -> None:
    """A test with `@example`s runs them besides its `max_examples`: the total says so."""
    from hypothesis import example, given, settings  # noqa: PLC0415
    from hypothesis import strategies as st  # noqa: PLC0415

    @settings(max_examples=3, database=None)
    @example(n=-1)
    @example(n=-2)
    @given(st.integers(min_value=0))
    def check(n: int) -> None:
        pass

    read, write = os.pipe()
    reporter = ProgressReporter(write, tick=0.2)
    reporter.start()
    saved = progress._reporter
    progress._reporter = reporter
    try:
        reporter.test_started("test_with_examples")
        progress.count_cases(check)()
        time.sleep(0.5)
        reporter.test_finished()
    finally:
        progress._reporter = saved
        reporter.stop()
    text = _read_all(read)
    os.close(read)
    assert "test_with_examples: 5 of ~5 cases after" in text, text
