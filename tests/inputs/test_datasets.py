"""Reference data, EPCI lookup and the illustrative calibration (PRODUCT.md D3)."""

from __future__ import annotations

import shutil
from dataclasses import fields, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mutusim.core.schema import NATURES
from mutusim.errors import MutusimError, NotFoundError
from mutusim.inputs import datasets
from mutusim.inputs.calibration import (
    CALIBRATION,
    DATA_CREDIT,
    GLOBAL_PARAMETERS,
    SERVICE_CATALOGUE,
    SERVICE_PARAMETERS,
    Calibration,
    ServiceCalibration,
    baseline_frame,
    calibration_markdown,
)

ROOT = Path(__file__).resolve().parents[2]
DECK_SERVICES = [
    "rh_paie",
    "juridique",
    "commande_publique",
    "informatique",
    "imprimerie",
    "controle_gestion",
    "assemblees",
    "communication",
    "prevention",
    "ads",
    "bureau_etudes_voirie",
    "sig",
    "espace_public",
    "technicien_secteur",
]
DECK_DOMAINS = {"Pilotage et gestion des ressources", "Aménagement", "Interventions techniques"}
# The support functions the EPCI runs for itself (its own rows, commune "EPCI"), and the
# services communs of Angers Loire Métropole and Ville d'Angers today (issue 8).
SUPPORT = [
    "rh_paie",
    "juridique",
    "commande_publique",
    "informatique",
    "imprimerie",
    "controle_gestion",
    "assemblees",
    "communication",
    "prevention",
    "sig",
]


@pytest.fixture(scope="module")
def angers():
    return datasets.angers()


@pytest.fixture(scope="module")
def epcis():
    return datasets.epcis_2026()


# ------------------------------------------------------------ reference data
def test_reference_tables_keep_codes_as_text():
    c = datasets.communes_2026()
    e = datasets.epcis_2026()
    assert len(c) == 34_969
    assert len(e) == 1_255
    assert c.loc[c["code_insee"] == "01001", "nom"].item() == "L'Abergement-Clémenciat"
    assert set(c["code_insee"].str.len()) == {5}
    assert {"2A004", "2B033"} <= set(c["code_insee"])
    assert set(e["siren"].str.len()) == {9}
    assert e["population_municipale"].dtype == "int64"
    assert c["population_municipale"].isna().sum() == 6  # TAAF and Clipperton
    assert c["epci_siren"].isna().sum() == 98
    assert set(e["nature"]) <= set(NATURES)


def test_reference_tables_are_copies():
    c = datasets.communes_2026()
    c.loc[:, "nom"] = "x"
    assert datasets.communes_2026()["nom"].iloc[0] == "L'Abergement-Clémenciat"


def test_data_folder_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("MUTUSIM_DATA", str(tmp_path))
    with pytest.raises(MutusimError, match="MUTUSIM_DATA"):
        datasets.epcis_2026()
    for f in ("communes_2026.csv", "epci_2026.csv"):
        shutil.copy(ROOT / "data" / f, tmp_path / f)
    assert datasets.data_dir() == tmp_path
    assert len(datasets.find_epci("244900015")) > 0


# -------------------------------------------------------------------- lookup
@pytest.mark.parametrize(
    "query",
    [
        "244900015",
        "Angers Loire Métropole",
        "angers loire metropole",
        "ANGERS LOIRE MÉTROPOLE",
        "CU Angers Loire Métropole",
        "Communauté urbaine Angers Loire Métropole",
        "  Angers-Loire-Metropole ",
        "Angers Métropole",
    ],
)
def test_find_angers(query):
    row = datasets.find_epci(query)
    assert row["siren"] == "244900015"
    assert row["nom"] == "CU Angers Loire Métropole"


def test_find_exact_name_before_substring():
    # "Lyon" alone is ambiguous (6 names contain it); the exact name is not.
    assert datasets.find_epci("Métropole de Lyon")["siren"] == "200046977"
    assert datasets.find_epci("ca du pays basque")["siren"] == "200067106"


