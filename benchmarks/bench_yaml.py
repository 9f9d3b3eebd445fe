"""Hostile and huge model files: how long loading takes and how much memory, each case alone.

Every document below fits the 10 MiB size limit; each is written to a file and loaded in a
fresh Python process: with `tablemodel.schema.loader.load_model` (time measured inside the
process, around the call), then with the whole `tablemodel check FILE` command in the json and
the human format (wall time and peak RSS of the process, from `wait4`). The baseline, measured
in the same run, is loading the Alleycat model; each case is reported as a ratio against it,
and against the targets: answered (loaded or refused) within 5 s and 300 MB. The valid model
near the node limit is loaded in time; checking it takes the checker longer, which is the
checker's matter and reported apart.

Cases: a list of 990k scalars in 2 MB (issue 9's case), wide flow and block lists, a wide
mapping, deep nesting (with a wide list at the bottom, in YAML and in JSON, which is read
whole: under the node limit), alias bombs (nested and wide), long scalars and keys, duplicate
keys, timestamps (the slowest scalars to construct), a valid model near the node limit, and a
model with one invalid value per node. Both YAML parsers are measured for the library call:
libyaml and the pure-Python fallback (`--parsers`).

Run: python benchmarks/bench_yaml.py [--repeat N] [--parsers libyaml,python] [--only NAME]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from generated_model import build  # noqa: E402

LIMIT = 10 * 1024 * 1024
BUDGET = LIMIT - 1024  # leave room for the few bytes around the repeated part
TIME_TARGET = 5.0
MEMORY_TARGET_MB = 300.0

# Runs in the child: load the file, report seconds, the outcome and peak RSS.
LOAD = """
import json, resource, sys, time
from tablemodel.schema import yaml_reader
yaml_reader.YAML_PARSER = sys.argv[2]
from tablemodel.diagnostics import ModelLoadError
from tablemodel.schema.loader import load_model
start = time.perf_counter()
try:
    loaded = load_model(sys.argv[1])
    outcome = "loaded"
except ModelLoadError as exc:
    first = exc.diagnostics[0]
    outcome = f"{first.code} x{len(exc.diagnostics)}: {first.message[:60]}"
