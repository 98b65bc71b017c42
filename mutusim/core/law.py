"""The law of transfers: councils' votes and the qualified majority (L5211-5 II).

DOMAIN.md §1.1 and §6.2. A transfer of competence needs concordant
deliberations of the municipal councils at the majority required to create
the EPCI; silence for three months counts as approval; the most populous
commune holding more than a quarter of the population must agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from mutusim.core.costs import CostData, transfer_balance
from mutusim.core.findings import Reason
from mutusim.core.scenario import Scenario
from mutusim.core.territory import Territory

__all__ = [
    "MAJORITY_COLUMNS",
    "VOTE_COLUMNS",
    "Majority",
    "council_vote",
    "needs_vote",
    "qualified_majority",
    "vote_tables",
]


@dataclass(frozen=True)
class Majority:
    """Outcome of a qualified-majority vote (L5211-5 II, DOMAIN.md §1.1 and §6.2).

    Attributes
    ----------
    councils, yes : int
        Councils voting, and voting yes.
    population, yes_population : int
        Their populations [inhabitants].
    branch_two_thirds : bool
        At least 2/3 of councils representing more than 1/2 of the population.
    branch_half : bool
        At least 1/2 of councils representing more than 2/3 of the population.
    largest : str
        The most populous commune (the first by INSEE code if several are tied).
    veto_applies : bool
        The most populous commune holds more than 1/4 of the population: its
        yes (every tied one's) is required.
    largest_yes : bool
        Every most populous commune votes yes.
    """

    councils: int
    yes: int
    population: int
    yes_population: int
    branch_two_thirds: bool
    branch_half: bool
    largest: str
    veto_applies: bool
    largest_yes: bool

    @property
    def holds(self) -> bool:
        """True when the qualified majority is reached."""
        return (self.branch_two_thirds or self.branch_half) and (
            self.largest_yes or not self.veto_applies
        )


def qualified_majority(yes: Mapping[str, bool], population: Mapping[str, int]) -> Majority:
    """Check the qualified majority of L5211-5 II on a table of votes.

    At least 2/3 of the councils representing more than half of the
    population, or at least half of the councils representing more than 2/3
    of it; and, in a CC, CA, CU or Métropole, the most populous commune when
    it holds more than a quarter of the population. Exact integer arithmetic.

    Parameters
    ----------
    yes : mapping
        Commune -> its council votes yes.
    population : mapping
        Commune -> population [inhabitants].

    Returns
    -------
    Majority

    Examples
    --------
    >>> m = qualified_majority({"a": True, "b": True, "c": False}, {"a": 10, "b": 10, "c": 100})
    >>> m.branch_two_thirds, m.veto_applies, m.holds
    (False, True, False)
    """
    n = len(yes)
    n_yes = sum(1 for v in yes.values() if v)
    pop = sum(population[c] for c in yes)
    pop_yes = sum(population[c] for c, v in yes.items() if v)
    # A tie for the most populous commune: each tied commune is "the most populous",
    # so each one's agreement is required (independent of INSEE codes).
    top = max(population[c] for c in yes)
    tied = sorted(c for c in yes if population[c] == top)
    return Majority(
        councils=n,
        yes=n_yes,
        population=pop,
        yes_population=pop_yes,
        branch_two_thirds=3 * n_yes >= 2 * n and 2 * pop_yes > pop,
        branch_half=2 * n_yes >= n and 3 * pop_yes > 2 * pop,
        largest=tied[0],
        veto_applies=4 * top > pop,
        largest_yes=all(yes[c] for c in tied),
    )


def council_vote(
    scenario: Scenario, costs: CostData, service: str, commune: str
) -> tuple[bool, Reason]:
    """Whether a council votes for transferring ``service``, and why.

    A stance given in the scenario decides (undecided = yes: silence is
    approval after 3 months, L5211-17, DOMAIN.md §1.1); otherwise the council
    votes yes unless its budget worsens by more than ``vote_tolerance`` once
    its attribution de compensation is cut by the CLECT valuation (DOMAIN.md
    §2.1, §6.2).

    Parameters
    ----------
    scenario : Scenario
        Stances and vote tolerance [EUR/year].
    costs : CostData
        The pair's baseline.
    service, commune : str
        The pair.

    Returns
    -------
    tuple of (bool, Reason)
        The vote, and a reason of rule ``qualified_majority`` with code
        ``stance_for``, ``stance_against``, ``stance_undecided`` or ``budget``
        (values: ``balance`` [EUR/year]).
    """
    stance = scenario.stance(service, commune)
    if stance is not None:
        return stance != "against", Reason("qualified_majority", f"stance_{stance}")
    delta = transfer_balance(costs.pairs[(service, commune)])
    yes = delta <= scenario.vote_tolerance + 1e-9
    return yes, Reason("qualified_majority", "budget", {"balance": delta})


def needs_vote(territory: Territory, scenario: Scenario, service: str) -> bool:
    """True when transferring ``service`` needs the councils' qualified majority.

    A transferable competence needs it (L5211-17, L5211-5 II); a competence
    mandatory for the EPCI's nature does not: the law transfers it without a
    vote (DOMAIN.md §1.1, L5214-16 for a CC and the CA/CU/Métropole lists),
    unless the scenario switches the rule ``mandatory_competences`` off and so
    treats it as an optional competence.

    Parameters
    ----------
    territory : Territory
        Services and the EPCI's nature.
    scenario : Scenario
        Whether ``mandatory_competences`` is on.
    service : str
        A service code.

    Returns
    -------
    bool
    """
    if not bool(territory.services.at[service, "transferable"]):
        return False
    return not (territory.is_mandatory(service) and scenario.rule_on("mandatory_competences"))


#: Columns of the votes table (one row per transferable service and commune).
VOTE_COLUMNS = [
    "service",
    "commune",
    "name",
    "population",
    "balance_if_transferred",
    "vote",
    "vote_basis",
]
#: Columns of the majorities table (one row per transferable service).
MAJORITY_COLUMNS = [
    "service",
    "councils",
    "yes",
    "population",
    "yes_population",
    "branch_two_thirds",
    "branch_half",
    "largest",
    "veto_applies",
    "largest_yes",
    "majority",
]


def vote_tables(
    territory: Territory, scenario: Scenario, costs: CostData | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Votes of every council on every transfer that needs them, and the majorities.

    A service has rows when :func:`needs_vote` says so: transferable, and not a
    competence the law transfers (mandatory for the EPCI's nature).

    Parameters
    ----------
    territory : Territory
        Communes and services.
    scenario : Scenario
        Stances and vote tolerance.
    costs : CostData, optional
        ``CostData.from_inputs(territory, scenario)``, if already built.

    Returns
    -------
    votes : DataFrame
        :data:`VOTE_COLUMNS`; ``vote_basis`` is the code of :func:`council_vote`.
    majorities : DataFrame
        :data:`MAJORITY_COLUMNS`.
    """
    costs = costs or CostData.from_inputs(territory, scenario)
    rows, maj_rows = [], []
    names = territory.communes["name"]
    for s in costs.services:
        if not needs_vote(territory, scenario, s):
            continue
        yes = {}
        for c in costs.communes:
            vote, reason = council_vote(scenario, costs, s, c)
            yes[c] = vote
            rows.append(
                {
                    "service": s,
                    "commune": c,
                    "name": names.at[c],
                    "population": costs.population[c],
                    "balance_if_transferred": transfer_balance(costs.pairs[(s, c)]),
                    "vote": vote,
                    "vote_basis": reason.code,
                }
            )
        m = qualified_majority(yes, costs.population)
        maj_rows.append(
            {
                "service": s,
                "councils": m.councils,
                "yes": m.yes,
                "population": m.population,
                "yes_population": m.yes_population,
                "branch_two_thirds": m.branch_two_thirds,
                "branch_half": m.branch_half,
                "largest": m.largest,
                "veto_applies": m.veto_applies,
                "largest_yes": m.largest_yes,
                "majority": m.holds,
            }
        )
    return pd.DataFrame(rows, columns=VOTE_COLUMNS), pd.DataFrame(
        maj_rows, columns=MAJORITY_COLUMNS
    )
