"""The command line on scenarios that name codes, hostile files and time limits (issue 7)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mutusim.inputs.examples import tiny
from mutusim.inputs.io import write_folder

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mutusim.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )


@pytest.fixture(scope="module")
def tiny_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_folder(tiny(), tmp_path_factory.mktemp("tiny"))


def one_line_error(p: subprocess.CompletedProcess) -> str:
    assert p.returncode == 1, (p.stdout, p.stderr)
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    assert lines[0].startswith("mutusim: erreur : ")
    assert "Traceback" not in p.stderr
    return lines[0]


def test_name_without_scenario_is_a_usage_error(tiny_folder, tmp_path):
    p = run("solve", "--territory", str(tiny_folder), "--name", "x", "--out", str(tmp_path / "o"))
    assert p.returncode == 2
    assert "--name x needs --scenario" in p.stderr
    assert not (tmp_path / "o").exists()
    p = run("votes", "--service", "espace_public", "--name", "x")
    assert p.returncode == 2


def test_unquoted_insee_code_in_stances_counts(tmp_path):
    # YAML read 49007 as a number and the stance was ignored: the majority seemed reached
    yml = tmp_path / "sc.yaml"
    yml.write_text("name: x\nstances: {espace_public: {49007: against}}\n", encoding="utf-8")
    p = run("votes", "--service", "espace_public", "--scenario", str(yml))
    assert p.returncode == 0, p.stderr
    assert "majorité qualifiée NON atteinte" in p.stdout
    assert "49007 Angers" in p.stdout


def test_votes_with_a_misspelt_commune_is_one_line(tmp_path):
    yml = tmp_path / "sc.yaml"
    yml.write_text("name: x\nstances: {espace_public: {4907: against}}\n", encoding="utf-8")
    line = one_line_error(run("votes", "--service", "espace_public", "--scenario", str(yml)))
    assert "stances[espace_public]: unknown commune '4907'" in line


def test_votes_on_a_mandatory_competence_says_the_law_transfers_it():
    line = one_line_error(run("votes", "--service", "bureau_etudes_voirie"))
    assert "compétence obligatoire d'une CU : la loi la transfère sans vote" in line


def test_solve_with_a_misspelt_perimeter_is_one_line(tiny_folder, tmp_path):
    yml = tmp_path / "sc.yaml"
    yml.write_text("name: x\nperimeter_services: [adss]\n", encoding="utf-8")
    out = tmp_path / "o"
    line = one_line_error(
        run("solve", "--territory", str(tiny_folder), "--scenario", str(yml), "--out", str(out))
    )
    assert "unknown service 'adss' (did you mean 'ads'?)" in line
    assert not out.exists()


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ("name: x\ndescription: été\n".encode("cp1252"), "line 2: byte 0xE9 is not UTF-8"),
        ("name: x\n".encode("utf-16"), "UTF-16 text, not UTF-8"),
        (b"start_year: 2026.0\nend_year: 100000\n", "end_year must be a year from 2000 to 2100"),
        (b"min_level: 1\nmin_level: 2\n", "'min_level' is written twice"),
    ],
)
def test_hostile_scenario_files_are_one_line(tiny_folder, tmp_path, content, match):
    yml = tmp_path / "sc.yaml"
    yml.write_bytes(content)
    line = one_line_error(
        run(
            "solve",
            "--territory",
            str(tiny_folder),
            "--scenario",
            str(yml),
            "--out",
            str(tmp_path / "o"),
        )
    )
    assert match in line


def test_a_time_limit_without_plan_exits_3_and_says_to_raise_it(tmp_path):
    out = tmp_path / "o"
    p = run("solve", "--epci", "CA du Pays Basque", "--time-limit", "0.001", "--out", str(out))
    assert p.returncode == 3, p.stderr
    assert "limite de temps atteinte sans solution" in p.stdout
    assert "augmenter la limite de temps" in p.stdout
    assert "--time-limit" in p.stdout
    html = (out / "rapport.html").read_text(encoding="utf-8")
    assert "augmenter la limite de temps" in html


def test_exit_codes_are_documented_per_status():
    import mutusim.cli

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for text in (readme, mutusim.cli.__doc__ or ""):
        for status in ("optimal", "feasible", "infeasible", "time_limit", "error", "unbounded"):
            assert f"`{status}`" in text, status
