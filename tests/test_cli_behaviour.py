"""The command line behaves like the linked-data tools users know (issue 12): one regression test
per item seen, through CliRunner(catch_exceptions=False) unless a real pipe or terminal is needed."""
from __future__ import annotations

import json
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph

from conftest import DESTINAI_PAGE, ESCO_PAGE, ROOT, SAMPLES
from esco_graph.cli import cli
from esco_graph.cli.progress import StderrProgress

ESCO_GRAPH = Path(sys.executable).with_name("esco-graph")


def run(*args, input=None, env=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input, env=env, catch_exceptions=False)


@pytest.fixture(scope="module")
def kg(tmp_path_factory):
    store = tmp_path_factory.mktemp("kg") / "kg"
    assert run("build", SAMPLES, "--store", store, "-q").exit_code == 0
    return store


# --- usage errors and exit codes -----------------------------------------------------------------

@pytest.mark.parametrize("language", ["xx-!!", "", "en_GB", "-en"])
def test_bad_language_is_a_usage_error_before_any_work(tmp_path, language):
    out = tmp_path / "k.ttl"
    r = run("build", SAMPLES, "-o", out, "--language", language)
    assert r.exit_code == 2
    assert r.stderr.count("\n") == 1 and "BCP 47" in r.stderr and "Traceback" not in r.output
    assert not out.exists()


def test_other_language_tags_build(tmp_path):
    out = tmp_path / "k.ttl"
    assert run("build", ESCO_PAGE, "-o", out, "--language", "pt-BR", "-q").exit_code == 0
    assert any(getattr(o, "language", None) == "pt-br" for o in Graph().parse(out).objects())


@pytest.mark.parametrize("args", [["--format", "foo"], ["-o", "x.rdf"], ["--base-iri", "not an iri"]])
def test_usage_errors_exit_2(tmp_path, args):
    args = [tmp_path / a if a.endswith(".rdf") else a for a in args]
    if "-o" not in args:
        args += ["-o", tmp_path / "x.ttl"]
    r = run("build", ESCO_PAGE, *args)
    assert r.exit_code == 2, r.output
    assert r.stderr.startswith("Error: ") and r.stderr.count("\n") == 1


def test_stdout_twice_is_a_usage_error():
    r = run("build", ESCO_PAGE, "-o", "-", "-o", "-")
    assert r.exit_code == 2 and "more than once" in r.stderr and r.stdout == ""


def test_query_errors(kg):
    r = run("query", "SELEC ?x WHERE { ?x ?p ?o }", "--store", kg)
    assert r.exit_code == 1 and r.stderr.startswith("Error: the query is not valid SPARQL: line 1")
    r = run("query", "INSERT DATA { <http://a> <http://b> <http://c> }", "--store", kg)
    assert r.exit_code == 2 and "esco-graph update" in r.stderr and "Store.update" in r.stderr
    r = run("query", "SELECT ?s WHERE { ?s foo:bar ?o }", "--store", kg)
    assert r.exit_code == 1 and "does not declare" in r.stderr and len(r.stderr) < 200


# --- one clean line -------------------------------------------------------------------------------

def test_syntax_errors_show_no_python_bytes(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("not turtle\n")
    for args in (["validate", ESCO_PAGE.with_suffix(".ttl"), "--shapes", bad], ["validate", bad]):
        if args[1] != bad:
            good = tmp_path / "good.ttl"
            run("build", ESCO_PAGE, "-o", good, "-q")
            args[1] = good
        r = run(*args)
        assert r.exit_code == 1
        assert "b'" not in r.stderr and r.stderr.count("\n") == 1 and "line 1: bad syntax" in r.stderr


def test_summary_is_grammatical_and_errors_say_error(tmp_path):
    r = run("build", ESCO_PAGE, tmp_path / "missing.txt", "-o", tmp_path / "x.ttl", "--keep-going")
    assert r.exit_code == 1
    assert "1 page (1 esco): 1 occupation, 79 skills" in r.stderr
    assert all(not line.startswith("error:") for line in r.stderr.splitlines())
    assert any(line.startswith("Error: ") for line in r.stderr.splitlines())


# --- outputs ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("name,query", [
    ("r.csv", "SELECT ?o WHERE { ?o a esco:Occupation }"),
    ("r.json", "SELECT ?o WHERE { ?o a esco:Occupation }"),
    ("r.xml", "SELECT ?o WHERE { ?o a esco:Occupation }"),
    ("r.ttl", "CONSTRUCT { ?o a esco:Occupation } WHERE { ?o a esco:Occupation }"),
])
def test_query_outputs_have_the_mode_of_other_outputs_and_their_format(kg, tmp_path, name, query):
    out, built = tmp_path / name, tmp_path / "built.ttl"
    run("build", ESCO_PAGE, "-o", built, "-q")
    assert run("query", query, "--store", kg, "-o", out).exit_code == 0
    assert stat.S_IMODE(out.stat().st_mode) == stat.S_IMODE(built.stat().st_mode)
    text = out.read_text()
    if name.endswith(".csv"):
        assert text.splitlines()[0] == "o"
    elif name.endswith(".json"):
        assert json.loads(text)["head"]["vars"] == ["o"]
    elif name.endswith(".xml"):
        assert text.startswith('<?xml version="1.0"?>') and "<variable name=\"o\"/>" in text
    else:
        assert len(Graph().parse(out)) == 2


