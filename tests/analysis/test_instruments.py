"""The legal instrument of each pooled unit (issue 9.4), on hand examples.

tiny (examples.tiny): ADS 1.0 / 0.4 / 0.2 FTE (posts 1 / 0 / 0), payroll 2.0 / 0.5 /
0.3 FTE (posts 2 / 0 / 0); every service kept today.
"""

from __future__ import annotations

import pytest

import mutusim as ms
from mutusim.analysis.instruments import INSTRUMENT_COLUMNS, legal_instruments

HAND = {"end_year": 2028, "discount_rate": 0, "departures": "all", "all_departure_rate": 0.5}


def _rows(res: ms.Result) -> dict[str, dict]:
    return legal_instruments(res).set_index("service").to_dict("index")


def test_the_payroll_service_commun_by_hand():
    res = ms.optimise(ms.examples.tiny(), ms.Scenario(**HAND))
    rows = _rows(res)
    # the optimum pools payroll between Bourg-Centre and 49002 (test_model's hand example)
    assert list(rows) == ["rh_paie"]
    r = rows["rh_paie"]
    assert (r["instrument"], r["article"], r["manager"]) == (
        "service_commun",
        "L5211-4-2 CGCT",
        "EPCI",
    )
    assert r["billing"] == "convention_units"
    assert (r["members"], r["new_members"]) == (2, 2)
    # 49001's 2 whole posts move; 49002's 0.5 FTE is made available
    assert r["posts_transferred"] == pytest.approx(2.0)
    assert r["fte_made_available"] == pytest.approx(0.5)


def test_a_commune_hosted_unit_and_a_population_key():
    sc = ms.Scenario(**HAND, hosts={"rh_paie": "49001"}, billing_keys={"rh_paie": "population"})
    r = _rows(ms.optimise(ms.examples.tiny(), sc))["rh_paie"]
    assert (r["instrument"], r["manager"], r["billing"]) == (
        "service_commun_communal",
        "49001",
        "convention_population",
    )


def test_transfers_for_all_some_or_by_law():
    tiny = ms.examples.tiny()
    every = ms.Scenario(**HAND, force=(("ads", "*", "transfer"),))
    r = _rows(ms.optimise(tiny, every))["ads"]
    assert (r["instrument"], r["article"], r["billing"]) == ("transfer", "L5211-17 CGCT", "clect")
    # posts 1 (49001), partial 0.4 + 0.2
    assert r["posts_transferred"] == pytest.approx(1.0)
    assert r["fte_made_available"] == pytest.approx(0.6)
    some = ms.Scenario(
        **HAND,
        force=(("ads", "49001", "transfer"),),
        forbid=(("ads", "49002", "transfer"), ("ads", "49003", "transfer")),
        disabled_rules=("transfer_all_or_nothing",),
    )
    r = _rows(ms.optimise(tiny, some))["ads"]
    assert (r["instrument"], r["article"]) == ("transfer_a_la_carte", "L5211-17-2 CGCT")
    assert r["members"] == 1


def test_a_mandatory_competence_is_transferred_by_the_law_of_the_nature():
    from model.test_mandatory_competence import one_commune_cc

    r = _rows(ms.optimise(one_commune_cc()))["ads"]
    assert (r["instrument"], r["article"]) == ("transfer_by_law", "L5214-16 CGCT")


def test_fa_transfers_are_financed_by_additional_rates():
    from core.test_fiscal_regimes import FORCE, two_commune_cc

    r = _rows(ms.optimise(two_commune_cc("FA"), ms.Scenario(force=FORCE)))["ads"]
    assert r["billing"] == "additional_rates"


def test_no_plan_no_rows():
    res = ms.optimise(ms.examples.tiny(), ms.Scenario(min_level=99))
    assert not res.has_plan
    assert list(legal_instruments(res).columns) == INSTRUMENT_COLUMNS
    assert legal_instruments(res).empty
