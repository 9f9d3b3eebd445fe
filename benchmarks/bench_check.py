"""Static-check benchmarks, each reported as a ratio against a baseline measured in the same run.

1. `tablemodel check examples/alleycat` as a whole process, against the floor: a Python process
   that loads a one-field pydantic model from a YAML string. Target: ratio <= 1.5. Measured as
   CPU time (user + system, the median of `--repeat` interleaved runs), and with
   `--instructions` also as the number of instructions each process executes (valgrind's
   callgrind): a count that other work on the machine does not change, where CPU time on a
   busy shared machine grows with the load (and grows more for the bigger process).
2. A generated model of 200 entities and 1,000 patterns checked in-process. Target: <= 2 s,
   and the time growing linearly with the number of patterns (250 -> 500 -> 1,000).

Measure an installed tablemodel, as users run it: `pip install .` into a fresh virtualenv
(pip compiles the bytecode), then run this script with that virtualenv's Python. The
processes run in an empty temporary folder, so they import the installed package, never the
checkout; the script says which one it measured.

Run: python benchmarks/bench_check.py [--repeat N] [--instructions] [--no-scale]
"""

from __future__ import annotations

import argparse
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ALLEYCAT = str(ROOT / "examples" / "alleycat")
sys.path.insert(0, str(Path(__file__).resolve().parent))

FLOOR = """
import yaml
from pydantic import BaseModel

class Floor(BaseModel):
    name: str

Floor.model_validate(yaml.safe_load("name: alleycat"))
"""
LIBRARY = f"from tablemodel import api\napi.check({ALLEYCAT!r})\n"
LABELS = {
    "floor": "floor (yaml + one-field pydantic model)",
    "cli": "tablemodel check examples/alleycat",
    "cli_json": "tablemodel check examples/alleycat --format json",
    "library": "python -c 'api.check(\"examples/alleycat\")'",
}


def _cpu(argv: list[str], cwd: str) -> float:
    """CPU time (user + system) of one run of the child process.

    CPU time rather than wall time: this machine's wall clock varies by a third between runs
    of the same command when other work shares the cores, CPU time by a few per cent.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(argv, cwd=cwd, capture_output=True, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        msg = f"{argv} failed with {done.returncode}: {done.stderr.decode()[-500:]}"
        raise SystemExit(msg)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _instructions(argv: list[str], cwd: str) -> int:
    """Instructions the process executes, counted by valgrind (the same on a busy machine)."""
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        msg = f"valgrind gave no count for {argv}: {done.stderr[-500:]}"
        raise SystemExit(msg)
    return int(found.group(1))


def _cli() -> list[str]:
    script = Path(sys.executable).with_name("tablemodel")
    if script.exists():
        return [str(script)]
    found = shutil.which("tablemodel")
    return [found] if found else [sys.executable, "-m", "tablemodel"]


def _commands() -> dict[str, list[str]]:
    return {
        "floor": [sys.executable, "-c", FLOOR],
        "cli": [*_cli(), "check", ALLEYCAT],
        "cli_json": [*_cli(), "check", ALLEYCAT, "--format", "json"],
        "library": [sys.executable, "-c", LIBRARY],
    }


def _measured_package(cwd: str) -> Path:
    """The tablemodel package the processes import, with its bytecode compiled."""
    done = subprocess.run(
        [sys.executable, "-c", "import tablemodel; print(tablemodel.__file__)"],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    package = Path(done.stdout.strip()).parent
    # `pip install` compiles bytecode at install time. An editable checkout under
    # PYTHONDONTWRITEBYTECODE=1 (set on some machines) would recompile every module on every
    # run; compiling once keeps even that measurement about the tool, not the compiler.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], check=True)
    return package


def bench_process(repeat: int, cwd: str) -> dict[str, float]:
    """Median CPU time of each command; the commands interleave so machine noise hits all."""
    commands = _commands()
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, argv in commands.items():
            times[name].append(_cpu(argv, cwd))
    return {name: statistics.median(values) for name, values in times.items()}


def bench_instructions(cwd: str) -> dict[str, int]:
    return {name: _instructions(argv, cwd) for name, argv in _commands().items()}


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
    parser.add_argument(
        "--instructions", action="store_true", help="also count instructions with valgrind"
    )
    parser.add_argument(
        "--no-scale", action="store_true", help="skip the 200-entity, 1,000-pattern model"
    )
    args = parser.parse_args()

    ok = True
    with tempfile.TemporaryDirectory(prefix="bench-check-") as cwd:
        package = _measured_package(cwd)
        where = (
            "a CHECKOUT (editable install), not an install"
            if package.is_relative_to(ROOT)
            else "installed"
        )
        print(f"tablemodel measured: {package} ({where})")
        medians = bench_process(args.repeat, cwd)
        floor = medians["floor"]
        print(f"CPU time, median of {args.repeat} interleaved runs:")
        for name, label in LABELS.items():
            print(
                f"  {label:52s} {medians[name] * 1000:7.1f} ms  ratio {medians[name] / floor:.2f}"
            )
        ratio = medians["cli"] / floor
        verdict = "PASS" if ratio <= 1.5 else "FAIL"
        print(f"whole-process ratio of the CLI (CPU time): {ratio:.2f} (target <= 1.5) {verdict}")
        ok = ratio <= 1.5
        if args.instructions:
            counts = bench_instructions(cwd)
            print("Instructions executed (valgrind callgrind):")
            for name, label in LABELS.items():
                share = counts[name] / counts["floor"]
                print(f"  {label:52s} {counts[name] / 1e6:7.1f} M   ratio {share:.2f}")
            counted = counts["cli"] / counts["floor"]
            verdict = "PASS" if counted <= 1.5 else "FAIL"
            print(f"whole-process ratio of the CLI (instructions): {counted:.2f} {verdict}")

    if args.no_scale:
        return 0 if ok else 1
    rows = bench_generated()
    for patterns, elapsed in rows:
        print(f"200 entities, {patterns:5d} patterns: {elapsed:6.3f} s")
    largest = rows[-1][1]
    growth = [rows[i + 1][1] / rows[i][1] for i in range(len(rows) - 1)]
    print(
        f"1,000 patterns: {largest:.3f} s (target <= 2 s) {'PASS' if largest <= 2 else 'FAIL'};"
        f" growth per doubling: {', '.join(f'{g:.2f}x' for g in growth)} (linear: <= 2x)"
    )
    ok = ok and largest <= 2 and all(g <= 2.2 for g in growth)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