def test_ambiguous_name_lists_candidates_with_siren():
    with pytest.raises(NotFoundError, match="ambiguous") as err:
        datasets.find_epci("CC des Quatre Rivières")  # two EPCIs share this exact name
    msg = str(err.value)
    assert "247000623" in msg
    assert "247400666" in msg
    assert "SIREN" in msg


def test_ambiguous_substring_lists_at_most_five():
    with pytest.raises(NotFoundError, match="ambiguous") as err:
        datasets.find_epci("Grand")
    msg = str(err.value)
    assert msg.count("(siren ") == 5
    assert "more" in msg


@pytest.mark.parametrize(
    ("query", "expected", "error"),
    [
        ("Xyzzy", "No EPCI matches", NotFoundError),
        ("123456789", "No EPCI with SIREN 123456789", NotFoundError),
        ("", "empty", MutusimError),  # not a lookup: nothing to look up
        ("Anjers Loire Metropol", "244900015", NotFoundError),  # closest names are suggested
        ("Bayonne", "200067106", NotFoundError),  # a commune: its EPCI is named
        ("210100012", "L'Abergement-Clémenciat", NotFoundError),  # a commune's SIREN
    ],
)
def test_unknown_names_raise_with_hints(query, expected, error):
    with pytest.raises(error, match="SIREN|siren") as err:
        datasets.find_epci(query)
    assert expected in str(err.value)


# ----------------------------------------------------------------- Angers
def test_angers_is_the_reference_territory(angers):
    assert angers.epci == {
        "siren": "244900015",
        "name": "CU Angers Loire Métropole",
        "nature": "CU",
        "fiscalite": "FPU",
    }
    assert len(angers.communes) == 29
    assert angers.population == 308_806
    assert angers.communes.at["49007", "population"] == 157_555
    assert angers.communes.at["49007", "name"] == "Angers"
    assert angers.service_codes == DECK_SERVICES


def test_angers_by_name_equals_by_siren(angers):
    assert datasets.epci("Angers Loire Métropole").equals(angers)


def test_baseline_has_every_pair_and_is_consistent(angers):
    b = angers.baseline
    # every (service, commune) pair, plus the EPCI's own rows for the 10 support services
    assert len(b) == 29 * 14 + 10
    communes = b.index.get_level_values("commune")
    services = b.index.get_level_values("service")
    assert sorted(services[communes == "EPCI"]) == sorted(SUPPORT)
    # Roads are a mandatory competence of a CU: already transferred by law. The support
    # services are shared today by Angers and the EPCI (services communs since 2001-2008);
    # the rest is kept.
    arr = b["arrangement"]
    assert set(arr[services == "bureau_etudes_voirie"]) == {"transfer"}
    shared = services.isin(SUPPORT) & communes.isin(["49007", "EPCI"])
    assert set(arr[shared]) == {"share"}
    assert set(arr[(services != "bureau_etudes_voirie") & ~shared]) == {"keep"}
    # Communes under 3,500 inhabitants do not depreciate: the CLECT adds an equipment charge.
    # The EPCI has no attribution de compensation: no equipment charge.
    pop = angers.communes["population"].reindex(communes).to_numpy()
    small = pop < CALIBRATION.no_depreciation_below
    assert (b.loc[small & (b["cost"] > 0).to_numpy(), "equipment_charge"] > 0).all()
    assert (b.loc[~small, "equipment_charge"] == 0).all()
    active = (b["fte"] > 0) | (b["units"] > 0)
    assert (b.loc[active, "cost"] > 0).all()
    assert b["level"].between(0, 100).all()
    # cost = fte x cost per FTE x (1 + non-staff share), to the cent, for every pair run
    # alone; the members of today's services communs record their bill instead (next test)
    share = services.map({s.service: s.non_staff_share for s in CALIBRATION.services})
    expected = b["fte"] * CALIBRATION.cost_per_fte * (1 + np.asarray(share))
    alone = ~shared
    assert np.allclose(b.loc[alone, "cost"], expected[alone], atol=0.01)
    # posts (agents wholly in the service): the whole part of fte, illustratively
    assert (b["fte_posts"] == np.floor(b["fte"] + 1e-9)).all()
    assert (b["fte_posts"] <= b["fte"]).all()
    assert b.at[("rh_paie", "49007"), "fte_posts"] == np.floor(b.at[("rh_paie", "49007"), "fte"])


