"""report.html in a real browser (issue #15): headless Chromium renders each command's page, which holds
the question, the headline sentences, the charts as SVG, the tables and every fact used with its quote,
and needs nothing from the network.

The tests skip, saying why, only when no Chromium binary is installed; CI installs Debian's ``chromium``
(``.ci/run``), so there they run.
"""

from __future__ import annotations

import html
import importlib.util
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.cli import main

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
FAST = ["-n", "32", "--workers", "1", "--quiet"]
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: Headless, and without the background traffic (updates, sync) that tries hosts it cannot reach.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars")


def browser() -> str:
    """The Chromium binary, or a skip saying how to get it."""
    found = next((shutil.which(name) for name in BROWSERS if shutil.which(name)), None)
    if found is None:
        pytest.skip("no Chromium binary on this machine (apt-get install chromium): report.html is not rendered")
    return found


def chromium(page: Path, profile: Path, *args: str) -> str:
    """Run headless Chromium on ``page`` with ``args``; its stdout."""
    done = subprocess.run([browser(), *FLAGS, f"--user-data-dir={profile}", *args, page.resolve().as_uri()],
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    """One folder of each command that writes one."""
    root = tmp_path_factory.mktemp("reports")
    base, kenya = str(SCENARIOS / "baseline.toml"), str(SCENARIOS / "kenya_only.toml")
    out = {name: root / name for name in ("run", "compare", "sweep", "backtest")}
    assert main(["run", base, *FAST, "-o", str(out["run"]), "--set", "assumptions.fulfilment=0.5"]) == 0
    assert main(["compare", base, kenya, *FAST, "-o", str(out["compare"])]) == 0
    assert main(["sweep", base, "--set", "assumptions.fulfilment=0.2,0.8", *FAST, "-o", str(out["sweep"])]) == 0
    assert main(["backtest", base, "--observed", str(ROOT / "seeds" / "observed.csv"), *FAST,
                 "-o", str(out["backtest"])]) == 0
    if importlib.util.find_spec("SALib") is not None:  # the analysis extra (#14)
        vary = ["--vary", "correlation.fulfilment=0:1", "--vary", "mandate.Renewal 2025.renewal_probability=0.5:1"]
        out["sensitivity"], out["discover"] = root / "sensitivity", root / "discover"
        assert main(["sensitivity", base, *vary, "--samples", "2", *FAST, "-o", str(out["sensitivity"])]) == 0
        assert main(["discover", base, *vary, "--when", "strength@end >= 1000", "--samples", "16", *FAST,
                     "-o", str(out["discover"])]) == 0
    return out


#: Per command: the charts the page embeds, the least number of tables, and words the page must say.
EXPECTED = {
    "run": (["strength", "funding"], 3, ["Question.", "Changed from the file with --set: assumptions.fulfilment=0.5",
                                        "Total strength"]),
    "compare": (["compare"], 2, ["Question.", "Baseline", "Kenya only", "common random numbers"]),
    "sweep": (["sweep"], 2, ["Question.", "pledge fulfilment, every contingent", "Sweep points"]),
    "backtest": (["backtest"], 2, ["Question.", "reported", "50% band", "400 Kenyan police arrive"]),
    "sensitivity": (["sensitivity"], 2, ["Question.", "Which assumptions drive", "total-order Sobol' index ST"]),
    "discover": (["peeling", "boxes"], 1, ["Question.", "Which combinations of assumptions", "strength@end >= 1000"]),
}


def folder(folders: dict[str, Path], command: str) -> Path:
    """The folder ``command`` wrote (a skip for the design commands without the analysis extra)."""
    if command not in folders:
        pytest.skip("SALib is not installed (pip install -e '.[analysis]'): no sensitivity or discover folder")
    return folders[command]


@pytest.mark.parametrize("command", list(EXPECTED))
def test_the_report_renders_with_its_charts_tables_and_facts(command, folders, tmp_path):
    page = folder(folders, command) / "report.html"
    dom = chromium(page, tmp_path / "profile", "--dump-dom")
    charts, tables, words = EXPECTED[command]
    assert dom.count("<svg") == len(charts)
    for name in charts:
        assert re.search(rf'<figure id="chart-{name}">\s*<svg', dom), name
    assert dom.count("<table") >= tables
    for section in ("headline", "charts", "tables", "assumptions", "facts", "provenance", "files"):
        assert f'<section id="{section}">' in dom, section
    text = html.unescape(re.sub(r"<[^>]+>", " ", dom))
    text = " ".join(text.split())
    for word in words:
        assert word in text, word
    scenario = sim.load(SCENARIOS / "baseline.toml")
    for fact in scenario.facts_used:  # every fact used, with its quote and its article
        assert fact.id in text and " ".join(fact.quote.split()) in text and fact.source_name in text, fact.id


@pytest.mark.parametrize("command", list(EXPECTED))
def test_the_report_needs_no_network(command, folders):
    page = (folder(folders, command) / "report.html").read_text(encoding="utf-8")
    links = re.findall(r'\b(?:src|href)="([^"]*)"', page)
    assert all(link.startswith(("#", "data:")) for link in links), [k for k in links if not k.startswith("#")][:5]
    assert "<script" not in page and "<link" not in page and "@import" not in page
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))  # the charts' ids do not collide


def test_the_page_is_drawn(folders, tmp_path):
    """A screenshot of the run's page: the charts and tables are drawn (plenty of ink, in the charts' colours)."""
    shot = tmp_path / "report.png"
    chromium(folders["run"] / "report.html", tmp_path / "profile", "--window-size=1280,2400", f"--screenshot={shot}")
    import matplotlib.image

    pixels = matplotlib.image.imread(shot)[:, :, :3]
    assert pixels.shape[:2] == (2400, 1280)
    ink = (pixels < 0.9).any(axis=2).mean()
    assert ink > 0.05, ink
    fan = np.abs(pixels - np.array([0xc6, 0xdb, 0xef]) / 255).max(axis=2) < 0.03  # the light band of the fan
    assert fan.mean() > 0.005
