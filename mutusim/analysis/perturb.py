"""Moving one parameter of a territory or a scenario: the what-ifs shared by the analyses.

Tipping points (:mod:`mutusim.analysis.tipping`), robustness draws
(:mod:`mutusim.analysis.uncertainty`) and the what-if panel
(:mod:`mutusim.present.panel`) all scale the parameters of a service's pooled
units (its share and transfer units together) and set the departure rate
that cuts posts; they do it here, once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import numpy as np

from mutusim.core.scenario import Scenario
from mutusim.core.territory import Territory

__all__ = ["POOLED_PARAMETERS", "departure_rate", "scale_pooled", "with_departure_rate"]

#: Parameters of a service's pooled units, and the ``modes`` columns each one scales.
POOLED_PARAMETERS: dict[str, tuple[str, ...]] = {
    "units_per_fte": ("units_per_fte",),
    "fixed_cost": ("fixed_cost",),
    "cost_per_fte": ("cost_per_fte",),
    "transition_cost": ("transition_cost_per_member", "transition_cost_per_fte"),
}


def scale_pooled(territory: Territory, factors: Mapping[tuple[str, str], float]) -> Territory:
    """A territory whose services' pooled-unit parameters are multiplied by factors.

    Parameters
    ----------
    territory : Territory
    factors : mapping
        (service, parameter of :data:`POOLED_PARAMETERS`) -> factor [-].

    Returns
    -------
    Territory
        The same territory when every factor is 1.

    Examples
    --------
    >>> import mutusim as ms
    >>> t = scale_pooled(ms.examples.tiny(), {("ads", "fixed_cost"): 2.0})
    >>> float(t.modes.at[("ads", "share"), "fixed_cost"])
    16000.0
    """
    moving = {k: f for k, f in factors.items() if f != 1.0}
    if not moving:
        return territory
    modes = territory.modes.copy()
    services = np.asarray(modes.index.get_level_values("service"))
    columns: dict[str, np.ndarray] = {}
    for (service, parameter), factor in moving.items():
        rows = services == service
        for column in POOLED_PARAMETERS[parameter]:
            if column not in columns:
                columns[column] = modes[column].to_numpy(dtype=float, copy=True)
            columns[column][rows] *= float(factor)
    for column, values in columns.items():
        modes[column] = values  # one assignment per column: draws price fast
    return replace(territory, modes=modes)


def departure_rate(scenario: Scenario) -> float:
    """The departure rate that cuts posts under ``scenario.departures`` [1/year].

    Parameters
    ----------
    scenario : Scenario

    Returns
    -------
    float
    """
    return (
        scenario.retirement_rate
        if scenario.departures == "retirements"
        else scenario.all_departure_rate
    )


def with_departure_rate(scenario: Scenario, rate: float) -> Scenario:
    """The scenario with the departure rate that cuts posts set to ``rate`` [1/year].

    Parameters
    ----------
    scenario : Scenario
    rate : float
        The rate of ``scenario.departures`` (retirements, or all departures).

    Returns
    -------
    Scenario
    """
    if scenario.departures == "retirements":
        return replace(scenario, retirement_rate=float(rate))
    return replace(scenario, all_departure_rate=float(rate))