def test_the_epci_runs_its_own_support_services(angers):
    b = angers.baseline
    own = b.xs("EPCI", level="commune")
    assert sorted(own.index) == sorted(SUPPORT)
    assert (own["fte"] > 0).all()
    assert (own["equipment_charge"] == 0).all()
    # sized like a commune of epci_staff_share x the population (illustrative): with the
    # same productivity curve its rows are those of such a commune
    from mutusim.inputs.calibration import baseline_frame

    size = round(CALIBRATION.epci_staff_share * angers.population)
    like = baseline_frame(pd.DataFrame({"commune": ["EPCI"], "population": [size]}), SUPPORT)
    like = like.set_index("service")
    for col in ("fte", "fte_posts", "units", "level"):
        np.testing.assert_allclose(own[col], like.loc[own.index, col], err_msg=col)
    # its cost is its bill in today's service commun, not the cost of running it alone
    assert not np.allclose(own["cost"], like.loc[own.index, "cost"])
    # a territory without support services has no EPCI row
    t = datasets.angers(services=["ads", "espace_public"])
    assert "EPCI" not in set(t.baseline.index.get_level_values("commune"))


def test_angers_shares_its_support_services_with_the_epci_today(angers):
    # 2012 deck: Angers Loire Métropole and Ville d'Angers share services since 2001-2008;
    # which catalogue services they cover is illustrative (existing_pooling.csv)
    b = angers.baseline.reset_index()
    shared = b[b["arrangement"] == "share"]
    assert set(shared["commune"]) == {"49007", "EPCI"}
    assert sorted(shared["service"].unique()) == sorted(SUPPORT)
    assert (shared.groupby("service")["commune"].nunique() == 2).all()
    # the EPCI hosts them; no other service has an existing pool
    hosts = angers.modes.xs("share", level="mode")["host"]
    assert set(hosts) == {"EPCI"}
    from mutusim.inputs.calibration import existing_pooling

    rows = existing_pooling("244900015")
    assert sorted(r["service"] for r in rows) == sorted(SUPPORT)
    assert {(r["parties"], r["mode"], r["host"], r["status"]) for r in rows} == {
        ("49007;EPCI", "share", "EPCI", "illustrative")
    }
    assert all("458.5" in r["source"] for r in rows)
    # other EPCIs have no existing pooling in the data: everything is kept but roads
    # (mandatory for a CU, METRO or MET69 only)
    other = datasets.epci("CC de Marie-Galante")
    assert set(other.baseline["arrangement"]) == {"keep"}
    assert existing_pooling(other.epci["siren"]) == []


def test_angers_recorded_costs_are_todays_bills(angers):
    # each member of a service commun records its bill there: the status quo priced by the
    # model is the recorded one, pair by pair, so leaving a unit shows no phantom savings
    from mutusim.core.costs import CostData
    from mutusim.core.evaluate import evaluate_plan, status_quo
    from mutusim.core.scenario import Scenario

    costs = CostData.from_inputs(angers, Scenario())
    today = evaluate_plan(costs, status_quo(costs)).pairs.set_index(["service", "commune"])
    # (roads, transferred by law, are paid by the EPCI: the communes' rows record their
    # cost before the transfer, and the attribution de compensation carries it)
    kept = angers.baseline[angers.baseline["arrangement"] != "transfer"]
    recorded = kept["cost"]
    after = today["cost_after"].reindex(recorded.index)
    np.testing.assert_allclose(after.to_numpy(), recorded.to_numpy(), rtol=1e-9)
    # the 10 support services, each shared by Ville d'Angers and the EPCI
    assert (angers.baseline["arrangement"] == "share").sum() == 20


