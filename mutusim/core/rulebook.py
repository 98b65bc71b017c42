"""The rules of the model as one registry table (plain data).

Every rule of the keep / share / transfer model is declared here once, with
what it is, where it comes from and how the rest of the code treats it:

* :mod:`mutusim.model.rules` implements each rule (a *filter* excludes modes
  before any variable exists, a *constraint* adds rows to the MILP);
* :mod:`mutusim.model.check` re-verifies each rule on the plan;
* :mod:`mutusim.model.explain` relaxes the ``relaxable`` ones to explain an
  infeasible scenario;
* :mod:`mutusim.analysis.prices` prices the ``switchable`` ones;
* :mod:`mutusim.present.labels` names each rule in French.

A test keeps this table, the implementations and the labels in step
(``tests/model/test_rules_registry.py``); ``docs/architecture.md`` says how
to add a rule.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["RULES", "RULES_BY_NAME", "Rule", "relaxable", "switchable"]


@dataclass(frozen=True)
class Rule:
    """Declaration of one rule of the model.

    Attributes
    ----------
    name : str
        Identifier used in ``Scenario.disabled_rules``, constraint names,
        explanations and labels.
    stages : tuple of str
        Where the model applies it: ``filter`` (modes excluded per pair),
        ``constraint`` (MILP rows), ``staffing`` (integrality of the pooled
        staff), ``roadmap`` (the multi-year schedule).
    switchable : bool
        A scenario may switch it off (``disabled_rules``).
    relaxable : bool
        Switched off in turn to explain an infeasible scenario.
    couples_services : bool
        Its rows link services together: while active, the model cannot be
        decomposed by service.
    option : str or None
        Scenario option that must be set for the rule to act (e.g. a cap);
        ``None`` when it always acts (see :meth:`Scenario.rule_on`).
    source : str
        Where the rule comes from (DOMAIN.md section, article of law).
    """

    name: str
    stages: tuple[str, ...]
    switchable: bool
    relaxable: bool
    couples_services: bool
    option: str | None
    source: str


RULES: tuple[Rule, ...] = (
    Rule("data", ("filter",), False, False, False, None, "modes.csv, services.transferable"),
    Rule(
        "already_transferred",
        ("filter",),
        False,
        False,
        False,
        None,
        "DOMAIN §1.1 (L5211-17-1: restitution outside the model)",
    ),
    Rule(
        "qualified_majority",
        ("filter",),
        True,
        True,
        False,
        None,
        "DOMAIN §1.1, §6.2 (L5211-5 II, L5211-17)",
    ),
    Rule(
        "no_worse_off", ("filter", "constraint"), True, True, False, "no_worse_off", "PRODUCT M4"
    ),
    Rule("allowed_modes", ("filter",), False, False, False, None, "scenario option"),
    Rule(
        "mandatory_competences",
        ("filter",),
        True,
        False,
        False,
        None,
        "DOMAIN §1.1 (L5214-16 and the CA/CU/Métropole lists)",
    ),
    Rule(
        "perimeter",
        ("filter",),
        True,
        False,
        False,
        "perimeter",
        "seeds (step 2: perimeters concerned)",
    ),
    Rule(
        "forced_decisions", ("filter",), True, False, False, "force_or_forbid", "scenario option"
    ),
    Rule("service_levels", ("filter",), True, False, False, "min_level", "DOMAIN §6.10"),
    Rule("one_mode", ("constraint",), False, False, False, None, "PRODUCT (Mode)"),
    Rule("pool_membership", ("constraint",), False, False, False, None, "PRODUCT (Rules)"),
    Rule(
        "transfer_all_or_nothing",
        ("constraint",),
        True,
        True,
        False,
        None,
        "DOMAIN §1.1, §6.1 (L5211-17; off: à la carte, L5211-17-2)",
    ),
    Rule("min_members", ("constraint",), True, True, False, None, "PRODUCT (Rules)"),
    Rule("pooled_staffing", ("constraint",), False, False, False, None, "DOMAIN §4, §6.9"),
    Rule("indivisible_staffing", ("staffing",), True, False, False, None, "DOMAIN §4, §6.9"),
    Rule("cost_cap", ("constraint",), True, True, True, "max_total_cost", "PRODUCT (Rules)"),
    Rule(
        "fte_moved_cap",
        ("constraint",),
        True,
        True,
        True,
        "max_fte_moved",
        "DOMAIN §3 (staff follow the service)",
    ),
    Rule(
        "communes_changed_cap",
        ("constraint",),
        True,
        True,
        True,
        "max_communes_changed",
        "PRODUCT S3 (communes whose arrangements change)",
    ),
    Rule(
        "average_level_floor",
        ("constraint",),
        True,
        True,
        True,
        "min_average_level",
        "PRODUCT S3 (cost against the service level), DOMAIN §6.10",
    ),
    Rule(
        "phasing_capacity",
        ("constraint",),
        True,
        True,
        True,
        "phasing_limits",
        "PRODUCT M5 (yearly capacity and transition budget)",
    ),
)

RULES_BY_NAME: dict[str, Rule] = {r.name: r for r in RULES}


def switchable() -> tuple[str, ...]:
    """Names of the rules a scenario may switch off, in registry order."""
    return tuple(r.name for r in RULES if r.switchable)


def relaxable() -> tuple[str, ...]:
    """Names of the rules relaxed in turn to explain an infeasible scenario."""
    return tuple(r.name for r in RULES if r.relaxable)
