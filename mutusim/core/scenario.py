"""Scenarios: the options of one optimisation run, as Python objects or YAML.

A :class:`Scenario` is a plain, frozen value (scikit-learn convention: it only
stores settings; the work happens in :func:`mutusim.optimise`). A YAML file
holds a base scenario plus named *overrides*; a named scenario combines
overrides, and two overrides that set the same option differently are an
error rather than "last one wins" (PRODUCT.md S1). The rules a scenario can
switch off are those of :data:`mutusim.core.rulebook.RULES`.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
import reprlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mutusim.core import rulebook
from mutusim.core.scenario_file import read_scenario_yaml
from mutusim.core.schema import EPCI_PARTY, MODES
from mutusim.core.territory import Territory
from mutusim.errors import NotFoundError, ScenarioError

__all__ = [
    "BILLING_KEYS",
    "DEPARTURES",
    "MAX_HORIZON_YEARS",
    "STAFF_REDUCTIONS",
    "STANCES",
    "SWITCHABLE_RULES",
    "Decision",
    "Scenario",
    "ScenarioSet",
    "YEARS",
    "check_scenario",
    "combine",
    "load_scenarios",
]

#: Rules of the model that a scenario can switch off (from :mod:`mutusim.core.rulebook`).
SWITCHABLE_RULES: tuple[str, ...] = rulebook.switchable()

#: Stances a municipal council can take on a transfer (DOMAIN.md §1.1: silence = approval).
STANCES: tuple[str, ...] = ("for", "against", "undecided")
#: Keys for billing a shared service to its members (DOMAIN.md §2.4): ``ac`` bills by
#: units of work and charges the bill on the attribution de compensation (FPU only,
#: L5211-4-2; the CIF then counts it, DOMAIN.md §1.3, §2.2).
BILLING_KEYS: tuple[str, ...] = ("units", "population", "fte", "ac")
#: An INSEE commune code: 5 characters, digits or 2A/2B (Corsica).
_INSEE = re.compile(r"[0-9][0-9AB][0-9]{3}")
#: How surplus staff of a pooled unit is reduced (DOMAIN.md §3).
STAFF_REDUCTIONS: tuple[str, ...] = ("attrition", "abolition")
#: Which departures cut the posts of a pooled unit (DOMAIN.md §3).
DEPARTURES: tuple[str, ...] = ("retirements", "all")
#: Years a plan may start or end in (inclusive): mandates of this century.
YEARS: tuple[int, int] = (2000, 2100)
#: Longest horizon of a plan [years]: the roadmap has one period per year.
MAX_HORIZON_YEARS = 50


@dataclass(frozen=True)
class Decision:
    """A forced or forbidden decision: ``mode`` for ``service`` in ``commune``.

    ``service`` and ``commune`` accept ``"*"`` for all.
    """

    service: str
    commune: str
    mode: str

    def matches(self, service: str, commune: str) -> bool:
        """True if this decision applies to the pair (wildcards included)."""
        return self.service in ("*", service) and self.commune in ("*", commune)


@dataclass(frozen=True)
class Scenario:
    """Options of one optimisation run.

    Parameters
    ----------
    name : str
        Short name, shown in comparisons.
    description : str
        One sentence for the committee (French).
    allowed_modes : tuple of str
        Modes the plan may use, among ``keep``, ``share``, ``transfer``.
    min_level : float
        Minimum service level [score 0-100] for every service and commune.
    min_level_by_service : dict
        Per-service minimum level [score 0-100], overriding ``min_level``.
    min_average_level : float or None
        Floor on the average service level after the plan [score 0-100]: the
        mean of the communes' levels over every service they have, each
        commune weighted by its population (the level the average inhabitant
        gets).
    max_total_cost : float or None
        Cap on the plan's annual cost [EUR/year], transition included.
    max_fte_moved : float or None
        Cap on the FTE whose arrangement changes [FTE].
    max_communes_changed : int or None
        Cap on the number of communes whose arrangement changes for at least
        one service [communes].
    force, forbid : tuple of Decision
        Decisions imposed or excluded (``"*"`` wildcards allowed).
    perimeter_communes : tuple of str or None
        Only these communes may change arrangement (others keep today's).
    perimeter_max_population : int or None
        Only communes with at most this population may change [inhabitants].
    perimeter_services : tuple of str or None
        Only these services may change.
    disabled_rules : tuple of str
        Rules switched off, among :data:`SWITCHABLE_RULES`.
    solver : str
        ``"highs"`` (default, via highspy) or ``"cbc"`` (PuLP's bundled CBC).
    time_limit : float
        Solver time limit [s].
    mip_gap : float
        Relative MIP gap at which the solver may stop [-].
    decompose : bool
        Solve one sub-model per service when no rule couples services (no
        cost or FTE cap, no yearly capacity or transition budget): same
        optimum, much faster on large territories (benchmarks/README.md).
    vote_tolerance : float
        A council votes for a transfer unless its commune's budget worsens by
        more than this [EUR/year] after the attribution de compensation is cut
        (DOMAIN.md §6.2).
    stances : dict
        Known stances, ``{service or "*": {commune: "for" | "against" |
        "undecided"}}``; undecided counts as yes (silence = approval, 3 months,
        L5211-17). They replace the balance-based vote.
    billing_keys : dict
        Key per service for billing a shared unit's common costs to members:
        ``units`` (default: unit cost x units, the method D5211-16 sets for
        mises à disposition and service commun conventions often copy, DOMAIN.md
        §2.4), ``population``, ``fte``, or ``ac``: by units of work, the bill
        charged on the commune's attribution de compensation (FPU only,
        L5211-4-2: the CIF then counts it, and the CIF upside with it).
    no_worse_off : bool
        Opt-in rule: no commune pays more for a service than it pays alone today.
    fa_neutralisation : bool
        Under fiscalité additionnelle (FA, no attribution de compensation), a
        commune transferring a competence lowers its own tax rates by the cost
        it no longer bears while the EPCI raises its additional rates by as
        much (*neutralisation fiscale*, default True: the commune's budget is
        unchanged); False: the commune keeps its rates and its budget gains
        the cost, the EPCI's additional rates financing the service (DOMAIN.md
        §1.1). Ignored under FPU, where the CLECT cuts the AC.
    cif_upside : bool
        Show the CIF / dotation d'intercommunalité effect of transfers as an
        uncertain upside, lagged two years (DOMAIN.md §2.2); needs
        ``cif_current``, ``tax_receipts`` [EUR/year: the CIF's denominator, the
        taxes levied on the territory by the EPCI, its communes and their
        syndicates (DOMAIN.md §2.2), not the EPCI's own] and
        ``dgf_per_inhabitant_per_cif`` [EUR per inhabitant per CIF point of 1.0].
    departures : str
        Which departure rate cuts posts: ``retirements`` (default, the
        conservative one: agents of a pooled unit are not replaced only when
        they retire) or ``all`` (every departure, mutations to other
        employers included — often inside the same bloc communal).
    retirement_rate : float
        Retirements per year among territorial civil servants [1/year]
        (default 3.2 %: CNRACL 2021, DOMAIN.md §3).
    all_departure_rate : float
        All departures per year [1/year] (default 6.9 %: 2021, DOMAIN.md §3).
    staff_reduction : str
        ``attrition`` (default) or ``abolition``: surplus posts abolished at
        once, at the cost of surnombre then centre de gestion contributions
        (1 year full pay, 1.5x for 2 years, then 1x, then 0.75x of a pay cut
        by 10 % of it a year and stopped after 10 years; DOMAIN.md §3,
        :func:`mutusim.core.costs.surnombre_factor`).
    start_year, end_year : int
        Horizon of the plan (default the mandate 2026-2032): the years of the
        NPV and of the roadmap; whole years within :data:`YEARS`, at most
        :data:`MAX_HORIZON_YEARS` apart.
    adoption_year : int or None
        Year the scenario is adopted (deliberations, councils' votes within 3
        months, CST opinion); changes take effect on 1 January of a later
        year. Default: ``start_year``, so the first changes take effect in
        ``start_year + 1``.
    hosts : dict
        Host of a new or enlarged service commun per service: ``EPCI`` or a
        member commune's INSEE code (default: the ``host`` of modes.csv).
    discount_rate : float
        Real discount rate for the net present value [1/year] (default 4.5 %,
        France Stratégie 2013 public-investment rate [U]).
    max_changes_per_year : int or None
        At most this many services reorganised in one year (a whole number >= 1).
    transition_budget : float or None
        One-off transition costs payable in one year at most [EUR/year].
    """

    name: str = "base"
    description: str = ""
    allowed_modes: tuple[str, ...] = MODES
    min_level: float = 0.0
    min_level_by_service: Mapping[str, float] = field(default_factory=dict)
    min_average_level: float | None = None
    max_total_cost: float | None = None
    max_fte_moved: float | None = None
    max_communes_changed: int | None = None
    force: tuple[Decision, ...] = ()
    forbid: tuple[Decision, ...] = ()
    perimeter_communes: tuple[str, ...] | None = None
    perimeter_max_population: int | None = None
    perimeter_services: tuple[str, ...] | None = None
    disabled_rules: tuple[str, ...] = ()
    solver: str = "highs"
    time_limit: float = 60.0
    mip_gap: float = 1e-6
    decompose: bool = True
    # --- law (issue 3, M2)
    vote_tolerance: float = 0.0
    stances: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # --- money (M4)
    billing_keys: Mapping[str, str] = field(default_factory=dict)
    hosts: Mapping[str, str] = field(default_factory=dict)
    no_worse_off: bool = False
    fa_neutralisation: bool = True
    cif_upside: bool = False
    cif_current: float | None = None
    tax_receipts: float | None = None
    dgf_per_inhabitant_per_cif: float | None = None
    # --- staff (M3) and time (M5)
    departures: str = "retirements"
    retirement_rate: float = 0.032
    all_departure_rate: float = 0.069
    staff_reduction: str = "attrition"
    start_year: int = 2026
    end_year: int = 2032
    adoption_year: int | None = None
    discount_rate: float = 0.045
    max_changes_per_year: int | None = None
    transition_budget: float | None = None

    def __post_init__(self) -> None:
        _check_types(self)
        # Normalise containers so that YAML lists and Python tuples compare equal.
        object.__setattr__(self, "allowed_modes", tuple(self.allowed_modes))
        object.__setattr__(self, "disabled_rules", tuple(self.disabled_rules))
        object.__setattr__(self, "force", tuple(_decision(d) for d in self.force))
        object.__setattr__(self, "forbid", tuple(_decision(d) for d in self.forbid))
        # codes are text whatever they were given as (an INSEE code 49007 typed as a number)
        for attr in ("min_level_by_service", "billing_keys"):
            object.__setattr__(self, attr, {str(k): v for k, v in getattr(self, attr).items()})
        object.__setattr__(self, "hosts", {str(k): str(v) for k, v in self.hosts.items()})
        for attr in _WHOLE:  # whole numbers given as 2026.0 become 2026
            v = getattr(self, attr)
            if isinstance(v, float):
                object.__setattr__(self, attr, int(v))
        if isinstance(self.stances, Mapping):
            object.__setattr__(
                self,
                "stances",
                {
                    str(k): {str(c): x for c, x in v.items()} if isinstance(v, Mapping) else v
                    for k, v in self.stances.items()
                },
            )
        for attr in ("perimeter_communes", "perimeter_services"):
            v = getattr(self, attr)
            if isinstance(v, str):  # one code, not its characters
                v = (v,)
            if v is not None:
                object.__setattr__(self, attr, tuple(str(x) for x in v))
        self.validate()

    # ------------------------------------------------------------ validation
    def validate(self) -> None:
        """Raise :class:`ScenarioError` listing every invalid option."""
        errs: list[str] = []
        bad = [m for m in self.allowed_modes if m not in MODES]
        if bad:
            errs.append(f"allowed_modes: unknown mode(s) {bad}; use {list(MODES)}")
        bad = [r for r in self.disabled_rules if r not in SWITCHABLE_RULES]
        if bad:
            errs.append(f"disabled_rules: unknown rule(s) {bad}; use {list(SWITCHABLE_RULES)}")
        for d in (*self.force, *self.forbid):
            if d.mode not in MODES:
                errs.append(f"force/forbid: unknown mode '{d.mode}' in {d}; use {list(MODES)}")
        if not 0 <= self.min_level <= 100:
            errs.append(f"min_level must lie in [0, 100], got {self.min_level}")
        for s, v in self.min_level_by_service.items():
            if not 0 <= float(v) <= 100:
                errs.append(f"min_level_by_service[{s}] must lie in [0, 100], got {v}")
        if self.min_average_level is not None and not 0 <= self.min_average_level <= 100:
            errs.append(f"min_average_level must lie in [0, 100], got {self.min_average_level}")
        for attr in (
            "max_total_cost",
            "max_fte_moved",
            "max_communes_changed",
            "perimeter_max_population",
        ):
            v = getattr(self, attr)
            if v is not None and v < 0:
                errs.append(f"{attr} must be >= 0, got {v}")
        for svc, m in self.stances.items():
            if not isinstance(m, Mapping):
                errs.append(f"stances[{svc}] must map communes to {list(STANCES)}")
                continue
            bad = sorted({str(v) for v in m.values()} - set(STANCES))
            if bad:
                errs.append(f"stances[{svc}]: unknown stance(s) {bad}; use {list(STANCES)}")
        for service, host in self.hosts.items():
            if host != EPCI_PARTY and not _INSEE.fullmatch(host):
                errs.append(
                    f"hosts[{service}] must be EPCI or the INSEE code of a member commune "
                    f"(5 characters, e.g. 49007), got '{_short(host)}'"
                )
        bad = sorted({str(v) for v in self.billing_keys.values()} - set(BILLING_KEYS))
        if bad:
            errs.append(f"billing_keys: unknown key(s) {bad}; use {list(BILLING_KEYS)}")
        if self.staff_reduction not in STAFF_REDUCTIONS:
            errs.append(
                f"staff_reduction must be one of {list(STAFF_REDUCTIONS)}, got '{self.staff_reduction}'"
            )
        for attr in ("retirement_rate", "all_departure_rate"):
            if not 0 <= getattr(self, attr) < 1:
                errs.append(f"{attr} must lie in [0, 1), got {getattr(self, attr)}")
        if self.departures not in DEPARTURES:
            errs.append(f"departures must be one of {list(DEPARTURES)}, got '{self.departures}'")
        if not -0.5 < self.discount_rate < 1:
            errs.append(f"discount_rate must lie in (-0.5, 1), got {self.discount_rate}")
        lo, hi = YEARS
        for attr in ("start_year", "end_year"):
            if not lo <= getattr(self, attr) <= hi:
                errs.append(f"{attr} must be a year from {lo} to {hi}, got {getattr(self, attr)}")
        if self.end_year < self.start_year:
            errs.append(f"end_year ({self.end_year}) is before start_year ({self.start_year})")
        elif self.end_year - self.start_year > MAX_HORIZON_YEARS:
            errs.append(
                f"the horizon {self.start_year}-{self.end_year} is longer than "
                f"{MAX_HORIZON_YEARS} years; shorten it"
            )
        if self.adoption_year is not None and not (
            self.start_year - 1 <= self.adoption_year < self.end_year
        ):
            errs.append(
                f"adoption_year ({self.adoption_year}) must lie between start_year - 1 "
                f"({self.start_year - 1}) and end_year - 1 ({self.end_year - 1}): changes take "
                "effect on 1 January after it, within the horizon"
            )
        if self.max_changes_per_year is not None and self.max_changes_per_year < 1:
            errs.append(f"max_changes_per_year must be >= 1, got {self.max_changes_per_year}")
        if self.transition_budget is not None and self.transition_budget < 0:
            errs.append(f"transition_budget must be >= 0, got {self.transition_budget}")
        if self.cif_upside:
            need = ("cif_current", "tax_receipts", "dgf_per_inhabitant_per_cif")
            missing = [n for n in need if getattr(self, n) is None]
            if missing:
                errs.append(
                    f"cif_upside needs {missing}: the EPCI's current CIF, the taxes levied on "
                    "the territory by the EPCI, its communes and their syndicates (the CIF's "
                    "denominator, DOMAIN.md §2.2) and the dotation per inhabitant per CIF point"
                )
            elif self.cif_current is not None and not 0 <= self.cif_current <= 1:
                errs.append(f"cif_current must lie in [0, 1], got {self.cif_current}")
        if self.solver not in ("highs", "cbc"):
            errs.append(f"solver must be 'highs' or 'cbc', got '{self.solver}'")
        if self.time_limit <= 0:
            errs.append(f"time_limit must be > 0 seconds, got {self.time_limit}")
        if not 0 <= self.mip_gap < 1:
            errs.append(f"mip_gap must lie in [0, 1), got {self.mip_gap}")
        if errs:
            raise ScenarioError(f"scenario '{_short(str(self.name))}': " + "; ".join(errs))

    # ---------------------------------------------------------------- helpers
    @property
    def departure_rate(self) -> float:
        """The departure rate that cuts posts [1/year]: retirements or all departures."""
        return (
            self.retirement_rate if self.departures == "retirements" else self.all_departure_rate
        )

    @property
    def years(self) -> list[int]:
        """The years of the horizon, ``start_year`` to ``end_year``."""
        return list(range(self.start_year, self.end_year + 1))

    @property
    def first_effective_year(self) -> int:
        """The first year a change can take effect (1 January after the adoption year)."""
        adoption = self.start_year if self.adoption_year is None else self.adoption_year
        return max(self.start_year, adoption + 1)

    @property
    def start_years(self) -> list[int]:
        """The years a change may take effect in: ``first_effective_year`` to ``end_year``."""
        return list(range(self.first_effective_year, self.end_year + 1))

    def rule_on(self, rule: str) -> bool:
        """True when ``rule`` is on and has something to act on.

        A switchable rule is off when listed in ``disabled_rules``; a rule with
        an ``option`` in :data:`mutusim.core.rulebook.RULES` acts only when the
        scenario sets it (a cap, a perimeter, a minimum level, forced
        decisions, the no-worse-off option, phasing limits).

        Parameters
        ----------
        rule : str
            A rule of :data:`mutusim.core.rulebook.RULES`.

        Returns
        -------
        bool
        """
        r = rulebook.RULES_BY_NAME[rule]
        if r.switchable and rule in self.disabled_rules:
            return False
        if r.option is None:
            return True
        if r.option == "perimeter":
            return any(
                v is not None
                for v in (
                    self.perimeter_communes,
                    self.perimeter_services,
                    self.perimeter_max_population,
                )
            )
        if r.option == "force_or_forbid":
            return bool(self.force or self.forbid)
        if r.option == "min_level":
            return self.min_level > 0 or any(v > 0 for v in self.min_level_by_service.values())
        if r.option == "phasing_limits":
            return self.max_changes_per_year is not None or self.transition_budget is not None
        value = getattr(self, r.option)
        return value is not False and value is not None

    def stance(self, service: str, commune: str) -> str | None:
        """The stance given for (service, commune), or None (then the vote follows the balance).

        Parameters
        ----------
        service, commune : str
            The pair.

        Returns
        -------
        str or None
            ``for``, ``against``, ``undecided`` or None.
        """
        for key in (service, "*"):
            m = self.stances.get(key)
            if m is not None and commune in m:
                return str(m[commune])
        return None

    def replace(self, **changes: Any) -> Scenario:
        """A copy with some options changed (unknown options raise ScenarioError).

        Parameters
        ----------
        **changes
            Options and their new values.

        Returns
        -------
        Scenario
        """
        return _replace(self, changes)

    def changes(self) -> dict[str, Any]:
        """Options that differ from the defaults of ``Scenario()`` (name and description aside)."""
        default = Scenario().to_dict()
        return {
            k: v
            for k, v in self.to_dict().items()
            if k not in ("name", "description") and v != default[k]
        }

    def to_dict(self) -> dict[str, Any]:
        """Options as plain YAML-ready values."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if f.name in ("force", "forbid"):
                v = [dataclasses.asdict(d) for d in v]
            elif isinstance(v, tuple):
                v = list(v)
            elif isinstance(v, Mapping):
                v = dict(v)
            out[f.name] = v
        return out

    @classmethod
    def from_dict(cls, options: Mapping[str, Any]) -> Scenario:
        """Build from a mapping of options; unknown keys raise ScenarioError.

        Parameters
        ----------
        options : mapping
            Option name -> value.

        Returns
        -------
        Scenario
        """
        return _build(dict(options))

    @classmethod
    def from_yaml(cls, path: str | Path, name: str | None = None) -> Scenario:
        """Read a scenario file.

        Parameters
        ----------
        path : str or Path
            A YAML file.
        name : str, optional
            A scenario of the file (default: its base).

        Returns
        -------
        Scenario

        Notes
        -----
        The file holds options at top level (the base scenario), and optionally
        ``overrides`` (named option sets) and ``scenarios`` (name -> list of
        override names). ``name`` picks a scenario of ``scenarios`` or a single
        override; without it the base is returned.

        Examples
        --------
        A file::

            name: base
            discount_rate: 0.045
            overrides:
              small_communes: {perimeter_max_population: 4500}
              no_transfer: {allowed_modes: [keep, share]}
            scenarios:
              platform: [small_communes, no_transfer]
        """
        return load_scenarios(path).get(name)


_NUMBERS = {
    "min_level": False,
    "min_average_level": True,
    "max_total_cost": True,
    "max_fte_moved": True,
    "max_communes_changed": True,
    "perimeter_max_population": True,
    "time_limit": False,
    "mip_gap": False,
    "vote_tolerance": False,
    "cif_current": True,
    "tax_receipts": True,
    "dgf_per_inhabitant_per_cif": True,
    "retirement_rate": False,
    "all_departure_rate": False,
    "start_year": False,
    "end_year": False,
    "adoption_year": True,
    "discount_rate": False,
    "max_changes_per_year": True,
    "transition_budget": True,
}  # option -> may be None
#: numbers that must be whole (2026.0 is accepted as 2026)
_WHOLE = (
    "start_year",
    "end_year",
    "adoption_year",
    "max_changes_per_year",
    "max_communes_changed",
    "perimeter_max_population",
)
_BOOLS = ("decompose", "no_worse_off", "cif_upside", "fa_neutralisation")
_STRINGS = ("name", "description", "solver", "staff_reduction", "departures")
_SHOW = reprlib.Repr()
_SHOW.maxstring = _SHOW.maxother = 60
_SHOW.maxlist = _SHOW.maxtuple = _SHOW.maxdict = _SHOW.maxset = 6
_SHOW.maxlevel = 3


def _show(v: object) -> str:
    """``repr(v)`` cut short: an error message never grows with the value it quotes."""
    return _SHOW.repr(v)


def _check_types(sc: Scenario) -> None:
    """Reject values of the wrong type, naming the option (before any comparison)."""

    errs = []
    for name, optional in _NUMBERS.items():
        v = getattr(sc, name)
        if v is None and optional:
            continue
        if isinstance(v, bool) or not isinstance(v, int | float):
            errs.append(f"{name} must be a number, got {_show(v)}")
        elif not math.isfinite(v):
            errs.append(f"{name} must be a finite number, got {_show(v)}")
        elif name in _WHOLE and not float(v).is_integer():
            errs.append(f"{name} must be a whole number, got {_show(v)}")
    for name in _BOOLS:
        if not isinstance(getattr(sc, name), bool):
            errs.append(f"{name} must be true or false, got {_show(getattr(sc, name))}")
    for name in _STRINGS:
        if not isinstance(getattr(sc, name), str):
            errs.append(f"{name} must be text, got {_show(getattr(sc, name))}")
    for name in ("min_level_by_service", "billing_keys", "stances", "hosts"):
        if not isinstance(getattr(sc, name), Mapping):
            errs.append(f"{name} must be a mapping, got {_show(getattr(sc, name))}")
    for name, v in (
        getattr(sc, "min_level_by_service", {}).items()
        if isinstance(sc.min_level_by_service, Mapping)
        else ()
    ):
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            errs.append(f"min_level_by_service[{name}] must be a finite number, got {_show(v)}")
    if errs:
        raise ScenarioError(f"scenario '{_short(str(sc.name))}': " + "; ".join(errs))


def _decision(d: Any) -> Decision:
    if isinstance(d, Decision):
        return d
    if isinstance(d, Mapping):
        try:
            return Decision(str(d["service"]), str(d["commune"]), str(d["mode"]))
        except KeyError as exc:
            raise ScenarioError(
                f"force/forbid entry {_show(dict(d))} lacks {exc}; write {{service: ..., commune: ..., mode: ...}}"
            ) from None
    if isinstance(d, list | tuple) and len(d) == 3:
        return Decision(*(str(x) for x in d))
    raise ScenarioError(f"force/forbid entry {_show(d)}: expected {{service, commune, mode}}")


_FIELDS = {f.name for f in dataclasses.fields(Scenario)}


def _build(options: dict[str, Any]) -> Scenario:
    unknown = sorted(set(options) - _FIELDS)
    if unknown:
        hints = []
        for u in unknown[:10]:
            close = difflib.get_close_matches(u, sorted(_FIELDS), n=1)
            hints.append(f"'{_short(u)}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
        more = f" … ({len(unknown)} in all)" if len(unknown) > 10 else ""
        raise ScenarioError(f"unknown scenario option(s): {', '.join(hints)}{more}")
    try:
        return Scenario(**options)
    except TypeError as exc:  # wrong value types that slipped through
        raise ScenarioError(f"invalid scenario options: {exc}") from None


def _replace(sc: Scenario, changes: Mapping[str, Any]) -> Scenario:
    return _build({f.name: getattr(sc, f.name) for f in dataclasses.fields(sc)} | dict(changes))


def combine(base: Scenario, overrides: Mapping[str, Mapping[str, Any]], name: str) -> Scenario:
    """Apply several named overrides to ``base``; a clash is an error.

    Two overrides clash when they set the same option to different values.

    Parameters
    ----------
    base : Scenario
        The base scenario.
    overrides : mapping
        Override name -> options it sets.
    name : str
        Name of the combined scenario.

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        On a clash, naming both overrides and the option.
    """
    merged: dict[str, Any] = {}
    origin: dict[str, str] = {}
    descriptions = [str(o["description"]) for o in overrides.values() if o.get("description")]
    for oname, opts in overrides.items():
        for key, value in opts.items():
            if key == "description":  # descriptions combine rather than clash
                continue
            if key in merged and merged[key] != value:
                raise ScenarioError(
                    f"scenario '{name}': overrides '{origin[key]}' and '{oname}' both set "
                    f"'{key}' ({_show(merged[key])} vs {_show(value)}); remove it from one of them"
                )
            merged[key] = value
            origin[key] = oname
    if descriptions:
        merged["description"] = " ; ".join(descriptions)
    return _replace(base, merged | {"name": name})


@dataclass(frozen=True)
class ScenarioSet:
    """A base scenario with its named overrides and combinations (one YAML file)."""

    base: Scenario
    overrides: Mapping[str, Mapping[str, Any]]
    combinations: Mapping[str, tuple[str, ...]]

    @property
    def names(self) -> list[str]:
        """Names of every scenario of the file: base, combinations, single overrides."""
        return [
            self.base.name,
            *self.combinations,
            *(o for o in self.overrides if o not in self.combinations),
        ]

    def get(self, name: str | None = None) -> Scenario:
        """The scenario ``name`` (the base when None).

        Parameters
        ----------
        name : str, optional
            A name of :attr:`names`.

        Returns
        -------
        Scenario
        """
        if name is None or name == self.base.name:
            return self.base
        if name in self.combinations:
            parts = self.combinations[name]
            missing = [p for p in parts if p not in self.overrides]
            if missing:
                raise ScenarioError(f"scenario '{name}' uses undefined override(s) {missing}")
            return combine(self.base, {p: self.overrides[p] for p in parts}, name)
        if name in self.overrides:
            return combine(self.base, {name: self.overrides[name]}, name)
        raise NotFoundError(f"no scenario named '{name}'; available: {self.names}")

    def all(self) -> list[Scenario]:
        """Every scenario of the file, in :attr:`names` order."""
        return [self.get(n) for n in self.names]


def load_scenarios(path: str | Path) -> ScenarioSet:
    """Read a scenario YAML file into a :class:`ScenarioSet`.

    Codes (INSEE, services) in the options that name them, and the names of
    overrides and scenarios, are read as the text of the file: ``49007`` and
    ``01043`` stay ``"49007"`` and ``"01043"`` (:mod:`mutusim.core.scenario_file`).

    Parameters
    ----------
    path : str or Path
        A YAML file (UTF-8): options at top level (the base), ``overrides`` and
        ``scenarios``.

    Returns
    -------
    ScenarioSet

    Raises
    ------
    ScenarioError
        One line naming the file: unreadable, not UTF-8, not valid YAML, a key
        written twice, an unknown or invalid option, a scenario named like an
        override or like the base.
    """
    p = Path(path)
    doc = read_scenario_yaml(p)
    overrides = doc.pop("overrides", {}) or {}
    combos = doc.pop("scenarios", {}) or {}
    if not isinstance(overrides, dict) or not all(isinstance(v, dict) for v in overrides.values()):
        raise ScenarioError(f"{p}: 'overrides' must map names to option mappings")
    if not isinstance(combos, dict):
        raise ScenarioError(f"{p}: 'scenarios' must map names to lists of override names")
    try:
        base = _build(doc)
        for oname, opts in overrides.items():  # validate each override alone
            combine(base, {oname: opts}, oname)
    except ScenarioError as exc:
        raise ScenarioError(f"{p}: {exc}") from None
    for k, v in combos.items():
        ok = (
            isinstance(v, str)
            and v
            or (isinstance(v, list) and v and all(isinstance(x, str) for x in v))
        )
        if not ok:
            raise ScenarioError(
                f"{p}: scenarios.{k} must be a list of override names (e.g. [a, b]), got {_show(v)}"
            )
    combos = {k: tuple([v] if isinstance(v, str) else v) for k, v in combos.items()}
    for k, parts in combos.items():
        if k in overrides and parts != (k,):
            raise ScenarioError(
                f"{p}: '{k}' names both an override and a scenario combining {list(parts)}; "
                "rename one of them"
            )
    for k in (*overrides, *combos):
        if k == base.name:
            raise ScenarioError(
                f"{p}: '{k}' is the name of the base scenario and of an override or scenario; "
                "rename one of them"
            )
    return ScenarioSet(base=base, overrides=overrides, combinations=combos)


def check_scenario(scenario: Scenario, territory: Territory) -> None:
    """Check that every service and commune the scenario names exists in the territory.

    The options checked are ``force`` and ``forbid`` (``"*"`` allowed),
    ``min_level_by_service``, ``billing_keys``, ``stances`` (service or ``"*"``,
    then communes), ``perimeter_services`` and ``perimeter_communes``. A
    misspelt code would otherwise be ignored silently and the plan shown as
    optimal. Every unknown code is listed at once, each with the closest
    known code (or the code of a commune or service written by its name).

    Parameters
    ----------
    scenario : Scenario
        The options.
    territory : Territory
        The territory the scenario is run on.

    Raises
    ------
    NotFoundError
        One line listing every unknown code, where it appears and a suggestion.

    Examples
    --------
    >>> import mutusim as ms
    >>> check_scenario(Scenario(perimeter_services=["adss"]), ms.examples.tiny())
    Traceback (most recent call last):
    ...
    mutusim.errors.NotFoundError: scenario 'base' names codes absent from CC Exemple: perimeter_services: unknown service 'adss' (did you mean 'ads'?)
    """
    kinds = {
        "service": (territory.service_codes, territory.services["name"]),
        "commune": (territory.commune_codes, territory.communes["name"]),
    }
    known = {k: set(codes) for k, (codes, _names) in kinds.items()}
    problems: list[str] = []

    def need(code: str, kind: str, where: str, wildcard: bool = False) -> None:
        if (wildcard and code == "*") or code in known[kind]:
            return
        codes, names = kinds[kind]
        problems.append(f"{where}: unknown {kind} '{_short(code)}'{_hint(code, codes, names)}")

    sc = scenario
    for option in ("force", "forbid"):
        for i, d in enumerate(getattr(sc, option)):
            need(d.service, "service", f"{option}[{i}]", wildcard=True)
            need(d.commune, "commune", f"{option}[{i}]", wildcard=True)
    for option in ("min_level_by_service", "billing_keys"):
        for code in getattr(sc, option):
            need(code, "service", option)
    for svc, councils in sc.stances.items():
        need(svc, "service", "stances", wildcard=True)
        for code in councils:
            need(code, "commune", f"stances[{_short(svc)}]")
    for code in sc.perimeter_services or ():
        need(code, "service", "perimeter_services")
    for code in sc.perimeter_communes or ():
        need(code, "commune", "perimeter_communes")
    for svc, host in sc.hosts.items():
        need(svc, "service", "hosts")
        if host != EPCI_PARTY:
            need(host, "commune", f"hosts[{_short(svc)}]")
    if problems:
        shown = problems[:20]
        more = f"; … ({len(problems)} unknown codes in all)" if len(problems) > 20 else ""
        raise NotFoundError(
            f"scenario '{_short(sc.name)}' names codes absent from {territory.name}: "
            + "; ".join(shown)
            + more
        )


def _short(text: str, limit: int = 40) -> str:
    text = str(text).replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _hint(code: str, codes: list[str], names: Any) -> str:
    """`` (did you mean 'x'?)`` for a misspelt code, a lost leading zero, or a name given for a code."""
    if code.isdigit() and code.zfill(5) in codes:
        return f" (did you mean '{code.zfill(5)}'?)"
    by_name = {str(n).casefold(): str(c) for c, n in names.items()}
    if code.casefold() in by_name:
        return f" (did you mean '{by_name[code.casefold()]}', the code of {_short(code)}?)"
    close = difflib.get_close_matches(code, codes, n=1, cutoff=0.6)
    if not close and len(code) >= 2:  # an abbreviation: 'rh' for 'rh_paie'
        close = [c for c in codes if c.startswith(code)][:2]
    if len(close) == 1:
        return f" (did you mean '{close[0]}'?)"
    close = difflib.get_close_matches(code.casefold(), list(by_name), n=1, cutoff=0.75)
    if close:
        return (
            f" (did you mean '{by_name[close[0]]}', the code of {names.get(by_name[close[0]])}?)"
        )
    return ""
