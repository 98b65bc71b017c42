"""The rules' rows reach HiGHS as plain coefficients and PuLP only when asked: the same model."""

from __future__ import annotations

import math

import pulp
import pytest

import mutusim as ms
from mutusim.model.build import build_model
from mutusim.model.solver import model_rows


def _from_pulp(model: ms.model.milp.MilpModel) -> list[tuple[str, dict[str, float], float, float]]:
    """Each row read back from the PuLP problem: name, coefficients by variable name, bounds."""
    out = []
    for con in model.lp.constraints():
        rhs = -float(con.constant)
        lo = rhs if con.sense in (pulp.LpConstraintEQ, pulp.LpConstraintGE) else -math.inf
        up = rhs if con.sense in (pulp.LpConstraintEQ, pulp.LpConstraintLE) else math.inf
        out.append((con.name, {v.name: float(a) for v, a in con.items()}, lo, up))
    return out


def _from_arrays(model: ms.model.milp.MilpModel) -> list[tuple[dict[str, float], float, float]]:
    cols, rows = model_rows(model)
    return [
        (
            {
                cols[rows.index[k]].name: rows.value[k]
                for k in range(rows.starts[r], rows.starts[r + 1])
            },
            rows.lower[r],
            rows.upper[r],
        )
        for r in range(len(rows.lower))
    ]


@pytest.mark.parametrize("staff_reduction", ["attrition", "abolition"])
def test_the_arrays_are_the_pulp_problem(staff_reduction: str) -> None:
    sc = ms.Scenario(decompose=False, staff_reduction=staff_reduction, no_worse_off=True)
    model = build_model(ms.examples.tiny(), sc)
    arrays = _from_arrays(model)  # before PuLP has any row
    assert model.problem.numConstraints() == 0
    pulp_rows = _from_pulp(model)
    assert len(arrays) == len(pulp_rows) == model.num_constraints > 10
    assert [(c, lo, up) for _n, c, lo, up in pulp_rows] == arrays
    assert model.lp.objective is not None
    objective = {v.name: a for v, a in model.lp.objective.items()}
    assert objective == {v.name: a for v, a in model.objective_terms}


def test_rows_added_to_the_pulp_problem_come_last() -> None:
    model = build_model(ms.examples.tiny(), ms.Scenario(decompose=False))
    before = model.num_constraints
    z = next(iter(model.z.values()))
    model.lp += z <= 0, "extra_row"
    assert model.num_constraints == before + 1
    coefs, lower, upper = _from_arrays(model)[-1]
    assert (coefs, lower, upper) == ({z.name: 1.0}, -math.inf, 0.0)
    name, _row = list(model.row_terms())[-1]
    assert name == "extra_row"


def test_a_row_name_is_used_once() -> None:
    model = build_model(ms.examples.tiny(), ms.Scenario(decompose=False))
    z = next(iter(model.z.values()))
    model.add_row("test", "twice", [(z, 1.0)], pulp.LpConstraintLE, 1.0)
    with pytest.raises(pulp.PulpError, match="twice"):
        model.add_row("test", "twice", [(z, 1.0)], pulp.LpConstraintLE, 1.0)


def test_cbc_and_highs_agree_on_the_lazily_built_model() -> None:
    t = ms.examples.tiny()
    highs = ms.optimise(t, ms.Scenario(decompose=False))
    cbc = ms.optimise(t, ms.Scenario(decompose=False, solver="cbc"))
    assert highs.status == cbc.status == "optimal"
    assert highs.npv == pytest.approx(cbc.npv, abs=1.0)
