"""The price of a decision (issue 11.3), on the hand example of tests/model/test_model.py.

tiny under HAND (horizon 2026-2028, no discounting, all departures at 50 %):
the optimum pools payroll (NPV 32,000) and keeps ADS. By hand (test_model.py,
``TestForcedModes``): ADS shared by all from 2028 loses 12,500, transferred from
2028 loses 22,500; without the payroll pool nothing else pays (NPV 0).
"""

from __future__ import annotations

import pytest

import mutusim as ms
from mutusim.analysis.decisions import (
    DECISION_PRICE_COLUMNS,
    decision_prices,
    service_decision,
    service_decisions,
)

HAND = {"end_year": 2028, "discount_rate": 0, "departures": "all", "all_departure_rate": 0.5}


@pytest.fixture(scope="module")
def result() -> ms.Result:
    res = ms.optimise(ms.examples.tiny(), ms.Scenario(**HAND))
    assert res.npv == pytest.approx(32_000)
    return res


def test_decisions_and_their_prices_by_hand(result):
    assert service_decision(result, "rh_paie") == "share"
    assert service_decision(result, "ads") == "keep"
    p = decision_prices(result)
    assert list(p.columns) == DECISION_PRICE_COLUMNS
    got = {(r.service, r.alternative): r.price for r in p.itertuples()}
    assert got == pytest.approx(
        {("ads", "share"): 12_500, ("ads", "transfer"): 22_500, ("rh_paie", "keep"): 32_000}
    )
    # payroll is not transferable: no transfer alternative
    assert ("rh_paie", "transfer") not in got
    assert (p["status"] == "optimal").all()


def test_prices_are_never_negative_against_an_optimum(result):
    p = decision_prices(result)
    assert (p["price"] >= -1e-6).all()


def test_a_forbidden_alternative_has_a_status_and_no_price():
    # a vote against from Bourg-Centre (veto) makes the ADS transfer infeasible
    sc = ms.Scenario(**HAND, stances={"ads": {"49001": "against"}})
    res = ms.optimise(ms.examples.tiny(), sc)
    p = decision_prices(res, services=["ads"]).set_index("alternative")
    assert p.at["transfer", "status"] == "infeasible"
    assert p.at["transfer", "price"] is None or p["price"].isna()["transfer"]
    assert p.at["share", "price"] == pytest.approx(12_500)


def test_no_plan_no_prices():
    res = ms.optimise(ms.examples.tiny(), ms.Scenario(min_level=99))
    assert decision_prices(res).empty


def test_leaving_a_service_commun_is_keep():
    import pandas as pd

    class _R:  # service_decision reads the decisions table only
        decisions = pd.DataFrame(
            {
                "service": ["s"] * 3,
                "commune": ["a", "b", "EPCI"],
                "mode": ["keep", "keep", "share"],
                "current": ["share", "share", "share"],
            }
        )

    assert service_decision(_R(), "s") == "keep"  # type: ignore[arg-type]
    _R.decisions["mode"] = ["transfer", "share", "share"]
    _R.decisions["current"] = ["keep", "keep", "share"]
    assert service_decision(_R(), "s") == "transfer"  # a tie: transfer first
    _R.decisions["service"] = ["s", "t", "s"]
    _R.decisions["mode"] = ["share", "keep", "share"]
    _R.decisions["current"] = ["keep", "keep", "share"]
    # every service of the table at once, by the same rule; a service absent is kept
    assert service_decisions(_R()) == {"s": "share", "t": "keep"}  # type: ignore[arg-type]
    assert service_decision(_R(), "u") == "keep"  # type: ignore[arg-type]


def test_what_every_party_already_does_is_not_an_alternative():
    # Angers' voirie design office is transferred by all 29 communes: the plan changes
    # nothing ("keep"); "transfer by all" is that same plan, not an alternative, and a
    # share is forbidden (a transferred competence stays with the EPCI)
    t = ms.datasets.angers(services=["bureau_etudes_voirie", "ads"])
    assert set(t.baseline.xs("bureau_etudes_voirie", level="service")["arrangement"]) == {
        "transfer"
    }
    res = ms.optimise(t, ms.Scenario(**HAND))
    p = decision_prices(res, services=["bureau_etudes_voirie"])
    assert p["decision"].tolist() == ["keep"]
    assert p["alternative"].tolist() == ["share"]
    assert p["status"].tolist() == ["infeasible"]