def test_wrong_result_format_pairings_are_usage_errors(kg, tmp_path):
    select, construct = "SELECT ?o WHERE { ?o a esco:Occupation }", "CONSTRUCT { ?o a esco:Occupation } WHERE { ?o a esco:Occupation }"
    r = run("query", select, "--store", kg, "-o", tmp_path / "r.ttl")
    assert r.exit_code == 2 and not (tmp_path / "r.ttl").exists()
    assert run("query", select, "--store", kg, "--format", "turtle").exit_code == 2
    assert run("query", construct, "--store", kg, "--format", "csv").exit_code == 2
    r = run("query", construct, "--store", kg, "--format", "json")  # JSON-LD for a graph
    assert r.exit_code == 0 and len(Graph().parse(data=r.stdout, format="json-ld")) == 2
    r = run("query", construct, "--store", kg, "--format", "ntriples")
    assert r.exit_code == 0 and len(Graph().parse(data=r.stdout, format="nt")) == 2


def test_reading_a_missing_store_is_an_error_and_creates_nothing(tmp_path):
    missing = tmp_path / "doesnotexist"
    for args in (["query", "ASK {}"], ["skills", "x"], ["occupations", "x"], ["store", "info"], ["update", "CLEAR ALL"]):
        r = run(*args, "--store", missing)
        assert r.exit_code == 1 and "no store here" in r.stderr
    assert not missing.exists()


def test_build_into_a_store_names_the_store_not_stdout(tmp_path):
    r = run("build", ESCO_PAGE, "--store", tmp_path / "kg")
    assert r.exit_code == 0
    assert f"-> store {tmp_path / 'kg'}" in r.stderr and "stdout" not in r.stderr and r.stdout == ""


def test_a_closed_pipe_exits_0_quietly():
    done = subprocess.run(f"'{ESCO_GRAPH}' build '{SAMPLES}' -o - | head -1", shell=True, executable="/bin/bash",
                          capture_output=True, text=True)
    assert done.stdout.startswith("@prefix")
    status = subprocess.run(f"set -o pipefail; '{ESCO_GRAPH}' build '{SAMPLES}' -o - -q 2>/dev/null | head -1 >/dev/null",
                            shell=True, executable="/bin/bash")
    assert status.returncode == 0
    assert "Error" not in done.stderr and "Traceback" not in done.stderr


# --- standard input ---------------------------------------------------------------------------------

def test_validate_and_load_read_stdin(tmp_path):
    nq = tmp_path / "g.nq"
    run("build", SAMPLES, "-o", nq, "-q")
    r = run("validate", "-", "--format", "nquads", input=nq.read_bytes())
    assert r.exit_code == 0 and "-: conforms" in r.stderr
    r = run("validate", "-", input=nq.read_bytes())
    assert r.exit_code == 2 and "--format" in r.stderr
    r = run("load", "-", "--format", "nq", "--store", tmp_path / "kg", input=nq.read_bytes())
    assert r.exit_code == 0 and "3 graphs loaded" in r.stderr  # the default graph and 2 page graphs


# --- parse -------------------------------------------------------------------------------------------

@pytest.mark.skipif(not (ROOT.parent / "shared" / "esco-v1.2.0").is_dir(), reason="../shared is not beside the checkout")
def test_parse_with_a_vocabulary_fills_iris_and_codes_and_keeps_page_labels():
    r = run("parse", DESTINAI_PAGE, "--vocabulary", ROOT.parent / "shared" / "esco-v1.2.0")
    record = json.loads(r.stdout)
    assert record["iri"].startswith("http://data.europa.eu/esco/occupation/")
    assert record["esco_code"] == "3114.1.8" and record["isco_code"] == "3114"
    plain = json.loads(run("parse", DESTINAI_PAGE).stdout)
    assert [s["skill"]["label"] for s in record["skills"]] == [s["skill"]["label"] for s in plain["skills"]]
    assert sum(s["skill"]["iri"].startswith("http://data.europa.eu/esco/skill/") for s in record["skills"]) > 30


def test_parse_list_flag_always_prints_a_list():
    assert isinstance(json.loads(run("parse", ESCO_PAGE).stdout), dict)  # one page: one object (as before)
    assert isinstance(json.loads(run("parse", "--list", ESCO_PAGE).stdout), list)