def test_modes_share_for_all_transfer_for_transferable(angers):
    m = angers.modes.reset_index()
    assert set(m.loc[m["mode"] == "share", "service"]) == set(DECK_SERVICES)
    transferable = set(angers.services.index[angers.services["transferable"]])
    assert set(m.loc[m["mode"] == "transfer", "service"]) == transferable
    share = m[m["mode"] == "share"]
    assert (share["min_members"] >= 2).all()
    assert (share["fte_step"] == 0.5).all()
    assert (m.loc[m["mode"] == "transfer", "fte_step"] == 1.0).all()
    assert (m["cost_per_fte"] > CALIBRATION.cost_per_fte).all()  # pay harmonised upwards


def test_roads_are_mandatory_for_a_cu(angers):
    assert angers.is_mandatory("bureau_etudes_voirie")
    assert not angers.is_mandatory("espace_public")
    assert not any(angers.is_mandatory(s) for s in DECK_SERVICES if s != "bureau_etudes_voirie")


def test_services_subset_and_errors():
    t = datasets.angers(services=["ads", "rh_paie"])
    assert t.service_codes == ["ads", "rh_paie"]
    assert len(t.baseline) == 2 * 29 + 1  # and the EPCI's own payroll
    full = datasets.angers().baseline.loc[["ads", "rh_paie"]]
    assert t.baseline.equals(full)
    with pytest.raises(NotFoundError, match="unknown service code.*'paie'"):
        datasets.angers(services=["paie"])
    with pytest.raises(MutusimError, match="empty list"):
        datasets.angers(services=[])


# ------------------------------------------------------------ determinism
def test_builds_are_deterministic(angers):
    assert datasets.angers().equals(angers)
    a = datasets.angers(seed=7)
    assert a.equals(datasets.angers(seed=7))
    assert not a.equals(angers)
    assert not a.equals(datasets.angers(seed=8))
    # a service subset draws the same heterogeneity as the full catalogue
    sub = datasets.angers(services=["sig"], seed=7)
    assert sub.baseline.equals(a.baseline.loc[["sig"]])
    with pytest.raises(MutusimError, match="seed"):
        datasets.angers(seed=1.5)


# --------------------------------------------------------------- national
@pytest.mark.slow
def test_every_epci_of_france_builds(epcis):
    """All 1,255 EPCIs become valid territories (about 15 s)."""
    for row in epcis.itertuples():
        t = datasets.epci(row.siren)
        assert t.epci["siren"] == row.siren
        assert t.nature == row.nature
        assert len(t.communes) == row.n_communes
        assert t.population == row.population_municipale
        # every pair, and the EPCI's own 10 support services
        assert len(t.baseline) == row.n_communes * 14 + 10
        b = t.baseline
        active = (b["fte"] > 0) | (b["units"] > 0)
        assert (b.loc[active, "cost"] > 0).all(), row.siren


def test_extremes_and_special_natures(epcis):
    largest = epcis.loc[epcis["n_communes"].idxmax()]
    smallest = epcis.loc[epcis["n_communes"].idxmin()]
    assert len(datasets.epci(largest["siren"]).communes) == 158
    assert len(datasets.epci(smallest["siren"]).communes) == smallest["n_communes"]
    assert datasets.epci("200046977").nature == "MET69"


def test_commune_without_inhabitants_has_zero_rows():
    c = datasets.communes_2026()
    empty = c[(c["population_municipale"] == 0) & c["epci_siren"].notna()].iloc[0]
    t = datasets.epci(str(empty["epci_siren"]))
    rows = t.baseline.xs(str(empty["code_insee"]), level="commune")
    assert (rows[["fte", "cost", "units"]] == 0).all().all()


# ------------------------------------------------------------- calibration
def _per_commune(t):
    b = t.baseline.groupby(level="commune")[["cost"]].sum()
    b["level"] = t.baseline.groupby(level="commune")["level"].mean()
    b["population"] = t.communes["population"]
    b["cost_per_inhabitant"] = b["cost"] / b["population"]
    return b


def test_small_communes_cost_more_and_serve_less(angers):
    per = _per_commune(angers)
    small = per[per["population"] < 2_000]
    large = per[per["population"] >= 25_000]
    assert len(small) > 0
    assert len(large) > 0
    assert small["level"].max() < large["level"].min()
    assert small["cost_per_inhabitant"].min() > large["cost_per_inhabitant"].max()


