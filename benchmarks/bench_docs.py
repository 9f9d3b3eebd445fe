"""Design-doc benchmark: `tablemodel docs` for a 200-entity, 1,000-pattern model.

The target (issue 14) is the whole doc, both formats, in at most 3 s. It is reported beside a
baseline measured in the same run, interleaved with it so that the machine's load hits both
alike: the static check of the same model, which the doc needs anyway (its verdicts and
findings). The doc's own share is then the ratio minus one.

Measured in-process as CPU time (user + system of this process), the steadier clock on a
shared machine (see bench_check.py). Each phase of the doc is reported too: the sample items
(generated and composed as stored), the rest of the content, Markdown, HTML.

Run: python benchmarks/bench_docs.py [--repeat N] [--entities E] [--patterns P]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generated_model import build

from tablemodel.api import check_model, design_of
from tablemodel.docs import build_doc, render_html, render_markdown
from tablemodel.schema.loader import model_from_data

TARGET_SECONDS = 3.0


def _cpu(work: Callable[[], Any]) -> tuple[float, Any]:
    start = time.process_time()
    result = work()
    return time.process_time() - start, result


def check_only(data: dict[str, Any]) -> None:
    check_model(model_from_data(data, source="generated"))


def whole_doc(data: dict[str, Any]) -> dict[str, float]:
    """The doc as `tablemodel docs` makes it, phase by phase."""
    phases: dict[str, float] = {}
    seconds, loaded = _cpu(lambda: model_from_data(data, source="generated"))
    phases["load"] = seconds
    seconds, design = _cpu(lambda: design_of(loaded))
    phases["design"] = seconds
    seconds, report = _cpu(lambda: check_model(loaded))
    phases["check"] = seconds
    seconds, doc = _cpu(lambda: build_doc(design, report))
    phases["content (samples, views, estimates)"] = seconds
    seconds, markdown = _cpu(lambda: render_markdown(doc))
    phases["markdown"] = seconds
    seconds, page = _cpu(lambda: render_html(doc))
    phases["html"] = seconds
    phases["total"] = sum(phases.values())
    phases["markdown bytes"] = len(markdown.encode())
    phases["html bytes"] = len(page.encode())
    return phases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--entities", type=int, default=200)
    parser.add_argument("--patterns", type=int, default=1000)
    args = parser.parse_args()
    data = build(args.entities, args.patterns)
    check_only(data)  # warm imports and caches once, outside the measurement
    baselines: list[float] = []
    runs: list[dict[str, float]] = []
    for _ in range(args.repeat):
        seconds, _ = _cpu(lambda: check_only(data))
        baselines.append(seconds)
        runs.append(whole_doc(data))
    baseline = statistics.median(baselines)
    total = statistics.median(r["total"] for r in runs)
    print(f"model: {args.entities} entities, {args.patterns} patterns; {args.repeat} rounds")
    print(f"baseline, the static check alone: {baseline:.2f} s")
    for phase in runs[0]:
        value = statistics.median(r[phase] for r in runs)
        shown = f"{value:,.0f}" if phase.endswith("bytes") else f"{value:.2f} s"
        print(f"  doc {phase}: {shown}")
    ratio = total / baseline
    verdict = "within" if total <= TARGET_SECONDS else "OVER"
    target = f"{verdict} the {TARGET_SECONDS} s target"
    print(f"doc total {total:.2f} s = {ratio:.2f} x the check; {target}")


if __name__ == "__main__":
    main()
