"""`esco-graph show` (a picture of an occupation or a skill) and `esco-graph serve` (a SPARQL
endpoint and a query page over the embedded store), issue 16."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import SAMPLES, require_tool
from esco_graph import build_graph
from esco_graph.cli import cli
from esco_graph.store import open_store
from servers import free_port

MEDICAL = "medical device engineering technician"


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("views")
    graph = folder / "graph.ttl"
    result = build_graph([str(SAMPLES)], outputs=[str(graph)])
    with open_store(folder / "kg") as store:
        store.load_file(graph)
    return {"graph": graph, "store": folder / "kg", "result": result}


# --- show ----------------------------------------------------------------------------------------

def test_show_dot_has_every_skill_in_its_group_and_the_isco_path(built):
    r = run("show", MEDICAL, "--graph", built["graph"], "--format", "dot")
    assert r.exit_code == 0, r.output
    record = next(rec for rec in built["result"].records if rec.label == MEDICAL)
    for link in record.skills:
        assert f'label="{link.skill.label}"' in r.stdout
    counts = {(l.relation, l.skill.skill_type) for l in record.skills}
    for relation, kind in counts:
        n = sum(1 for l in record.skills if (l.relation, l.skill.skill_type) == (relation, kind))
        title = {"knowledge": "knowledge", "skill": "skills and competences"}[kind]
        assert f'label="{relation} {title} ({n})"' in r.stdout
    for group in ("C3", "C31", "C311", "C3114"):  # the ISCO path, major group to unit group
        assert f'tooltip="http://data.europa.eu/esco/isco/{group}"' in r.stdout
    assert r.stdout.count("fillcolor=\"#fb8072\"") >= 1  # occupation-specific skills coloured


def test_show_svg_and_png_drawn_by_graphviz(built, tmp_path):
    require_tool("dot")
    svg = tmp_path / "occupation.svg"
    r = run("show", MEDICAL, "--store", built["store"], "-o", svg)
    assert r.exit_code == 0, r.output
    text = svg.read_text(encoding="utf-8")
    assert text.startswith("<?xml") and "<svg" in text and "biomedical engineering" in text
    png = tmp_path / "occupation.png"
    assert run("show", MEDICAL, "--graph", built["graph"], "-o", png).exit_code == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_show_a_skill_and_mermaid(built):
    r = run("show", "CAD software", "--skill", "--graph", built["graph"])
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("flowchart LR\n")
    assert MEDICAL in r.stdout and "microsystem engineering technician" in r.stdout
    r = run("show", MEDICAL, "--graph", built["graph"], "--format", "mermaid")
    assert "subgraph group0" in r.stdout and "classDef" in r.stdout


def test_show_errors_are_one_line(built, tmp_path):
    r = run("show", "no such occupation", "--graph", built["graph"])
    assert r.exit_code == 1 and "no such occupation" in r.stderr and r.stderr.count("\n") == 1
    r = run("show", MEDICAL, "--graph", built["graph"], "-o", tmp_path / "x.gif")
    assert r.exit_code == 2 and "x.gif" in r.stderr
    r = run("show", MEDICAL, "--store", tmp_path / "nowhere")
    assert r.exit_code == 1 and "nowhere" in r.stderr


# --- serve ---------------------------------------------------------------------------------------

def _start(store: Path, port: int, *extra: str) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-m", "esco_graph", "serve", "--store", str(store),
                                "--bind", f"127.0.0.1:{port}", *extra],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"serve exited with {process.returncode}: {process.stderr.read()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError("serve did not answer in 30 s")


def _select(port: int, query: str) -> list[dict]:
    url = f"http://127.0.0.1:{port}/query?" + urllib.parse.urlencode({"query": query})
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["results"]["bindings"]


SKILL_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s a <http://data.europa.eu/esco/model#Skill> }"


def test_serve_answers_sparql_read_only_and_stops_cleanly_on_ctrl_c(built):
    port = free_port()
    process = _start(built["store"], port)
    try:
        rows = _select(port, SKILL_COUNT)
        assert int(rows[0]["n"]["value"]) == built["result"].summary()["graph"]["skills"]
        update = urllib.request.Request(f"http://127.0.0.1:{port}/update", data=b"update=CLEAR%20ALL",
                                        headers={"Content-Type": "application/x-www-form-urlencoded"})
        with pytest.raises(urllib.error.HTTPError):  # read-only by default
            urllib.request.urlopen(update, timeout=10)
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert "Stopped." in err and "read-only" in err


def test_serve_errors(tmp_path):
    r = run("serve", "--store", tmp_path / "none")
    assert r.exit_code == 1 and "none" in r.stderr
    (tmp_path / "kg").mkdir()
    r = run("serve", "--store", tmp_path / "kg", "--bind", "nohost")
    assert r.exit_code == 2 and "--bind" in r.stderr


def test_the_query_page_in_headless_chromium(built):
    """Load the query page, run a query, read the result table."""
    chromium = require_tool("chromium")
    driver_path = require_tool("chromedriver")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    port = free_port()
    process = _start(built["store"], port)
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    browser = webdriver.Chrome(service=webdriver.ChromeService(executable_path=driver_path), options=options)
    try:
        browser.get(f"http://127.0.0.1:{port}/")
        WebDriverWait(browser, 30).until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, ".CodeMirror")))
        browser.execute_script("document.querySelector('.CodeMirror').CodeMirror.setValue(arguments[0]);",
                               "SELECT ?label WHERE { ?o a <http://data.europa.eu/esco/model#Occupation> ; "
                               "<http://www.w3.org/2004/02/skos/core#prefLabel> ?label } ORDER BY ?label")
        browser.find_element(By.CSS_SELECTOR, ".yasqe_queryButton").click()
        WebDriverWait(browser, 30).until(lambda b: MEDICAL in b.find_element(By.CSS_SELECTOR, ".yasr").text)
        text = browser.find_element(By.CSS_SELECTOR, ".yasr").text
        assert "microsystem engineering technician" in text
    finally:
        browser.quit()
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=20)