def test_calibration_shape_is_monotone_in_population():
    sizes = np.array([1, 50, 300, 500, 1_000, 3_000, 10_000, 25_000, 100_000, 500_000])
    communes = pd.DataFrame(
        {"commune": [f"{i:05d}" for i in range(len(sizes))], "population": sizes}
    )
    b = baseline_frame(communes, CALIBRATION.service_codes)
    b["pop"] = np.tile(sizes, len(CALIBRATION.services))
    for service, g in b.groupby("service"):
        per_inhabitant = (g["cost"] / g["pop"]).to_numpy()
        # FTE are rounded to 1e-6 and costs to the cent: allow 5 cents per commune
        assert (np.diff(per_inhabitant) <= 0.05 / sizes[:-1]).all(), service
        assert (np.diff(g["level"].to_numpy()) >= 0).all(), service


def _marginal_pool_cost(t, service, commune):
    """Long-run annual cost of one commune joining the shared unit, at the margin (no fixed cost).

    In the long run the unit employs max(need - Q, 0) posts beside the members' partial
    shares Q, i.e. its need when the shares do not exceed it: the commune adds its units'
    staff at the pooled cost per FTE, the variable cost and the overhead. The one-off
    transition cost is paid once, in the start year: not part of the yearly cost.
    """
    p = t.modes.loc[(service, "share")]
    b = t.baseline.loc[(service, commune)]
    unit_cost = p["cost_per_fte"] / p["units_per_fte"] + p["cost_per_unit"]
    return b["units"] * unit_cost + p["overhead_per_member"]


def test_pooling_is_a_genuine_trade_off(angers):
    """The ville-centre loses on some services; small members gain on core ones; and
    the smallest commune, whose volume is tiny, loses on most."""
    city = "49007"
    gain = {
        s: angers.baseline.at[(s, city), "cost"] - _marginal_pool_cost(angers, s, city)
        for s in DECK_SERVICES
    }
    assert any(g < 0 for g in gain.values())
    assert any(g > 0 for g in gain.values())
    assert gain["espace_public"] < 0  # proximity service: no economy of scale
    per = _per_commune(angers)
    mid = per[(per["population"] > 1_000) & (per["population"] < 5_000)].index[0]
    assert angers.baseline.at[("rh_paie", mid), "cost"] > _marginal_pool_cost(
        angers, "rh_paie", mid
    )
    tiny = per["population"].idxmin()
    losses = [
        s
        for s in DECK_SERVICES
        if angers.baseline.at[(s, tiny), "cost"] < _marginal_pool_cost(angers, s, tiny)
    ]
    assert len(losses) >= 3


def test_catalogue_follows_the_deck():
    cat = SERVICE_CATALOGUE
    assert cat["service"].tolist() == DECK_SERVICES
    assert set(cat["domain"]) == DECK_DOMAINS
    assert cat["name"].str.len().gt(0).all()
    assert cat["unit"].str.len().gt(0).all()
    assert set(cat.loc[cat["transferable"], "service"]) == {
        "bureau_etudes_voirie",
        "espace_public",
    }
    support = cat[cat["domain"] == "Pilotage et gestion des ressources"]
    assert not support["transferable"].any()
    assert not cat.set_index("service").at["ads", "transferable"]
    road = CALIBRATION.service("bureau_etudes_voirie")
    assert set(road.mandatory_for) == {"CU", "METRO", "MET69"}
    assert "U" in road.source("mandatory_for")
    for s in CALIBRATION.services:
        assert set(s.mandatory_for) <= set(NATURES)
        assert s.notes


