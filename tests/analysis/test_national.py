"""The national screening on Dask: resumable, failures recorded, same results whatever the workers.

Every run here is on a handful of the smallest EPCIs of France (2-3
communes), with one of them made to fail: a copy of the reference data in
which a commune of CC de la Vallée de Chamonix-Mont-Blanc has a negative
population (``MUTUSIM_DATA`` points the client and the workers at it).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import mutusim as ms
from mutusim.analysis.national import (
    EPCI_COLUMNS,
    TIMING_COLUMNS,
    Progress,
    Screening,
    by_group,
    largest,
    read_screening,
    rule_frequency,
    screen,
    select_epcis,
)
from mutusim.errors import MutusimError, NotFoundError

ROOT = Path(__file__).resolve().parents[2]
#: The smallest EPCIs of France (2-3 communes), in Mayotte, Guadeloupe, La Réunion and metropolitan France.
SMALL = [
    "200050532",  # CC de Petite-Terre (2)
    "200060457",  # CA de Dembeni / Mamoudzou (2)
    "200018653",  # CA CAP Excellence (3)
    "243000650",  # CC Terre de Camargue (3)
    "243301165",  # CC Jalle-Eau-Bourde (3)
    "247300015",  # CC des Vallées d'Aigueblanche (3)
    "249710047",  # CC de Marie-Galante (3)
    "249740119",  # CA CINOR (3)
]
BROKEN = "200023372"  # CC de la Vallée de Chamonix-Mont-Blanc: Chamonix gets population -5
SIRENS = sorted([*SMALL, BROKEN])
#: The default scenario changes nothing in these EPCIs (3.2 %/yr of retirements: no change
#: pays back before 2032); with every departure at 50 %/yr two of them pool payroll and the
#: roads design office from 2027, so the runs below carry plans worth something.
SC = ms.Scenario(name="departs", departures="all", all_departure_rate=0.5)
SC_YAML = "name: departs\ndepartures: all\nall_departure_rate: 0.5\n"


@pytest.fixture(scope="module")
def bad_data(tmp_path_factory: pytest.TempPathFactory):
    """Reference data where one commune of Chamonix's EPCI has a negative population."""
    folder = tmp_path_factory.mktemp("data")
    for name in ("epci_2026.csv", "departements.csv", "regions.csv"):
        (folder / name).write_bytes((ROOT / "data" / name).read_bytes())
    lines = (ROOT / "data" / "communes_2026.csv").read_text(encoding="utf-8").split("\n")
    for i, line in enumerate(lines):
        if line.startswith("74056,"):  # Chamonix-Mont-Blanc
            parts = line.split(",")
            parts[6] = "-5"
            lines[i] = ",".join(parts)
    (folder / "communes_2026.csv").write_text("\n".join(lines), encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MUTUSIM_DATA", str(folder))
        yield folder


@pytest.fixture(scope="module")
def reference(bad_data, tmp_path_factory) -> Screening:
    """An uninterrupted run on 2 workers."""
    return screen(
        SIRENS, SC, out=tmp_path_factory.mktemp("ref") / "run", workers=2, progress=False
    )


def _comparable(s: Screening) -> tuple[pd.DataFrame, pd.DataFrame]:
    return s.epcis.drop(columns=TIMING_COLUMNS), s.decisions


def _assert_same(a: Screening, b: Screening) -> None:
    ea, da = _comparable(a)
    eb, db = _comparable(b)
    pd.testing.assert_frame_equal(ea, eb)
    pd.testing.assert_frame_equal(da, db)


# ---------------------------------------------------------------- runs
def test_the_run_records_every_epci_and_the_failure(reference):
    e = reference.epcis
    assert list(e["siren"]) == SIRENS
    assert list(e.columns) == EPCI_COLUMNS
    failed = e.set_index("siren").loc[BROKEN]
    assert failed["status"] == "failed"
    assert failed["error_type"] == "DataError"
    assert "population" in failed["error"]
    assert "-5" in failed["error"]
    assert pd.isna(failed["total_cost"])
    ok = e[e["siren"] != BROKEN]
    assert (ok["status"] == "optimal").all()
    assert ok["error"].isna().all()
    # one decision per service and commune of every EPCI with a plan, none for the failed one
    assert BROKEN not in set(reference.decisions["siren"])
    pairs = reference.decisions.groupby("siren").size()
    assert (pairs == ok.set_index("siren")["pairs"].astype(int)).all()
    assert list(reference.failures["siren"]) == [BROKEN]


@pytest.mark.parametrize("siren", ["243000650", "247300015"])
def test_each_epci_equals_its_own_optimisation(reference, siren):
    """A task is ms.optimise on ms.datasets.epci: same NPV, savings, start years and plan."""
    res = ms.optimise(ms.datasets.epci(siren), SC)
    row = reference.epcis.set_index("siren").loc[siren]
    assert row["status"] == res.status
    assert row["npv"] == pytest.approx(res.npv, rel=1e-12, abs=1e-9)
    assert row["total_cost"] == pytest.approx(res.total_cost, rel=1e-12)
    assert row["savings"] == pytest.approx(res.savings, rel=1e-12, abs=1e-9)
    assert row["total_savings"] == pytest.approx(res.schedule.total_savings, rel=1e-12, abs=1e-9)
    assert row["services_started"] == len(res.starts)
    assert row["npv_per_inhabitant"] == pytest.approx(res.npv / row["population"], abs=1e-12)
    d = reference.decisions[reference.decisions["siren"] == siren]
    got = dict(zip(zip(d["service"], d["commune"], strict=True), d["mode"], strict=True))
    assert got == res.plan
    starts = d.dropna(subset=["start_year"]).groupby("service")["start_year"].first()
    assert {s: int(y) for s, y in starts.items()} == res.starts


def test_some_epcis_change_and_the_headline_adds_up(reference):
    ok = reference.epcis[reference.epcis["status"] == "optimal"].set_index("siren")
    changed = ok[ok["services_started"] > 0]
    assert {"243000650", "243301165"} <= set(changed.index)
    assert (changed["npv"] > 0).all()
    assert (changed["savings"] > 0).all()
    assert (changed["first_start_year"] == 2027).all()
    unchanged = ok[ok["services_started"] == 0]
    assert (unchanged["npv"] == 0).all()
    assert unchanged["first_start_year"].isna().all()
    # the NPV of a plan never exceeds its undiscounted savings over the horizon
    assert (ok["npv"] <= ok["total_savings"] + 1e-6).all()


def test_same_results_with_one_worker(reference):
    _assert_same(screen(SIRENS, SC, workers=1, progress=False), reference)


def test_interrupted_run_resumes_without_recomputing(reference, tmp_path):
    out = tmp_path / "run"
    seen: list[Progress] = []

    def stop_after_three(p: Progress) -> None:
        seen.append(p)
        if p.done == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        screen(SIRENS, SC, out=out, workers=2, progress=stop_after_three)
    done = sorted((out / "epci").glob("*.parquet"))
    assert 3 <= len(done) < len(SIRENS)
    stamps = {f.name: f.stat().st_mtime_ns for f in done}
    partial = read_screening(out)
    assert len(partial.epcis) == len(done)

    resumed: list[Progress] = []
    res = screen(SIRENS, SC, out=out, workers=2, progress=resumed.append)
    assert resumed[-1].skipped == len(done)
    assert resumed[-1].total == len(SIRENS) - len(done)
    assert {f.name: f.stat().st_mtime_ns for f in done} == stamps  # not recomputed
    _assert_same(res, reference)
    _assert_same(read_screening(out), reference)


def test_nothing_left_to_do(reference):
    calls: list[Progress] = []
    again = screen(SIRENS, SC, out=reference.path, progress=calls.append)
    assert [(p.total, p.skipped) for p in calls] == [(0, len(SIRENS))]
    _assert_same(again, reference)


@pytest.mark.slow
def test_killed_command_resumes(reference, bad_data, tmp_path):
    """`mutusim national` killed (SIGKILL, workers included) after its first EPCIs, then rerun."""
    out = tmp_path / "run"
    scenario = tmp_path / "departs.yaml"
    scenario.write_text(SC_YAML, encoding="utf-8")
    assert ms.Scenario.from_yaml(scenario) == SC
    cmd = [
        sys.executable, "-m", "mutusim.cli", "national", "--out", str(out),
        "--filter", "siren=" + ",".join(SIRENS), "--workers", "2", "--scenario", str(scenario),
    ]  # fmt: skip
    env = os.environ | {"MUTUSIM_DATA": str(bad_data)}
    proc = subprocess.Popen(
        cmd, env=env, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if any((out / "epci").glob("*.parquet")):
                break
            time.sleep(0.01)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
    first = len(list((out / "epci").glob("*.parquet")))
    assert first >= 1
    # no half-written file survives a kill
    assert not [f for f in out.rglob("*") if f.name.endswith(".tmp")]

    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    if first < len(SIRENS):
        assert f"{first} déjà traités" in done.stderr.replace("\u202f", " ")
    assert "1 échec" in done.stdout
    assert (out / "synthese" / "par_region.csv").is_file()
    _assert_same(read_screening(out), reference)


def test_resume_refuses_other_options(reference):
    with pytest.raises(MutusimError, match="other options.*scenario"):
        screen(SIRENS, ms.Scenario(min_level=50), out=reference.path)


def test_output_folder_must_be_new_or_a_screening(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(MutusimError, match="not empty and holds no screening"):
        screen(SIRENS[:1], out=tmp_path)


def test_read_screening_needs_a_screening(tmp_path):
    with pytest.raises(MutusimError, match="holds no screening"):
        read_screening(tmp_path)


# ----------------------------------------------------------- selection
def test_select_epcis_filters():
    pdl = select_epcis({"region": "52"})
    assert (pdl["region_name"] == "Pays de la Loire").all()
    assert len(pdl) == len(select_epcis({"region": "pays de la loire"}))
    both = select_epcis({"region": "52", "nature": "CC"})
    assert (both["nature"] == "CC").all()
    assert 0 < len(both) < len(pdl)
    several = select_epcis({"departement": "49,53"})
    assert set(several["departement"]) == {"49", "53"}
    assert select_epcis({"siren": ["244900015"]})["name"].tolist() == ["CU Angers Loire Métropole"]
    assert len(select_epcis()) == 1255


def test_select_epcis_errors():
    with pytest.raises(NotFoundError, match="unknown filter 'regoin'.*region=52"):
        select_epcis({"regoin": "52"})
    with pytest.raises(NotFoundError, match="nature=XY matches no EPCI.*CA, CC"):
        select_epcis({"nature": "XY"})


def test_screen_rejects_unknown_sirens():
    with pytest.raises(NotFoundError, match="no EPCI with SIREN 999999999"):
        screen(["999999999"])


def test_every_epci_lies_in_one_departement_of_its_region():
    from mutusim.inputs.geography import departements, epci_geography

    g = epci_geography()
    assert len(g) == 1255
    assert g["departement"].notna().all()
    dep_region = departements().set_index("code")["region"]
    assert (g["departement"].map(dep_region) == g["region"]).all()
    angers = g.set_index("siren").loc["244900015"]
    assert (angers["departement_name"], angers["region_name"]) == (
        "Maine-et-Loire",
        "Pays de la Loire",
    )


# ----------------------------------------------------------- summaries
def _fake() -> Screening:
    """Four EPCIs whose sums are known by hand (no solve)."""
    rows = pd.DataFrame(
        {
            "siren": ["1", "2", "3", "4"],
            "name": ["A", "B", "C", "D"],
            "nature": ["CC", "CC", "CA", "CC"],
            "fiscalite": ["FPU"] * 4,
            "departement": ["49", "49", "53", "53"],
            "departement_name": ["Maine-et-Loire", "Maine-et-Loire", "Mayenne", "Mayenne"],
            "region": ["52"] * 4,
            "region_name": ["Pays de la Loire"] * 4,
            "communes": [3, 5, 10, 2],
            "population": [1000, 3000, 20000, 500],
            "status": ["optimal", "optimal", "optimal", "failed"],
            "baseline_cost": [100.0, 300.0, 1000.0, None],
            "total_cost": [90.0, 240.0, 900.0, None],
            "savings": [10.0, 60.0, 100.0, None],
            "savings_share": [0.1, 0.2, 0.1, None],
            "savings_per_inhabitant": [0.01, 0.02, 0.005, None],
            "npv": [40.0, 300.0, 200.0, None],
            "rules_price": [0.0, 5.0, 7.0, None],
            "rules_bind": [False, True, True, None],
            "violations__qualified_majority": [0, 2, 0, None],
            "binds__qualified_majority": [False, True, False, None],
            "violations__min_members": [0, 0, 1, None],
            "binds__min_members": [False, False, True, None],
        }
    )
    from mutusim.analysis.national import _assemble

    return _assemble(rows, pd.DataFrame(), ms.Scenario(), None, {})


def test_by_group_by_hand():
    t = by_group(_fake(), "departement").set_index("departement")
    assert t.at["49", "savings"] == 70.0
    assert t.at["49", "baseline_cost"] == 400.0
    assert t.at["49", "savings_share"] == pytest.approx(70 / 400)
    assert t.at["49", "savings_per_inhabitant"] == pytest.approx(70 / 4000)
    assert t.at["49", "rules_bind"] == 1
    assert t.at["53", "epcis"] == 2
    assert t.at["53", "failed"] == 1
    assert t.at["53", "with_plan"] == 1
    assert t.at["53", "population"] == 20000  # of the EPCIs with a plan
    assert t.at["49", "npv"] == 340.0
    assert t.at["49", "npv_per_inhabitant"] == pytest.approx(340 / 4000)
    assert list(t.index) == ["49", "53"]  # by decreasing NPV (not long-run savings: 70 < 100)
    n = by_group(_fake(), "nature").set_index("nature")
    assert n.at["CC", "savings"] == 70.0
    assert n.at["CA", "savings"] == 100.0
    assert n.at["CC", "npv"] == 340.0
    with pytest.raises(NotFoundError, match="choose among nature"):
        by_group(_fake(), "commune")


def test_largest_and_rule_frequency_by_hand():
    assert largest(_fake(), 2)["siren"].tolist() == ["2", "3"]  # by NPV
    assert largest(_fake(), 2, by="savings")["siren"].tolist() == ["3", "2"]
    assert largest(_fake(), 1, by="savings_share")["siren"].tolist() == ["2"]
    f = rule_frequency(_fake()).set_index("rule")
    assert f.at["qualified_majority", "binds"] == 1
    assert f.at["qualified_majority", "epcis"] == 3
    assert f.at["min_members", "share"] == pytest.approx(1 / 3)
    assert f.at["min_members", "rules_price"] == 7.0
    assert f.at["qualified_majority", "violations"] == 2
    by_dep = rule_frequency(_fake(), by="departement")
    assert set(by_dep["departement"]) == {"49", "53"}


def test_runs_on_an_existing_scheduler_given_its_address(reference):
    """`--scheduler ADDRESS`: the same tasks on a cluster the caller started (left running)."""
    import logging

    from distributed import Client, LocalCluster

    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0",
        silence_logs=logging.ERROR,
    ) as cluster:  # fmt: skip
        some = SIRENS[:3]
        res = screen(some, SC, client=cluster.scheduler_address, progress=False)
        with Client(cluster) as c:  # the scheduler is still there for others
            assert c.submit(sum, [1, 2]).result() == 3
    ref = reference.epcis[reference.epcis["siren"].isin(some)].reset_index(drop=True)
    pd.testing.assert_frame_equal(
        res.epcis.drop(columns=TIMING_COLUMNS), ref.drop(columns=TIMING_COLUMNS)
    )


# ------------------------------------------------------- scenario codes
def test_a_misspelt_service_fails_once_before_any_epci():
    from mutusim.analysis.national import check_national_scenario

    with pytest.raises(NotFoundError, match="billing_keys: unknown service 'rh_pai'.*'rh_paie'"):
        screen(SIRENS[:1], ms.Scenario(billing_keys={"rh_pai": "population"}), progress=False)
    with pytest.raises(NotFoundError, match="a commune host"):
        check_national_scenario(ms.Scenario(hosts={"rh_paie": "49007"}))
    # a service outside the services screened is unknown too
    with pytest.raises(NotFoundError, match="perimeter_services: unknown service 'ads'"):
        check_national_scenario(ms.Scenario(perimeter_services=["ads"]), ["rh_paie"])
    check_national_scenario(ms.Scenario(hosts={"rh_paie": "EPCI"}, billing_keys={"ads": "fte"}))


def test_a_commune_the_scenario_names_applies_in_its_epci_only():
    """Stances name communes of one EPCI: the others run as without them, none fails."""
    # Terre de Camargue pools payroll under SC; its commune Aigues-Mortes (30003) refuses
    # everything here, and Petite-Terre (Mayotte) has no such commune
    sc = SC.replace(force=[ms.Decision("*", "30003", "keep")])
    with pytest.raises(NotFoundError):
        ms.optimise(ms.datasets.epci("200050532"), sc)  # a territory alone checks its codes
    got = screen(["243000650", "200050532"], sc, workers=1, rules=False, progress=False)
    e = got.epcis.set_index("siren")
    assert (e["status"] == "optimal").all()
    d = got.decisions
    assert (d.loc[d["commune"] == "30003", "mode"] == "keep").all()
    alone = ms.optimise(ms.datasets.epci("200050532"), SC)
    assert e.at["200050532", "npv"] == pytest.approx(alone.npv, abs=1e-9)
