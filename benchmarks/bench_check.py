"""Static-check benchmarks, each reported as a ratio against a baseline measured in the same run.

1. `tablemodel check examples/alleycat` as a whole process (CPU time), against the floor: a Python
   process that loads a one-field pydantic model from a YAML string. Target: ratio <= 1.5.
2. A generated model of 200 entities and 1,000 patterns checked in-process. Target: <= 2 s,
   and the time growing linearly with the number of patterns (250 -> 500 -> 1,000).

Run: python benchmarks/bench_check.py [--repeat N]
"""

from __future__ import annotations

import argparse
import resource
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
    """Median CPU time (user + system) of the child process.

    CPU time rather than wall time: this machine's wall clock varies by a third between runs
    of the same command when other work shares the cores, CPU time by a few per cent.
    """
    times = []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(argv, cwd=ROOT, capture_output=True, check=False)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
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


LIBRARY = "from tablemodel import api\napi.check('examples/alleycat')\n"


def bench_process(repeat: int) -> dict[str, float]:
    # `pip install` compiles bytecode at install time; an editable checkout under
    # PYTHONDONTWRITEBYTECODE=1 (set on some machines) would recompile every module on every
    # run. Compile once so the measurement is of an installed tool, as users run it.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "tablemodel")], check=True)
    # Interleave baseline and target so machine noise hits both alike.
    commands = {
        "floor": [sys.executable, "-c", FLOOR],
        "cli": [*_cli(), "check", "examples/alleycat"],
        "cli_json": [*_cli(), "check", "examples/alleycat", "--format", "json"],
        "library": [sys.executable, "-c", LIBRARY],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, argv in commands.items():
            times[name].append(_wall(argv, 1))
    return {name: statistics.median(values) for name, values in times.items()}


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

    medians = bench_process(args.repeat)
    floor = medians["floor"]
    labels = {
        "floor": "floor (yaml + one-field pydantic model)",
        "cli": "tablemodel check examples/alleycat",
        "cli_json": "tablemodel check examples/alleycat --format json",
        "library": "python -c 'api.check(\"examples/alleycat\")'",
    }
    for name, label in labels.items():
        print(f"{label:52s} {medians[name] * 1000:7.1f} ms  ratio {medians[name] / floor:.2f}")
    ratio = medians["cli"] / floor
    verdict = "PASS" if ratio <= 1.5 else "FAIL"
    print(f"whole-process ratio of the CLI: {ratio:.2f} (target <= 1.5) {verdict}")

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