def test_every_parameter_is_documented_and_sourced():
    globals_ = {f.name for f in fields(Calibration)} - {"services"}
    assert set(GLOBAL_PARAMETERS) == globals_
    numeric = {f.name for f in fields(ServiceCalibration) if f.type == "float"}
    assert set(SERVICE_PARAMETERS) == numeric
    table = CALIBRATION.table()
    assert (table["unit"].str.len() > 0).all()
    assert (table["source"].str.len() > 0).all()
    assert set(table.loc[table["service"] == "", "parameter"]) == globals_
    assert table.loc[table["parameter"] == "cost_per_fte", "value"].item() == 42_000
    assert "§3" in table.loc[table["parameter"] == "cost_per_fte", "source"].item()
    # every value has a status derived from its source tag ([V n], [I], [U])
    assert set(table["status"]) <= {"verified", "inferred", "illustrative", "convention"}
    assert table.loc[table["parameter"] == "cost_per_fte", "status"].item() == "inferred"
    assert table.loc[table["parameter"] == "size_large", "status"].item() == "verified"
    assert table.loc[table["parameter"] == "pop_ref", "status"].item() == "convention"
    assert (table.loc[table["service"] != "", "status"] == "illustrative").any()


def test_calibration_overrides():
    dear = replace(CALIBRATION, cost_per_fte=45_000)
    base = datasets.angers(services=["ads"])
    t = datasets.angers(services=["ads"], calibration=dear)
    ratio = t.baseline["cost"].sum() / base.baseline["cost"].sum()
    assert ratio == pytest.approx(45 / 42, rel=1e-4)
    fast = CALIBRATION.with_service("ads", units_per_fte=500)
    t = datasets.angers(services=["ads"], calibration=fast)
    assert t.baseline.at[("ads", "49007"), "fte"] < base.baseline.at[("ads", "49007"), "fte"]
    assert CALIBRATION.service("ads").units_per_fte == 250  # the default is untouched


@pytest.mark.parametrize(
    ("make", "match", "error"),
    [
        (lambda: replace(CALIBRATION, cost_per_fte=0), "cost_per_fte must be > 0", MutusimError),
        (lambda: replace(CALIBRATION, size_large=100), "size_large", MutusimError),
        (
            lambda: CALIBRATION.with_service("sig", efficiency_small=0),
            "efficiency_small",
            MutusimError,
        ),
        (lambda: CALIBRATION.with_service("sig", level_share=120), "level_share", MutusimError),
        (
            lambda: CALIBRATION.with_service("sig", mandatory_for=("CU",)),
            "transferable",
            MutusimError,
        ),
        (lambda: CALIBRATION.with_service("sig", speed=3), "unknown parameter", MutusimError),
        (
            lambda: CALIBRATION.with_service("nope", driver=1),
            "Unknown service 'nope'",
            NotFoundError,
        ),
        (lambda: datasets.angers(calibration={"cost_per_fte": 1}), "Calibration", MutusimError),
    ],
)
def test_invalid_calibration_is_refused(make, match, error):
    with pytest.raises(error, match=match):
        make()


def test_calibration_doc_is_in_step():
    text = (ROOT / "docs" / "calibration.md").read_text(encoding="utf-8")
    assert text == calibration_markdown(), "docs/calibration.md is stale: run `make docs`"
    assert DATA_CREDIT in text
    assert "Licence Ouverte" in text
    assert "illustrative" in text
    for name in [*GLOBAL_PARAMETERS, *SERVICE_PARAMETERS]:
        assert f"`{name}`" in text


# --------------------------------------------------------------- synthetic
def test_synthetic_territory():
    t = datasets.synthetic(3000)
    codes = t.commune_codes
    assert len(codes) == 3000 == len(set(codes))
    assert all(len(c) == 5 and c.isdigit() for c in codes)
    assert t.epci["siren"] == "000000000"
    assert t.nature == "CA"
    assert len(t.baseline) == 3000 * 14 + 10
    real = set(datasets.communes_2026()["population_municipale"].dropna().astype(int))
    assert set(t.communes["population"]) <= real
    assert datasets.synthetic(50, seed=3).equals(datasets.synthetic(50, seed=3))
    assert not datasets.synthetic(50, seed=3).equals(datasets.synthetic(50, seed=4))


@pytest.mark.parametrize("n", [0, 100_000, 2.5, True])
def test_synthetic_refuses_bad_sizes(n):
    with pytest.raises(MutusimError, match="n_communes"):
        datasets.synthetic(n)
