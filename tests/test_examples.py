"""The shipped examples run as their READMEs say."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.generated import ALLEYCAT


def _run_example(script: str) -> str:
    """The standard output of an example script, which must exit 0."""
    done = subprocess.run(
        [sys.executable, str(ALLEYCAT / script)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.engine
def test_alleycat_demo_runs_on_moto(aws_credentials: None) -> None:
    out = _run_example("demo.py")
    assert "races of racer '1' (not '10', not '1#lap_2'):\n  spin-mon: " in out
    assert "\n  spin-tue: " in out
    assert "1. racer" in out
    assert "5. racer" in out
    assert "6. racer" not in out
    assert "stored key of racer '1#lap_2': PK='racer-1\\\\#lap_2' SK='profile'" in out


@pytest.mark.engine
def test_hour_race_compares_layouts_and_round_trips(aws_credentials: None) -> None:
    out = _run_example("hour_race.py")
    assert "article: 600 points a row            60" in out
    assert "tablemodel: JSON + zlib               3" in out
    assert "round trip on moto: 36,000 points back" in out
