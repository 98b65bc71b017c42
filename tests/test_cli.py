"""The command line, run through a subprocess as a user would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import mutusim as ms
from mutusim.inputs.examples import tiny
from mutusim.inputs.io import write_folder

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mutusim.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
    )


@pytest.fixture(scope="module")
def tiny_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tiny")
    write_folder(tiny(), folder)
    return folder


def copy_folder(src: Path, dst: Path) -> Path:
    dst.mkdir()
    for f in src.iterdir():
        (dst / f.name).write_bytes(f.read_bytes())
    return dst


def test_validate_ok(tiny_folder: Path) -> None:
    p = run("validate", str(tiny_folder))
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("Données valides : ")
    assert "CC Exemple" in p.stdout
    assert p.stderr == ""


def test_validate_bad_input_one_problem_exit_1(tiny_folder: Path, tmp_path: Path) -> None:
    bad = copy_folder(tiny_folder, tmp_path / "bad")
    df = pd.read_csv(bad / "baseline.csv", dtype=str)
    df.loc[0, "cost"] = "abc"
    df.to_csv(bad / "baseline.csv", index=False)
    p = run("validate", str(bad))
    assert p.returncode == 1
    lines = p.stderr.strip().splitlines()
    # a French header, then exactly one line for the one problem
    assert len(lines) == 2, p.stderr
    assert lines[0].startswith("mutusim: erreur : 1 problème(s) dans ")
    assert "baseline.csv" in lines[1]
    assert "cost" in lines[1]
    assert "abc" in lines[1]
    assert "Traceback" not in p.stderr
    assert p.stdout == ""


def _validate_three_problems(tiny_folder: Path, tmp_path: Path, fte: str) -> list[str]:
    bad = copy_folder(tiny_folder, tmp_path / "bad")
    df = pd.read_csv(bad / "baseline.csv", dtype=str)
    df.loc[0, "cost"] = "abc"
    df.loc[1, "fte"] = fte
    df.to_csv(bad / "baseline.csv", index=False)
    communes = pd.read_csv(bad / "communes.csv", dtype=str)
    communes.loc[0, "population"] = "xyz"
    communes.to_csv(bad / "communes.csv", index=False)
    p = run("validate", str(bad))
    assert p.returncode == 1
    lines = p.stderr.strip().splitlines()
    assert lines[0].startswith("mutusim: erreur : 3 problème(s) dans "), p.stderr
    problems = lines[1:]
    assert len(problems) == 3, p.stderr  # every problem, one line each, none elided
    assert all(line.startswith("  - ") for line in problems)
    assert any("baseline.csv" in x and "'cost'" in x and "abc" in x for x in problems)
    assert any("communes.csv" in x and "'population'" in x and "xyz" in x for x in problems)
    assert "more" not in p.stderr
    assert "Traceback" not in p.stderr
    return problems


def test_validate_prints_every_problem(tiny_folder: Path, tmp_path: Path) -> None:
    problems = _validate_three_problems(tiny_folder, tmp_path, "beaucoup")
    assert any("baseline.csv" in x and "'fte'" in x and "beaucoup" in x for x in problems)


def test_validate_prints_every_problem_once(tiny_folder: Path, tmp_path: Path) -> None:
    problems = _validate_three_problems(tiny_folder, tmp_path, "-3")
    assert any("baseline.csv" in x and "'fte'" in x and "-3" in x for x in problems)


def test_debug_shows_traceback(tmp_path: Path) -> None:
    p = run("--debug", "validate", str(tmp_path / "nowhere"))
    assert p.returncode != 0
    assert "Traceback" in p.stderr


@pytest.mark.parametrize(
    "args",
    [("validate", "--debug", "{path}"), ("validate", "{path}", "--debug")],
    ids=["before-path", "after-path"],
)
def test_debug_after_the_subcommand_shows_traceback(tmp_path: Path, args: tuple) -> None:
    path = str(tmp_path / "nowhere")
    p = run(*(a.format(path=path) for a in args))
    assert p.returncode != 0
    assert "Traceback" in p.stderr
    assert "DataError" in p.stderr


def test_version() -> None:
    p = run("--version")
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == f"mutusim {ms.__version__}"


def test_missing_path_is_one_problem_line(tmp_path: Path) -> None:
    p = run("validate", str(tmp_path / "nowhere"))
    assert p.returncode == 1
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 2, p.stderr
    assert lines[0].startswith("mutusim: erreur : 1 problème(s) dans ")
    assert "nowhere" in lines[1]
    assert "Traceback" not in p.stderr


def test_usage_error_exit_2() -> None:
    p = run("frobnicate")
    assert p.returncode == 2


# Every departure cuts posts, at 50 %/year: on tiny the payroll pool of Bourg-Centre and
# Village-Est then pays back within the mandate (tests/analysis/test_law_money.py,
# test_payroll_pool_by_hand); at the default 3.2 %/year nothing changes on tiny.
FAST_YAML = "name: rapide\ndepartures: all\nall_departure_rate: 0.5\n"


def test_solve_writes_tables_workbook_and_report(tiny_folder: Path, tmp_path: Path) -> None:
    yml = tmp_path / "sc.yaml"
    yml.write_text(FAST_YAML, encoding="utf-8")
    out = tmp_path / "out"
    p = run("solve", "--territory", str(tiny_folder), "--scenario", str(yml), "--out", str(out))
    assert p.returncode == 0, p.stderr
    assert "optimal" in p.stdout
    # The headline is the roadmap (by hand): payroll pool from 2027, -8,000 in 2027 then
    # +40,000 a year; NPV -8,000 / 1.045 + 40,000 x (1.045^-2 + ... + 1.045^-6) = 160,381.88;
    # cumulative 2026-2032: 192,000; long run 212,000 - 172,000 = 40,000 a year.
    assert "valeur actuelle nette 2026-2032 : +160\u202f382\xa0€" in p.stdout
    assert "économies cumulées 2026-2032 : +192\u202f000\xa0€" in p.stdout
    assert "212\u202f000\xa0€/an" in p.stdout
    assert "172\u202f000\xa0€/an" in p.stdout
    assert "économies en régime permanent" in p.stdout
    assert "+40\u202f000\xa0€/an" in p.stdout
    assert "changements : Ressources humaines et paie (2027)" in p.stdout
    for name in (
        "decisions.csv",
        "by_commune.csv",
        "by_service.csv",
        "pools.csv",
        "summary.csv",
        "roadmap.csv",
        "employers.csv",
        "calendar.csv",
    ):
        assert (out / name).is_file(), name
    decisions = pd.read_csv(out / "decisions.csv", dtype={"commune": str})
    assert len(decisions) == 6
    assert set(decisions["mode"]) <= {"keep", "share", "transfer"}
    sheets = pd.read_excel(out / "resultats.xlsx", sheet_name=None)
    assert "Décisions" in sheets
    assert "Mode retenu" in sheets["Décisions"].columns
    assert {"Employeurs", "Calendrier"} <= set(sheets)
    html = (out / "rapport.html").read_text(encoding="utf-8")
    assert "<html lang='fr'>" in html
    assert "Économies annuelles" in html
    # the analyses were computed by the command and handed to the report and the workbook
    assert "Le plan année par année" in html
    assert "Calendrier des étapes légales" in html
    assert "Partage des économies" in html
    roadmap = pd.read_csv(out / "roadmap.csv")
    assert roadmap["year"].tolist() == list(range(2026, 2033))
    assert roadmap["savings"].tolist() == pytest.approx([0, -8_000] + [40_000] * 5)
    assert roadmap["cumulative_savings"].iloc[-1] == pytest.approx(192_000)
    summary = pd.read_csv(out / "summary.csv").set_index("indicator")["value"]
    assert float(summary["npv"]) == pytest.approx(160_381.88, abs=0.01)
    assert len(pd.read_csv(out / "allocation.csv")) == 2
    # a service commun: the fiche d'impact by 31 May 2026, effective on 1 January 2027
    calendar = pd.read_csv(out / "calendar.csv")
    assert calendar["step"].iloc[0] == "impact_study"
    assert calendar["date"].iloc[0] == "2026-05-31"
    assert calendar["date"].iloc[-1] == "2027-01-01"
    employers = pd.read_csv(out / "employers.csv", dtype={"employer": str})
    first = employers[employers["year"] == 2027].set_index("employer")
    assert first.at["EPCI", "posts_transferred_in"] == 2.0
    assert first.at["49001", "posts_transferred_out"] == 2.0
    assert first.at["49002", "fte_made_available"] == 0.5


def test_solve_default_on_tiny_changes_nothing(tiny_folder: Path, tmp_path: Path) -> None:
    # Retirements only (3.2 %/year): Bourg-Centre's 2 payroll posts stay 21 years, the other
    # communes' staff are partial shares, never saved: no change pays back by 2032.
    out = tmp_path / "out"
    p = run("solve", "--territory", str(tiny_folder), "--out", str(out))
    assert p.returncode == 0, p.stderr
    assert "valeur actuelle nette 2026-2032 : 0\xa0€" in p.stdout
    assert "changements : aucun" in p.stdout
    html = (out / "rapport.html").read_text(encoding="utf-8")
    assert "Le plan année par année" in html
    assert "Calendrier des étapes légales" not in html  # no change, no step


def test_solve_scenario_file_and_name(tiny_folder: Path, tmp_path: Path) -> None:
    yml = tmp_path / "sc.yaml"
    yml.write_text(
        "name: base\noverrides:\n  keep_only: {allowed_modes: [keep]}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    p = run(
        "solve",
        "--territory",
        str(tiny_folder),
        "--scenario",
        str(yml),
        "--name",
        "keep_only",
        "--out",
        str(out),
    )
    assert p.returncode == 0, p.stderr
    summary = pd.read_csv(out / "summary.csv").set_index("indicator")["value"]
    assert float(summary["savings"]) == pytest.approx(0.0)


def _capped(tiny_folder: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    yml = tmp_path / "sc.yaml"
    yml.write_text("name: capped\nmax_total_cost: 1000\n", encoding="utf-8")
    out = tmp_path / "out"
    p = run("solve", "--territory", str(tiny_folder), "--scenario", str(yml), "--out", str(out))
    assert p.returncode == 3
    assert "Aucun plan" in (out / "rapport.html").read_text(encoding="utf-8")
    return p


def test_infeasible_scenario_exit_3_with_explanation(tiny_folder: Path, tmp_path: Path) -> None:
    p = _capped(tiny_folder, tmp_path)
    assert "infaisable" in p.stdout
    # the cost cap in French, with French number formatting
    assert "Le plafond de coût (1\u202f000\xa0€/an)" in p.stdout


def test_infeasible_cost_cap_names_a_sufficient_raise(tiny_folder: Path, tmp_path: Path) -> None:
    # The cap acts on the plan's long-run yearly cost. Plans are ranked by NPV: without the
    # cap the best plan on tiny changes nothing (212,000 a year; at 3.2 %/year no pool pays
    # back by 2032), so a cap of 212,000 is enough: a raise of 211,000 suffices (cheaper
    # long-run plans exist, e.g. 171,000, but lose money over the mandate).
    p = _capped(tiny_folder, tmp_path)
    assert "sans lui, le meilleur plan coûte 212\u202f000\xa0€/an en régime établi" in p.stdout
    assert "le relever de 211\u202f000\xa0€ suffit à le permettre" in p.stdout
    yml = tmp_path / "raised.yaml"
    yml.write_text("name: raised\nmax_total_cost: 212000\n", encoding="utf-8")
    out = tmp_path / "raised"
    p = run("solve", "--territory", str(tiny_folder), "--scenario", str(yml), "--out", str(out))
    assert p.returncode == 0, p.stdout


def test_bad_scenario_option_one_line(tiny_folder: Path, tmp_path: Path) -> None:
    yml = tmp_path / "sc.yaml"
    yml.write_text("name: x\nmax_total_cots: 1000\n", encoding="utf-8")
    p = run(
        "solve",
        "--territory",
        str(tiny_folder),
        "--scenario",
        str(yml),
        "--out",
        str(tmp_path / "o"),
    )
    assert p.returncode == 1
    assert "did you mean 'max_total_cost'" in p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    assert lines[0].startswith("mutusim: erreur : ")


@pytest.mark.slow
def test_demo(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    p = run("demo", "--out", str(out))
    assert p.returncode == 0, p.stderr
    assert "Angers Loire Métropole" in p.stdout
    assert (out / "rapport.html").is_file()
    assert (out / "resultats.xlsx").is_file()


def test_votes_names_blocking_councils(tmp_path: Path) -> None:
    p = run("votes", "--service", "espace_public")
    assert p.returncode == 0, p.stderr
    assert "majorité qualifiée atteinte" in p.stdout
    # Béhuard (119 inhabitants) does not depreciate: the CLECT equipment charge makes it vote no.
    assert "Béhuard" in p.stdout


def test_votes_with_stance_against_from_angers_blocks(tmp_path: Path) -> None:
    yml = tmp_path / "sc.yaml"
    yml.write_text("name: x\nstances: {espace_public: {'49007': against}}\n", encoding="utf-8")
    p = run("votes", "--service", "espace_public", "--scenario", str(yml))
    assert p.returncode == 0, p.stderr
    assert "NON atteinte" in p.stdout
    assert "DÉFAVORABLE" in p.stdout
    assert "49007 Angers" in p.stdout


def test_votes_unknown_service_one_line() -> None:
    p = run("votes", "--service", "ads")
    assert p.returncode == 1
    assert "« ads » n'est pas une compétence transférable" in p.stderr
    assert "espace_public (Entretien de l'espace public" in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert p.stderr.startswith("mutusim: erreur : ")


def test_solve_any_epci_by_name(tmp_path: Path) -> None:
    out = tmp_path / "mg"
    p = run("solve", "--epci", "CC de Marie-Galante", "--out", str(out))
    assert p.returncode == 0, p.stderr
    assert "Marie-Galante" in p.stdout
    decisions = pd.read_csv(out / "decisions.csv", dtype={"commune": str})
    # its 3 communes, and the EPCI's own support services
    assert set(decisions["commune"]) - {"EPCI"} == {"97108", "97112", "97126"}
    assert "EPCI" in set(decisions["commune"])


def test_solve_unknown_epci_one_line(tmp_path: Path) -> None:
    p = run("solve", "--epci", "Nowhere Métropole", "--out", str(tmp_path / "x"))
    assert p.returncode == 1
    assert len(p.stderr.strip().splitlines()) == 1
    assert p.stderr.startswith("mutusim: erreur : ")


# ------------------------------------------------------------------ issue 10
def test_help_is_french() -> None:
    p = run("--help")
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("utilisation : mutusim")
    assert "afficher cette aide et quitter" in p.stdout
    assert "afficher la version et quitter" in p.stdout
    for command in ("validate", "solve", "votes", "schema", "suivi", "notebook-html", "demo"):
        assert command in p.stdout
    assert "show this help" not in p.stdout
    assert "usage:" not in p.stdout
    sub = run("schema", "--help")
    assert "L5211-39-1" in sub.stdout
    assert "--out DOSSIER" in sub.stdout


def test_usage_errors_are_french() -> None:
    p = run("solve")
    assert p.returncode == 2
    assert "erreur d'utilisation : arguments obligatoires manquants : --out" in p.stderr
    p = run("solve", "--out", "x", "--solver", "glpk")
    assert p.returncode == 2
    assert "--solver : choix invalide 'glpk'" in p.stderr


def test_progress_line_per_stage(tiny_folder: Path, tmp_path: Path) -> None:
    p = run("solve", "--territory", str(tiny_folder), "--out", str(tmp_path / "o"))
    assert p.returncode == 0, p.stderr
    stages = [line for line in p.stdout.splitlines() if line.startswith("· ")]
    assert stages == [
        "· chargement du territoire…",
        "· optimisation du scénario (CC Exemple)…",
        "· analyses : feuille de route, partage des économies, prix des règles…",
        "· écriture des tableaux, du classeur et du rapport…",
    ]
    assert p.stdout.rstrip().splitlines()[-1].startswith("Terminé en ")


def test_schema_writes_html_and_workbook(tiny_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "schema"
    p = run("schema", "--territory", str(tiny_folder), "--out", str(out))
    assert p.returncode == 0, p.stderr
    page = (out / "schema_mutualisation.html").read_text(encoding="utf-8")
    assert "Schéma de mutualisation des services — CC Exemple" in page
    sheets = pd.read_excel(out / "schema_mutualisation.xlsx", sheet_name=None)
    assert "Calendrier" in sheets
    assert "Gouvernance" in sheets
    assert "schéma de mutualisation :" in p.stdout


def test_schema_without_plan_exit_3(tiny_folder: Path, tmp_path: Path) -> None:
    yml = tmp_path / "sc.yaml"
    yml.write_text("name: plafond\nmax_total_cost: 1000\n", encoding="utf-8")
    p = run(
        "schema",
        "--territory",
        str(tiny_folder),
        "--scenario",
        str(yml),
        "--out",
        str(tmp_path / "s"),
    )
    assert p.returncode == 3
    assert "Le plafond de coût" in p.stdout
    assert not (tmp_path / "s" / "schema_mutualisation.html").exists()


def test_suivi_compares_actuals_with_the_plan(tiny_folder: Path, tmp_path: Path) -> None:
    actuals = tmp_path / "realise.csv"
    actuals.write_text(
        "year;service;employer;fte;cost;arrangement\n"
        "2027;rh_paie;EPCI;3,0;120000;\n"
        "2027;rh_paie;49002;0,5;25000;keep\n",
        encoding="utf-8",
    )
    out = tmp_path / "suivi"
    p = run("suivi", "--actuals", str(actuals), "--territory", str(tiny_folder), "--out", str(out))
    assert p.returncode == 0, p.stderr
    assert "En 2027" in p.stdout
    assert "1 service présente un écart à examiner : Ressources humaines et paie" in p.stdout
    assert (out / "suivi.html").is_file()
    assert "Écarts" in pd.read_excel(out / "suivi.xlsx", sheet_name=None)


def test_suivi_bad_actuals_lists_every_problem(tiny_folder: Path, tmp_path: Path) -> None:
    actuals = tmp_path / "realise.csv"
    actuals.write_text(
        "year,service,employer,fte,cost\n2027,ad,49001,1,1\n2027,ads,Paris,1,1\n",
        encoding="utf-8",
    )
    p = run(
        "suivi", "--actuals", str(actuals), "--territory", str(tiny_folder), "--out", str(tmp_path)
    )
    assert p.returncode == 1
    lines = p.stderr.strip().splitlines()
    assert lines[0].startswith("mutusim: erreur : 2 problème(s) dans ")
    assert len(lines) == 3


def test_notebook_html_exports_without_code(tmp_path: Path) -> None:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Essai"),
        nbformat.v4.new_code_cell("valeur_secrete = 6 * 7\nprint('Résultat :', valeur_secrete)"),
    ]
    path = tmp_path / "essai.ipynb"
    nbformat.write(nb, path)
    out = tmp_path / "html"
    p = run("notebook-html", str(path), "--out", str(out))
    assert p.returncode == 0, p.stderr
    page = (out / "essai.html").read_text(encoding="utf-8")
    assert "Résultat : 42" in page
    assert "valeur_secrete" not in page  # the code is left out
    failing = tmp_path / "panne.ipynb"
    nb.cells = [nbformat.v4.new_code_cell("1 / 0")]
    nbformat.write(nb, failing)
    p = run("notebook-html", str(failing), "--out", str(out))
    assert p.returncode == 1
    assert "panne.ipynb : une cellule a échoué" in p.stderr
    assert "ZeroDivisionError" in p.stderr
