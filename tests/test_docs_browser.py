"""The HTML design doc in a real browser: headless Chromium, driven through chromedriver.

The page is served from 127.0.0.1, loaded, screenshotted (under pytest's tmp_path, never in
git) and inspected: no console error (the page's Content-Security-Policy makes any attempt to
load something a console error), every chart holds its rows and every diagram rendered, each
with as many nodes as the doc has entities, partitions and entity boxes, and a visible size.
A planted broken diagram shows the inspection fails when a diagram does not render.

Chromium and chromedriver are Debian's `chromium` and `chromium-driver` (`.ci/run` installs
them); without them these tests fail with what to install, they never skip.
"""

from __future__ import annotations

import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tablemodel.api import check_model, design_of, load
from tablemodel.docs import DesignDoc, build_doc, render_html

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,1200",
)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    chromium = shutil.which("chromium")
    driver_path = shutil.which("chromedriver")
    if chromium is None or driver_path is None:
        pytest.fail(
            "headless Chromium is needed: apt-get install -y --no-install-recommends "
            "chromium chromium-driver (.ci/run does this)",
            pytrace=False,
        )
    from selenium import webdriver  # noqa: PLC0415
    from selenium.webdriver.chrome.service import Service  # noqa: PLC0415

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """A folder served on 127.0.0.1, and its base URL."""
    folder = tmp_path_factory.mktemp("site")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(folder), **kwargs)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield folder, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _doc(model: Path) -> DesignDoc:
    loaded = load(model)
    return build_doc(design_of(loaded), check_model(loaded))


_INSPECT = """
const out = {diagrams: [], charts: {}};
for (const figure of document.querySelectorAll('figure[data-diagram]')) {
  const svg = figure.querySelector('svg');
  const entry = {kind: figure.dataset.diagram, index: figure.dataset.index || null,
                 rendered: false, width: 0, height: 0, nodes: 0, empty_nodes: 0};
  if (svg instanceof SVGSVGElement) {
    const box = svg.getBBox();
    const shown = svg.getBoundingClientRect();
    entry.width = Math.min(box.width, shown.width);
    entry.height = Math.min(box.height, shown.height);
    entry.rendered = true;
    const nodes = svg.querySelectorAll('g.node');
    entry.nodes = nodes.length;
    for (const node of nodes) {
      const b = node.getBBox();
      const text = node.querySelector('text');
      if (b.width <= 0 || b.height <= 0 || !text || text.getBBox().width <= 0) entry.empty_nodes++;
    }
  }
  out.diagrams.push(entry);
}
for (const table of document.querySelectorAll('table[data-chart]')) {
  const rect = table.getBoundingClientRect();
  out.charts[table.dataset.chart] = {rows: table.tBodies[0].rows.length,
                                    visible: rect.width > 0 && rect.height > 0};
}
return out;
"""


def problems(page: dict[str, Any], doc: DesignDoc) -> list[str]:
    """What did not render on an inspected page, against what the doc holds."""
    found: list[str] = []
    expected: list[tuple[str, str | None, int]] = [("er", None, len(doc.entities))]
    expected += [
        (
            "key-layout",
            layout.index,
            1 + len(layout.partitions) + sum(len(p.leaves) for p in layout.partitions),
        )
        for layout in doc.layouts
    ]
    expected.append(("sizes", None, len(doc.estimates)))
    seen = [(d["kind"], d["index"]) for d in page["diagrams"]]
    if seen != [(kind, index) for kind, index, _ in expected]:
        found.append(f"diagrams on the page {seen} are not the doc's")
    for diagram, (kind, index, nodes) in zip(page["diagrams"], expected, strict=False):
        name = kind + (f" {index}" if index else "")
        if not diagram["rendered"]:
            found.append(f"{name}: no SVG rendered")
            continue
        if diagram["width"] <= 0 or diagram["height"] <= 0:
            found.append(f"{name}: rendered empty ({diagram['width']} x {diagram['height']})")
        if diagram["nodes"] != nodes:
            found.append(f"{name}: {diagram['nodes']} nodes rendered, {nodes} expected")
        if diagram["empty_nodes"]:
            found.append(f"{name}: {diagram['empty_nodes']} nodes without visible text")
    charts = page["charts"]
    for chart, rows in (
        ("entities", len(doc.entities)),
        ("patterns", len(doc.patterns)),
        ("capacity", len(doc.estimates)),
        ("indexes", len(doc.indexes)),
    ):
        if chart not in charts:
            found.append(f"chart {chart}: missing")
        elif charts[chart]["rows"] != rows or not charts[chart]["visible"]:
            found.append(f"chart {chart}: {charts[chart]} (expected {rows} visible rows)")
    return found


def _open(browser: Any, site: tuple[Path, str], name: str, html: str) -> dict[str, Any]:
    folder, base = site
    (folder / name).write_text(html, encoding="utf-8")
    browser.get_log("browser")  # drop what earlier pages logged
    browser.get(f"{base}/{name}")
    result: dict[str, Any] = browser.execute_script(_INSPECT)
    result["console"] = [
        entry for entry in browser.get_log("browser") if entry.get("level") == "SEVERE"
    ]
    return result


@pytest.mark.parametrize(
    "model",
    [
        ROOT / "examples" / "alleycat",
        ROOT / "examples" / "alleycat" / "hour_race.yaml",
        ROOT / "examples" / "leaderboard",
    ],
    ids=["alleycat", "hour_race", "leaderboard"],
)
def test_the_page_renders_every_chart_and_diagram(
    browser: Any, site: tuple[Path, str], model: Path, tmp_path: Path
) -> None:
    doc = _doc(model)
    page = _open(browser, site, f"{model.stem}.html", render_html(doc))
    shot = tmp_path / f"{model.stem}.png"
    assert browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000  # a real picture, not a blank page
    assert page["console"] == []
    assert problems(page, doc) == []
    assert browser.title == f"{doc.title}: design"


def test_a_broken_diagram_is_caught(browser: Any, site: tuple[Path, str]) -> None:
    doc = _doc(ROOT / "examples" / "alleycat")
    html = render_html(doc)
    # Planted: the entity-relationship drawing loses its SVG namespace, so the browser
    # parses it as an unknown element and draws nothing.
    start = html.index('<figure data-diagram="er">')
    head = html.index("<svg", start)
    broken = html[:head] + "<svgx" + html[head + len("<svg") :]
    page = _open(browser, site, "broken.html", broken)
    assert problems(page, doc) == ["er: no SVG rendered"]
    # And a key layout drawn at zero size.
    start = html.index('<figure data-diagram="key-layout"')
    head = html.index('width="', start)
    end = html.index('"', head + len('width="'))
    flat = html[:head] + 'width="0' + html[end:]
    page = _open(browser, site, "flat.html", flat)
    found = problems(page, doc)
    assert len(found) == 1
    assert found[0].startswith("key-layout table: rendered empty (0 x ")


def test_a_fetch_the_page_attempts_is_a_console_error(browser: Any, site: tuple[Path, str]) -> None:
    """The no-console-error assertion is live: an image from the network is refused and logged."""
    html = render_html(_doc(ROOT / "examples" / "alleycat"))
    planted = html.replace("</main>", '<img src="http://127.0.0.1:9/x.png" alt=""></main>')
    page = _open(browser, site, "fetching.html", planted)
    assert page["console"], "the Content-Security-Policy should refuse the image, loudly"
