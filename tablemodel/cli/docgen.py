"""Generate `docs/rules.md` from the code registry: `python -m tablemodel.cli.docgen`."""

from __future__ import annotations

import sys
from pathlib import Path

from tablemodel.cli.catalogue import every_code
from tablemodel.diagnostics import codes

HEADER = """# Rules and diagnostic codes

Generated from the rule registry by `python -m tablemodel.cli.docgen`; a test keeps this file in
step with the code. `tablemodel explain CODE` prints one entry; `--select` and `--ignore`
take codes (`TM401`) or family prefixes (`TM4`).

Severity: **error** and **warning** make `tablemodel check` exit 1; **info** is reported and
does not fail the check.
"""


def render() -> str:
    out = [HEADER]
    by_family: dict[str, list[codes.CodeInfo]] = {}
    for info in every_code():
        by_family.setdefault(info.family, []).append(info)
    out.append("| code | name | severity | summary |\n|---|---|---|---|")
    for info in every_code():
        out.append(
            f"| [{info.code}](#{info.anchor}) | {info.name} | {info.severity.value} |"
            f" {info.summary} |"
        )
    out.append("")
    for family, title in codes.FAMILIES.items():
        entries = by_family.get(family, [])
        if not entries:
            continue
        out.append(f"## {title}\n")
        for info in entries:
            out.append(f'<a id="{info.anchor}"></a>\n### {info.code} {info.name}\n')
            out.append(f"*{info.severity.value}*: {info.summary}\n")
            out.append(f"**Why it matters.** {info.why}\n")
            out.append("**Bad:**\n\n```yaml\n" + info.bad + "\n```\n")
            out.append("**Good:**\n\n```yaml\n" + info.good + "\n```\n")
    return "\n".join(out).rstrip() + "\n"


def main() -> int:
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/rules.md")
    target.write_text(render(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