def test_conflicting_pages_are_said_on_stderr(tmp_path):
    text = ESCO_PAGE.read_text(encoding="utf-8")
    other = tmp_path / "same-occupation.txt"
    first_item = "biomedical engineering\n\n"
    at = text.index(first_item) + len(first_item)
    end = text.index("\n", at)
    other.write_text(text[:at] + "A different description of biomedical engineering." + text[end:], encoding="utf-8")
    r = run("build", ESCO_PAGE, other, "-o", tmp_path / "x.ttl")
    assert r.exit_code == 0
    assert any(line.startswith("Note: ") and "differs from an earlier page" in line for line in r.stderr.splitlines())


# --- reproducible provenance ------------------------------------------------------------------------

def test_same_pages_in_two_folders_give_byte_identical_graphs(tmp_path):
    outputs = []
    for name in ("a", "b"):
        folder = tmp_path / name / "pages"
        shutil.copytree(SAMPLES, folder)
        out = tmp_path / f"{name}.trig"
        r = run("build", folder, "--source-root", folder, "-o", out, "-q", env={"SOURCE_DATE_EPOCH": "1700000000"})
        assert r.exit_code == 0, r.output
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    assert b"http://example.org/esco-graph/source/esco-medical-device-engineering-technician.txt" in outputs[0]
    assert b"file://" not in outputs[0]


# --- tables, IRIs, reports ----------------------------------------------------------------------------

def test_skills_table_fits_and_says_the_occupation_once(kg):
    r = run("skills", "medical device engineering technician", "--store", kg)
    lines = r.stdout.splitlines()
    assert lines[0].startswith("occupation: ") and lines[1] == "occupationLabel: medical device engineering technician"
    assert not any("?" in h for h in lines[2].split())
    assert sum("occupation/medical-device" in line for line in lines) == 1
    iri = lines[0].split(": ", 1)[1]
    r2 = run("skills", f"<{iri}>", "--store", kg)
    assert r2.exit_code == 0 and r2.stdout == r.stdout


def test_tables_are_cut_to_the_terminal_width(kg):
    from esco_graph.store import open_store
    from esco_graph.store.queries import skills_of_occupation

    with open_store(kg) as store:
        table = skills_of_occupation(store, "medical device engineering technician").to_table(width=80)
    body = table.splitlines()[2:-1]
    assert max(len(line) for line in body) <= 80 and any("…" in line for line in body)


def test_validation_report_shows_no_blank_node_ids(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("""@prefix esco: <http://data.europa.eu/esco/model#> . @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<http://example.org/o> a esco:Occupation ; skos:prefLabel [ a skos:Concept ] .""")
    outputs = [run("validate", bad).stderr for _ in range(2)]
    assert outputs[0] == outputs[1] and "_:" not in outputs[0] and "[]" in outputs[0]


# --- store subcommands ------------------------------------------------------------------------------

def test_store_info_graphs_update_clear(tmp_path):
    kg = tmp_path / "kg"
    run("build", SAMPLES, "--store", kg, "-q")
    info = run("store", "info", "--store", kg).stdout
    assert "graphs       2" in info and "pages        2" in info and "occupations  2" in info and "skills       95" in info
    graphs = run("store", "graphs", "--store", kg, "--format", "csv").stdout.splitlines()
    assert graphs[0] == "g,triples" and len(graphs) == 3
    r = run("update", "INSERT DATA { GRAPH <http://example.org/g> { <http://a> <http://b> <http://c> } }", "--store", kg)
    assert r.exit_code == 0
    assert "graphs       3" in run("store", "info", "--store", kg).stdout
    r = run("store", "clear", "--store", kg, input="n\n")
    assert r.exit_code == 1 and "graphs       3" in run("store", "info", "--store", kg).stdout  # declined: kept
    r = run("store", "clear", "--store", kg, "--yes")
    assert r.exit_code == 0 and "3 graphs removed" in r.stderr
    assert "graphs       0" in run("store", "info", "--store", kg).stdout


# --- progress -----------------------------------------------------------------------------------------

def test_progress_in_logs_is_one_line_a_stage(tmp_path):
    r = run("build", SAMPLES, "-o", tmp_path / "x.ttl", "--store", tmp_path / "kg")
    stages = [line.split(":")[0] for line in r.stderr.splitlines() if line.endswith(" s")]
    assert stages == ["parse", "split", "reconcile", "map", "validate", "write", "load"]
    quiet = run("build", SAMPLES, "-o", tmp_path / "y.ttl", "-q")
    assert quiet.stderr == ""
    r = run("load", tmp_path / "x.ttl", "--store", tmp_path / "kg2")
    assert any(line.startswith("load: ") for line in r.stderr.splitlines())
    assert run("load", tmp_path / "x.ttl", "--store", tmp_path / "kg3", "-q").stderr == ""


def test_progress_on_a_terminal_draws_bars_with_totals(capsys):
    progress = StderrProgress(terminal=True)
    progress.stage("split", 3, "page")
    for _ in range(3):
        progress.advance("p")
    progress.done()
    err = capsys.readouterr().err
    assert "/3 [" in err and " page/s]" in err and "split: 3 pages" in err  # total, rate, time left
