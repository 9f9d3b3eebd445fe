"""Static-check benchmarks, each reported as a ratio against a baseline measured in the same run.

1. `tablemodel check examples/alleycat` as a whole process, against the floor: a Python
   process that loads a one-field pydantic model from a YAML string. Target: ratio <= 1.5.
2. A generated model of 200 entities and 1,000 patterns checked in-process. Target: <= 2 s,
   and the time growing linearly with the number of patterns (250 -> 500 -> 1,000).

Run: python benchmarks/bench_check.py [--repeat N]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

FLOOR = """
import yaml
from pydantic import BaseModel

class Floor(BaseModel):
    name: str

Floor.model_validate(yaml.safe_load("name: alleycat"))
"""


def _wall(argv: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(argv, cwd=ROOT, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
        if done.returncode not in (0, 1):
            msg = f"{argv} failed with {done.returncode}: {done.stderr.decode()[-500:]}"
            raise SystemExit(msg)
    return statistics.median(times)


def _cli() -> list[str]:
    script = Path(sys.executable).with_name("tablemodel")
    if script.exists():
        return [str(script)]
    found = shutil.which("tablemodel")
    return [found] if found else [sys.executable, "-m", "tablemodel"]


def bench_process(repeat: int) -> tuple[float, float, float]:
    # `pip install` compiles bytecode at install time; an editable checkout under
    # PYTHONDONTWRITEBYTECODE=1 (set on some machines) would recompile every module on every
    # run. Compile once so the measurement is of an installed tool, as users run it.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "tablemodel")], check=True)
    # Interleave baseline and target so machine noise hits both alike.
    floor_times, check_times = [], []
    for _ in range(repeat):
        floor_times.append(_wall([sys.executable, "-c", FLOOR], 1))
        check_times.append(_wall([*_cli(), "check", "examples/alleycat"], 1))
    floor = statistics.median(floor_times)
    check = statistics.median(check_times)
    return floor, check, check / floor


def bench_generated() -> list[tuple[int, float]]:
    from generated_model import build  # noqa: PLC0415

    from tablemodel.api import check_model  # noqa: PLC0415
    from tablemodel.schema.model import Model  # noqa: PLC0415

    results = []
    for patterns in (250, 500, 1000):
        data = build(200, patterns)
        start = time.perf_counter()
        report = check_model(Model.model_validate(data))
        elapsed = time.perf_counter() - start
        if report.errors:
            msg = f"generated model has errors: {report.errors[:3]}"
            raise SystemExit(msg)
        results.append((patterns, elapsed))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()

    floor, check, ratio = bench_process(args.repeat)
    print(f"floor process (yaml + one-field pydantic model): {floor * 1000:7.1f} ms")
    print(f"tablemodel check examples/alleycat:              {check * 1000:7.1f} ms")
    print(f"ratio: {ratio:.2f} (target <= 1.5) {'PASS' if ratio <= 1.5 else 'FAIL'}")

    rows = bench_generated()
    for patterns, elapsed in rows:
        print(f"200 entities, {patterns:5d} patterns: {elapsed:6.3f} s")
    largest = rows[-1][1]
    growth = [rows[i + 1][1] / rows[i][1] for i in range(len(rows) - 1)]
    print(
        f"1,000 patterns: {largest:.3f} s (target <= 2 s) {'PASS' if largest <= 2 else 'FAIL'};"
        f" growth per doubling: {', '.join(f'{g:.2f}x' for g in growth)} (linear: <= 2x)"
    )
    ok = ratio <= 1.5 and largest <= 2 and all(g <= 2.2 for g in growth)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