seconds = time.perf_counter() - start
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "rss": rss, "outcome": outcome}))
"""


def _fill(head: str, unit: str, tail: str = "") -> str:
    """`head`, then `unit` repeated to fill the size limit, then `tail`."""
    count = (BUDGET - len(head) - len(tail)) // len(unit)
    return head + unit * count + tail


def _numbered(head: str, line: Callable[[int], str]) -> str:
    parts = [head]
    size = len(head)
    i = 0
    while True:
        text = line(i)
        if size + len(text) > BUDGET:
            return "".join(parts)
        parts.append(text)
        size += len(text)
        i += 1


def _alias_bomb() -> str:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def _near_the_limit() -> str:
    # The largest generated model under the node limit: valid, loaded whole.
    return yaml.safe_dump(build(800, 4000), sort_keys=False, width=1000)


# Cases loaded whole must stay under the node limit, a little below it (nodes: every key,
# scalar and collection).
UNDER = 195_000


def _alleycat_with(marker: str, unit: str, count: int) -> str:
    """Alleycat with the flow list after the first `marker` replaced by `count` units."""
    text = (ROOT / "examples" / "alleycat" / "tablemodel.yaml").read_text(encoding="utf-8")
    head, found, rest = text.partition(marker)
    assert found, marker
    _, _, after = rest.partition("\n")
    return head + marker + " [" + unit * count + "1]\n" + after


def _invalid_everywhere() -> str:
    # One error per value: every item of a pattern's `returns` is a number, not a name.
    return _alleycat_with("returns:", "1, ", UNDER)


def _unknown_keys() -> str:
    # One unknown key per line at the top level, each a TM005 with its did-you-mean.
    return "".join(f"tabel{i}: 1\n" for i in range(UNDER // 2))


CASES: dict[str, Callable[[], str]] = {
    "issue 9: 2 MB list of 990k scalars": lambda: "x: [" + "a," * 990_000 + "a]\n",
    "wide flow list (x: [a, a, ...])": lambda: _fill("x: [", "a,", "a]\n"),
    "wide block list (- a)": lambda: _fill("", "- a\n"),
    "wide mapping (k1: 1, ...)": lambda: _numbered("", lambda i: f"k{i}: {i}\n"),
    "deep nesting ([[[...)": lambda: "[" * BUDGET,
    "199 levels, then a wide list": lambda: _fill("[" * 199, "a,", "a" + "]" * 199),
    "alias bomb (9 levels of 9)": _alias_bomb,
    "wide aliases (b: [*a, *a, ...])": lambda: _fill("a: &a [x, y]\nb: [", "*a, ", "*a]\n"),
    "one long plain scalar": lambda: "description: " + "x" * (BUDGET - 20) + "\n",
    "one long quoted scalar with escapes": lambda: _fill('description: "', "\\u00e9", '"\n'),
    "long keys (1 KiB each)": lambda: _numbered("", lambda i: f"{i:08d}{'k' * 1016}: 1\n"),
    "duplicate keys (a: 1, a: 1, ...)": lambda: _fill("", "a: 1\n"),
    "duplicate keys, under the node limit": lambda: "a: 1\n" * (UNDER // 2),
    "timestamps (x: [2001-12-14, ...])": lambda: _fill("x: [", "2001-12-14, ", "1]\n"),
    "199 levels, then a wide list (JSON)": lambda: (
        '{"x": ' + "[" * 198 + ",".join(['"a"'] * (UNDER + 4_000)) + "]" * 198 + "}"
    ),
    "valid model, 800 entities, 4,000 patterns": _near_the_limit,
    "invalid value in every node, under the node limit": _invalid_everywhere,
    "unknown keys, under the node limit": _unknown_keys,
}


def _child_load(path: Path, parser: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", LOAD, str(path), parser],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        msg = f"loading {path} failed: {done.stderr[-2000:]}"
        raise SystemExit(msg)
    result: dict[str, object] = json.loads(done.stdout)
    return result


def _cli() -> list[str]:
    script = Path(sys.executable).with_name("tablemodel")
    return [str(script)] if script.exists() else [sys.executable, "-m", "tablemodel"]


def _child_cli(path: Path, fmt: str) -> tuple[float, float, int]:
    """Wall seconds, peak RSS (MB) and exit code of `tablemodel check PATH --format FMT`."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [*_cli(), "check", str(path), "--format", fmt],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    return seconds, usage.ru_maxrss / 1024, process.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--parsers", default="libyaml,python")
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    parsers = [p for p in args.parsers.split(",") if p]
    if "libyaml" in parsers and not yaml.__with_libyaml__:
        parsers.remove("libyaml")
        print("PyYAML has no libyaml here: measuring the pure-Python parser only")

    with tempfile.TemporaryDirectory() as folder:
        base = ROOT / "examples" / "alleycat" / "tablemodel.yaml"
        baseline = {
            p: statistics.median(
                float(str(_child_load(base, p)["seconds"])) for _ in range(args.repeat)
            )
            for p in parsers
        }
        base_cli = statistics.median(_child_cli(base, "json")[0] for _ in range(args.repeat))
        print(f"baseline: load Alleycat ({base.stat().st_size:,} bytes)")
        for p in parsers:
            print(f"  load_model, {p}: {baseline[p] * 1000:.1f} ms")
        print(f"  tablemodel check --format json: {base_cli * 1000:.0f} ms")
        print()
        header = "| case | bytes | parser | load s | ratio | load peak MB | outcome |"
        print(header)
        print("|---|---|---|---|---|---|---|")
        worst_seconds = worst_rss = 0.0
        cli_rows = []
        for name, make in CASES.items():
            if args.only and args.only not in name:
                continue
            text = make()
            size = len(text.encode("utf-8"))
            assert size <= LIMIT, (name, size)
            path = Path(folder) / ("case.json" if name.endswith("(JSON)") else "case.yaml")
            path.write_text(text, encoding="utf-8")
            for p in parsers:
                runs = [_child_load(path, p) for _ in range(args.repeat)]
                seconds = statistics.median(float(str(r["seconds"])) for r in runs)
                rss = max(float(str(r["rss"])) for r in runs)
                worst_seconds = max(worst_seconds, seconds) if p == "libyaml" else worst_seconds
                worst_rss = max(worst_rss, rss) if p == "libyaml" else worst_rss
                print(
                    f"| {name} | {size:,} | {p} | {seconds:.2f} | "
                    f"{seconds / baseline[p]:,.0f} | {rss:.0f} | {runs[0]['outcome']} |"
                )
            row: list[object] = [name]
            for fmt in ("json", "human"):
                cli = [_child_cli(path, fmt) for _ in range(args.repeat)]
                row += [statistics.median(c[0] for c in cli), max(c[1] for c in cli), cli[0][2]]
            cli_rows.append(row)
        print()
        print("| case | `--format json` s | peak MB | exit | human s | peak MB | exit |")
        print("|---|---|---|---|---|---|---|")
        for case, *numbers in cli_rows:
            json_s, json_mb, json_exit, human_s, human_mb, human_exit = (
                float(str(n)) for n in numbers
            )
            print(
                f"| {case} | {json_s:.2f} | {json_mb:.0f} | {json_exit:.0f} | {human_s:.2f} | "
                f"{human_mb:.0f} | {human_exit:.0f} |"
            )
            if "valid model" not in str(case):  # checking it is the checker's time, not loading
                worst_seconds = max(worst_seconds, json_s, human_s)
            worst_rss = max(worst_rss, json_mb, human_mb)
        print()
        met = worst_seconds < TIME_TARGET and worst_rss < MEMORY_TARGET_MB
        print(
            f"worst (libyaml, and the CLI but for checking the valid model): "
            f"{worst_seconds:.2f} s, {worst_rss:.0f} MB; target < {TIME_TARGET:.0f} s and "
            f"< {MEMORY_TARGET_MB:.0f} MB: {'met' if met else 'NOT met'}"
        )


if __name__ == "__main__":
    main()
