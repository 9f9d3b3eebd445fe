"""The design doc's diagrams as inline SVG, laid out in Python: no script, no network, no font.

Deterministic by construction: positions come from the doc's order and text lengths only
(monospace text, so a label's width is its length times a fixed advance). Every box a reader
should see is a `<g class="node">`, every connector a `<path class="edge">`: the browser test
counts them against the doc.

Three drawings: the entity-relationship diagram (one box per entity with its attributes and
key templates, a line per relation), the key layout of each index (index -> partition-key
templates -> entities with their sort-key templates), and a bar chart of item sizes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from tablemodel.docs.content import DesignDoc
from tablemodel.docs.estimates import EntityEstimate
from tablemodel.docs.relations import KeyLayout
from tablemodel.records import record

__all__ = ["er_svg", "layout_svg", "sizes_svg"]

FONT = 12
ADVANCE = 7.3  # width of one monospace character at 12px (generous, so text never overflows)
LINE = 18
PAD = 10


def _width(text: str) -> float:
    return len(text) * ADVANCE


def _text(x: float, y: float, text: str, css: str = "", anchor: str = "start") -> str:
    klass = f' class="{css}"' if css else ""
    return f'<text x="{x:.1f}" y="{y:.1f}"{klass} text-anchor="{anchor}">{escape(text)}</text>'


def _svg(width: float, height: float, title: str, body: Sequence[str]) -> str:
    w, h = math.ceil(width), math.ceil(height)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{w}" height="{h}" '
        f'viewBox="0 0 {w} {h}" font-family="monospace" font-size="{FONT}">'
        f"<title>{escape(title)}</title>" + "".join(body) + "</svg>"
    )


# -- entity relationships ----------------------------------------------------------------------


@record
class _Box:
    x: float
    y: float
    w: float
    h: float

    @property
    def centre(self) -> tuple[float, float]:
        return self.x + self.w / 2, self.y + self.h / 2

    def border_towards(self, x: float, y: float) -> tuple[float, float]:
        """Where the line from the centre towards (x, y) leaves the box."""
        cx, cy = self.centre
        dx, dy = x - cx, y - cy
        if dx == 0 and dy == 0:
            return cx, cy
        scale = min(
            (self.w / 2) / abs(dx) if dx else math.inf, (self.h / 2) / abs(dy) if dy else math.inf
        )
        return cx + dx * scale, cy + dy * scale


def er_svg(doc: DesignDoc) -> str:
    entities = doc.entities
    columns = max(1, math.ceil(math.sqrt(len(entities))))
    lines_of: list[list[tuple[str, str]]] = []
    for entity in entities:
        rows = [(name, kind) for name, kind in entity.attributes]
        rows += [
            (column.attribute, template)
            for column, template in zip(doc.key_columns, entity.templates, strict=True)
            if template
        ]
        lines_of.append(rows)
    widths = [
        max([_width(e.name) + 2 * PAD] + [_width(f"{n}: {k}") + 2 * PAD for n, k in rows])
        for e, rows in zip(entities, lines_of, strict=True)
    ]
    heights = [LINE * (len(rows) + 1) + PAD for rows in lines_of]
    gap_x, gap_y = 150.0, 90.0
    col_width = [0.0] * columns
    for i, w in enumerate(widths):
        col_width[i % columns] = max(col_width[i % columns], w)
    row_count = math.ceil(len(entities) / columns)
    row_height = [0.0] * row_count
    for i, h in enumerate(heights):
        row_height[i // columns] = max(row_height[i // columns], h)
    boxes: dict[str, _Box] = {}
    body: list[str] = []
    for i, entity in enumerate(entities):
        col, row = i % columns, i // columns
        x = PAD + sum(col_width[:col]) + gap_x * col
        y = PAD + sum(row_height[:row]) + gap_y * row
        boxes[entity.name] = _Box(x, y, widths[i], heights[i])
    labels: list[str] = []
    for relation in doc.relations:
        source, target = boxes[relation.source], boxes[relation.target]
        x1, y1 = source.border_towards(*target.centre)
        x2, y2 = target.border_towards(*source.centre)
        dashed = ' stroke-dasharray="5 4"' if relation.kind == "refers to" else ""
        body.append(
            f'<path class="edge" d="M{x1:.1f},{y1:.1f} L{x2:.1f},{y2:.1f}" stroke="#5b6b7f" '
            f'fill="none" marker-end="url(#arrow)"{dashed}/>'
        )
        label = f"{relation.kind} ({relation.label})"
        labels.append(_text((x1 + x2) / 2, (y1 + y2) / 2 - 4, label, "edge-label", "middle"))
    for i, entity in enumerate(entities):
        box = boxes[entity.name]
        parts = [
            f'<g class="node entity" data-entity="{escape(entity.name)}">',
            f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.w:.1f}" height="{box.h:.1f}" '
            'rx="6" fill="#ffffff" stroke="#2f4b7c"/>',
            f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.w:.1f}" height="{LINE + 4}" '
            'rx="6" fill="#2f4b7c"/>',
            _text(box.x + PAD, box.y + LINE - 3, entity.name, "entity-name"),
        ]
        for row, (name, kind) in enumerate(lines_of[i]):
            key = row >= len(entity.attributes)
            parts.append(
                _text(
                    box.x + PAD,
                    box.y + LINE * (row + 2) - 2,
                    f"{name}: {kind}",
                    "key-template" if key else "attribute",
                )
            )
        parts.append("</g>")
        body.append("".join(parts))
    width = PAD * 2 + sum(col_width) + gap_x * (columns - 1)
    height = PAD * 2 + sum(row_height) + gap_y * (row_count - 1)
    marker = (
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" '
        'markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#5b6b7f"/></marker></defs>'
    )
    return _svg(width, height, f"Entity relationships of {doc.table}", [marker, *body, *labels])


# -- key layout --------------------------------------------------------------------------------


def layout_svg(layout: KeyLayout) -> str:
    sort = f" / {layout.sort_key}" if layout.sort_key else ""
    root_text = f"{layout.label}: {layout.partition_key}{sort}"
    part_texts = [f"{layout.partition_key} = {p.template}" for p in layout.partitions]
    leaf_texts = [
        [
            leaf.entity + (f": {layout.sort_key} = {leaf.sort_template}" if layout.sort_key else "")
            for leaf in p.leaves
        ]
        for p in layout.partitions
    ]
    box_h = LINE + 8
    gap = 8.0
    root_w = _width(root_text) + 2 * PAD
    part_w = max([_width(t) + 2 * PAD for t in part_texts], default=0)
    leaf_w = max([_width(t) + 2 * PAD for ts in leaf_texts for t in ts], default=0)
    x_part = PAD + root_w + 50
    x_leaf = x_part + part_w + 50
    leaf_count = sum(len(ts) for ts in leaf_texts)
    height = max(PAD * 2 + leaf_count * (box_h + gap) - gap, PAD * 2 + box_h)
    body: list[str] = []
    root_y = height / 2 - box_h / 2
    body.append(_node(_Box(PAD, root_y, root_w, box_h), root_text, "index"))
    y = float(PAD)
    for text, leaves in zip(part_texts, leaf_texts, strict=True):
        span = len(leaves) * (box_h + gap) - gap
        part_y = y + span / 2 - box_h / 2
        body.append(_edge(PAD + root_w, root_y + box_h / 2, x_part, part_y + box_h / 2))
        body.append(_node(_Box(x_part, part_y, part_w, box_h), text, "partition"))
        for leaf in leaves:
            body.append(_edge(x_part + part_w, part_y + box_h / 2, x_leaf, y + box_h / 2))
            body.append(_node(_Box(x_leaf, y, leaf_w, box_h), leaf, "leaf"))
            y += box_h + gap
    width = x_leaf + leaf_w + PAD if leaf_count else x_part + PAD
    return _svg(width, height, f"Key layout of {layout.label}", body)


_NODE_COLOURS = {"index": ("#2f4b7c", "#ffffff"), "partition": ("#dce6f2", "#1b2a3a")}


def _node(box: _Box, text: str, css: str) -> str:
    fill, ink = _NODE_COLOURS.get(css, ("#ffffff", "#1b2a3a"))
    radius = box.h / 2 if css == "leaf" else 4
    return (
        f'<g class="node {css}"><rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.w:.1f}" '
        f'height="{box.h:.1f}" rx="{radius:.1f}" fill="{fill}" stroke="#2f4b7c"/>'
        f'<text x="{box.x + PAD:.1f}" y="{box.y + box.h / 2 + 4:.1f}" fill="{ink}">'
        f"{escape(text)}</text></g>"
    )


def _edge(x1: float, y1: float, x2: float, y2: float) -> str:
    mid = (x1 + x2) / 2
    return (
        f'<path class="edge" d="M{x1:.1f},{y1:.1f} C{mid:.1f},{y1:.1f} {mid:.1f},{y2:.1f} '
        f'{x2:.1f},{y2:.1f}" stroke="#5b6b7f" fill="none"/>'
    )


# -- item sizes --------------------------------------------------------------------------------


def sizes_svg(estimates: Sequence[EntityEstimate]) -> str:
    """A bar per entity: its mean sample item size, with write units per put beside it."""
    name_w = max([_width(e.entity) for e in estimates], default=0) + 2 * PAD
    bar_max = 320.0
    largest = max([e.mean_bytes for e in estimates], default=0) or 1
    bar_h = 16
    body: list[str] = []
    for row, estimate in enumerate(estimates):
        y = PAD + row * (bar_h + 8)
        w = max(2.0, bar_max * estimate.mean_bytes / largest) if estimate.mean_bytes else 0.0
        label = f"{estimate.mean_bytes:,} B, {estimate.write_units:g} WCU per put"
        body.append(
            f'<g class="node bar" data-entity="{escape(estimate.entity)}">'
            + _text(name_w - PAD, y + bar_h - 4, estimate.entity, "bar-name", "end")
            + f'<rect x="{name_w:.1f}" y="{y:.1f}" width="{w:.1f}" height="{bar_h}" '
            'fill="#4f7cac"/>' + _text(name_w + w + 6, y + bar_h - 4, label, "bar-label") + "</g>"
        )
    width = name_w + bar_max + _width("000,000 B, 00 WCU per put") + 2 * PAD
    height = PAD * 2 + len(estimates) * (bar_h + 8)
    return _svg(width, height, "Mean item size per entity", body)
