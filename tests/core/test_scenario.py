"""Scenarios: validation messages, YAML files with overrides, round trips (PRODUCT.md S1)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

from mutusim.core.scenario import SWITCHABLE_RULES, Decision, Scenario, combine, load_scenarios
from mutusim.errors import MutusimError, NotFoundError, ScenarioError
from mutusim.model.pipeline import optimise


# ----------------------------------------------------------------------------
# Validation
# ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("options", "match"),
    [
        (
            {"allowed_modes": ["keep", "sharing"]},
            r"allowed_modes: unknown mode\(s\) \['sharing'\]; use \['keep', 'share', 'transfer'\]",
        ),
        ({"force": [("rh_paie", "*", "pool")]}, r"force/forbid: unknown mode 'pool'"),
        (
            {"forbid": [{"service": "*", "commune": "*", "mode": "x"}]},
            r"force/forbid: unknown mode 'x'",
        ),
        (
            {"disabled_rules": ["min_member"]},
            r"disabled_rules: unknown rule\(s\) \['min_member'\]; use \[",
        ),
        ({"min_level": 120}, r"min_level must lie in \[0, 100\], got 120"),
        ({"min_level": -1}, r"min_level must lie in \[0, 100\], got -1"),
        (
            {"min_level_by_service": {"ads": 101}},
            r"min_level_by_service\[ads\] must lie in \[0, 100\], got 101",
        ),
        ({"min_average_level": 100.5}, r"min_average_level must lie in \[0, 100\], got 100.5"),
        ({"min_average_level": "high"}, r"min_average_level must be a number"),
        ({"max_total_cost": -1}, r"max_total_cost must be >= 0, got -1"),
        ({"max_fte_moved": -0.5}, r"max_fte_moved must be >= 0, got -0.5"),
        ({"max_communes_changed": -1}, r"max_communes_changed must be >= 0, got -1"),
        ({"max_communes_changed": 1.5}, r"max_communes_changed must be a whole number, got 1.5"),
        ({"perimeter_max_population": -10}, r"perimeter_max_population must be >= 0, got -10"),
        (
            {"departures": "mutations"},
            r"departures must be one of \['retirements', 'all'\], got 'mutations'",
        ),
        ({"retirement_rate": 1.0}, r"retirement_rate must lie in \[0, 1\), got 1.0"),
        ({"retirement_rate": -0.01}, r"retirement_rate must lie in \[0, 1\), got -0.01"),
        ({"all_departure_rate": 1.5}, r"all_departure_rate must lie in \[0, 1\), got 1.5"),
        # changes take effect on 1 January after the adoption year, within 2026-2032
        (
            {"adoption_year": 2024},
            r"adoption_year \(2024\) must lie between start_year - 1 \(2025\) and end_year - 1 "
            r"\(2031\)",
        ),
        ({"adoption_year": 2032}, r"adoption_year \(2032\) must lie between"),
        ({"end_year": 2025}, r"end_year \(2025\) is before start_year \(2026\)"),
        ({"discount_rate": 1.0}, r"discount_rate must lie in \(-0.5, 1\), got 1.0"),
        ({"hosts": ["rh_paie"]}, r"hosts must be a mapping, got \['rh_paie'\]"),
        ({"solver": "gurobi"}, r"solver must be 'highs' or 'cbc', got 'gurobi'"),
        ({"solver": "HiGHS"}, r"solver must be 'highs' or 'cbc', got 'HiGHS'"),
        ({"time_limit": 0}, r"time_limit must be > 0 seconds, got 0"),
        ({"mip_gap": 1.0}, r"mip_gap must lie in \[0, 1\), got 1.0"),
        ({"mip_gap": -1e-3}, r"mip_gap must lie in \[0, 1\)"),
        (
            {"stances": {"ads": {"49001": "maybe"}}},
            r"stances\[ads\]: unknown stance\(s\) \['maybe'\]",
        ),
        (
            {"billing_keys": {"ads": "inhabitants"}},
            r"billing_keys: unknown key\(s\) \['inhabitants'\]",
        ),
    ],
)
def test_invalid_option(options, match):
    with pytest.raises(ScenarioError, match=match):
        Scenario(**options)
    # the same through from_dict (YAML path), prefixed with the scenario's name
    with pytest.raises(ScenarioError, match=r"scenario 'base': .*" + match):
        Scenario.from_dict(options)


def test_every_problem_reported_at_once():
    with pytest.raises(ScenarioError) as info:
        Scenario(
            name="bad", min_level=200, solver="glpk", max_total_cost=-5, disabled_rules=["nope"]
        )
    msg = str(info.value)
    assert msg.startswith("scenario 'bad': ")
    for part in ("min_level", "solver", "max_total_cost", "disabled_rules"):
        assert part in msg


@pytest.mark.parametrize(
    ("typo", "hint"),
    [
        ("max_total_cots", "max_total_cost"),
        ("min_levl", "min_level"),
        ("allowed_mode", "allowed_modes"),
        ("disable_rules", "disabled_rules"),
    ],
)
def test_unknown_option_did_you_mean(typo, hint):
    match = rf"unknown scenario option\(s\): '{typo}' \(did you mean '{hint}'\?\)"
    with pytest.raises(ScenarioError, match=match):
        Scenario.from_dict({typo: 1})
    with pytest.raises(ScenarioError, match=match):
        Scenario().replace(**{typo: 1})


def test_unknown_option_without_hint():
    with pytest.raises(ScenarioError, match=r"unknown scenario option\(s\): 'zzzzzz'$"):
        Scenario.from_dict({"zzzzzz": 1})


@pytest.mark.parametrize(
    ("entry", "match"),
    [
        (
            {"service": "ads", "mode": "keep"},
            r"lacks 'commune'; write \{service: \.\.\., commune: \.\.\., mode: \.\.\.\}",
        ),
        ("ads", r"force/forbid entry 'ads': expected \{service, commune, mode\}"),
        (["ads", "keep"], r"expected \{service, commune, mode\}"),
    ],
)
def test_bad_decision_entry(entry, match):
    with pytest.raises(ScenarioError, match=match):
        Scenario.from_dict({"force": [entry]})


def test_decisions_normalised():
    a = Scenario(
        force=[("ads", "*", "transfer")],
        forbid=[{"service": "rh_paie", "commune": "49001", "mode": "share"}],
    )
    assert a.force == (Decision("ads", "*", "transfer"),)
    assert a.forbid == (Decision("rh_paie", "49001", "share"),)
    assert a.force[0].matches("ads", "49003")
    assert not a.forbid[0].matches("rh_paie", "49002")
    # lists (YAML) and tuples (Python) give equal scenarios
    assert Scenario(allowed_modes=["keep", "share"]) == Scenario(allowed_modes=("keep", "share"))
    assert Scenario(perimeter_communes=["49001"]).perimeter_communes == ("49001",)


def test_rules():
    sc = Scenario(disabled_rules=["min_members"])
    assert not sc.rule_on("min_members")
    assert sc.rule_on("transfer_all_or_nothing")
    assert set(sc.disabled_rules) <= set(SWITCHABLE_RULES)
    # every switchable rule can be switched off
    assert Scenario(disabled_rules=SWITCHABLE_RULES).disabled_rules == SWITCHABLE_RULES


def test_replace_validates():
    sc = Scenario(name="a", min_level=10)
    assert sc.replace(min_level=20).min_level == 20
    assert sc.min_level == 10  # frozen: a copy
    with pytest.raises(ScenarioError, match=r"min_level must lie in \[0, 100\]"):
        sc.replace(min_level=200)


@pytest.mark.parametrize(
    "options",
    [
        {"max_total_cost": math.nan},
        {"max_total_cost": math.inf},
        {"max_fte_moved": math.nan},
        {"retirement_rate": math.nan},
        {"all_departure_rate": math.inf},
        {"adoption_year": math.nan},
        {"time_limit": math.nan},
    ],
    ids=[
        "cost_nan",
        "cost_inf",
        "fte_nan",
        "retire_nan",
        "departures_inf",
        "adopt_nan",
        "time_nan",
    ],
)
def test_non_finite_values_rejected(options):
    with pytest.raises(ScenarioError):
        Scenario(**options)


def test_perimeter_given_as_a_string():
    sc = Scenario(perimeter_communes="49001")
    assert sc.perimeter_communes == ("49001",)


def test_wrong_type_names_the_option():
    with pytest.raises(ScenarioError, match="min_level"):
        Scenario.from_dict({"min_level": "high"})
    with pytest.raises(ScenarioError, match="min_level"):
        Scenario(min_level="high")
    with pytest.raises(ScenarioError, match=r"departures must be text, got 3"):
        Scenario(departures=3)
    with pytest.raises(ScenarioError, match=r"adoption_year must be a number, got '2026'"):
        Scenario.from_dict({"adoption_year": "2026"})


# ----------------------------------------------------------------------------
# Departures, calendar and hosts (issue 8)
# ----------------------------------------------------------------------------
def test_departure_rate_follows_the_departures_option():
    # the conservative default: retirements only, 3.2 %/year (DOMAIN.md §3)
    assert Scenario().departures == "retirements"
    assert Scenario().departure_rate == 0.032
    # the variant: every departure, mutations included, 6.9 %/year
    assert Scenario(departures="all").departure_rate == 0.069
    # each rate is an option of its own; the other one is then ignored
    sc = Scenario(departures="all", retirement_rate=0.5, all_departure_rate=0.1)
    assert sc.departure_rate == 0.1
    assert sc.replace(departures="retirements").departure_rate == 0.5
    assert Scenario(retirement_rate=0.0).departure_rate == 0.0  # no departure at all


@pytest.mark.parametrize(
    ("adoption", "first", "years"),
    [
        # default: adopted in the horizon's first year, first change on 1 January 2027
        (None, 2027, [2027, 2028, 2029, 2030, 2031, 2032]),
        # adopted the year before the horizon: changes may take effect from its first year
        (2025, 2026, [2026, 2027, 2028, 2029, 2030, 2031, 2032]),
        (2028, 2029, [2029, 2030, 2031, 2032]),
        # the last year that leaves one year of change within the horizon
        (2031, 2032, [2032]),
    ],
)
def test_adoption_year_sets_the_first_effective_year(adoption, first, years):
    sc = Scenario(adoption_year=adoption)
    assert sc.years == list(range(2026, 2033))
    assert sc.first_effective_year == first
    assert sc.start_years == years


def test_adoption_year_follows_a_shifted_horizon():
    sc = Scenario(start_year=2030, end_year=2035)
    assert sc.first_effective_year == 2031
    with pytest.raises(ScenarioError, match=r"adoption_year \(2027\) must lie between"):
        sc.replace(adoption_year=2027)
    assert sc.replace(adoption_year=2029).start_years == list(range(2030, 2036))


def test_hosts_are_normalised_to_text():
    sc = Scenario(hosts={"rh_paie": "49001", "ads": "EPCI"})
    assert sc.hosts == {"rh_paie": "49001", "ads": "EPCI"}
    assert Scenario.from_dict(sc.to_dict()) == sc


@pytest.mark.parametrize("host", ["Angers", "epci", "4900", ""])
def test_a_host_that_is_no_code_is_refused(host):
    # a host is EPCI or a commune's INSEE code (5 digits or capital letters)
    with pytest.raises(ScenarioError, match=r"hosts\[rh_paie\]"):
        Scenario(hosts={"rh_paie": host})


def test_a_host_outside_the_territory_is_refused(tiny):
    with pytest.raises(MutusimError, match=r"hosts.*49999"):
        optimise(tiny, Scenario(hosts={"rh_paie": "49999"}))


# ----------------------------------------------------------------------------
# YAML files: base, overrides, scenarios
# ----------------------------------------------------------------------------
SCENARIOS_YAML = """\
name: base
description: Statu quo amélioré
departures: all
all_departure_rate: 0.5
min_level: 40
overrides:
  small_communes:
    perimeter_max_population: 4500
    description: Communes de moins de 4 500 habitants
  no_transfer:
    allowed_modes: [keep, share]
  quality:
    min_level: 60
  quality_high:
    min_level: 80
  same_quality:
    min_level: 60
  payroll_pool:
    force:
      - {service: rh_paie, commune: "49001", mode: share}
    description: Pôle paie
scenarios:
  platform: [small_communes, no_transfer]
  platform_quality: [small_communes, no_transfer, quality, same_quality]
  single: quality
  clash: [quality, quality_high]
  broken: [quality, nope]
"""


@pytest.fixture
def yaml_file(tmp_path: Path) -> Path:
    p = tmp_path / "scenarios.yaml"
    p.write_text(SCENARIOS_YAML, encoding="utf-8")
    return p


def test_yaml_base(yaml_file):
    base = Scenario.from_yaml(yaml_file)
    assert base.name == "base"
    assert base.min_level == 40
    assert (base.departures, base.departure_rate) == ("all", 0.5)
    assert base == load_scenarios(yaml_file).get("base")


def test_yaml_single_override(yaml_file):
    sc = Scenario.from_yaml(yaml_file, "small_communes")
    assert sc.name == "small_communes"
    assert sc.perimeter_max_population == 4500
    assert sc.min_level == 40  # from the base
    assert sc.description == "Communes de moins de 4 500 habitants"


def test_yaml_combination(yaml_file):
    sc = Scenario.from_yaml(yaml_file, "platform")
    assert sc.name == "platform"
    assert sc.perimeter_max_population == 4500
    assert sc.allowed_modes == ("keep", "share")
    assert sc.min_level == 40


def test_yaml_combination_same_value_is_no_clash(yaml_file):
    sc = Scenario.from_yaml(yaml_file, "platform_quality")
    assert sc.min_level == 60
    assert sc.perimeter_max_population == 4500


def test_yaml_combination_given_as_a_string(yaml_file):
    assert Scenario.from_yaml(yaml_file, "single").min_level == 60


def test_yaml_descriptions_combine(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text(
        "overrides:\n  a: {description: Un, min_level: 10}\n  b: {description: Deux}\nscenarios:\n  ab: [a, b]\n",
        encoding="utf-8",
    )
    assert Scenario.from_yaml(p, "ab").description == "Un ; Deux"


def test_yaml_force_entries(yaml_file):
    sc = Scenario.from_yaml(yaml_file, "payroll_pool")
    assert sc.force == (Decision("rh_paie", "49001", "share"),)


def test_yaml_clash_names_both_overrides(yaml_file):
    with pytest.raises(ScenarioError) as info:
        Scenario.from_yaml(yaml_file, "clash")
    msg = str(info.value)
    assert "'quality'" in msg
    assert "'quality_high'" in msg
    assert "'min_level'" in msg
    assert "60" in msg
    assert "80" in msg
    assert "scenario 'clash'" in msg


def test_combine_clash_directly():
    overrides = {"a": {"max_fte_moved": 2}, "b": {"max_fte_moved": 3}}
    with pytest.raises(
        ScenarioError, match=r"overrides 'a' and 'b' both set 'max_fte_moved' \(2 vs 3\)"
    ):
        combine(Scenario(), overrides, "ab")


def test_yaml_undefined_override(yaml_file):
    with pytest.raises(
        ScenarioError, match=r"scenario 'broken' uses undefined override\(s\) \['nope'\]"
    ):
        Scenario.from_yaml(yaml_file, "broken")


def test_yaml_unknown_scenario_name(yaml_file):
    with pytest.raises(
        NotFoundError, match=r"no scenario named 'platfrom'; available: \['base', 'platform'"
    ):
        Scenario.from_yaml(yaml_file, "platfrom")


def test_yaml_names_and_all(tmp_path, yaml_file):
    sset = load_scenarios(yaml_file)
    assert sset.names[:6] == ["base", "platform", "platform_quality", "single", "clash", "broken"]
    assert set(sset.names) >= {"small_communes", "no_transfer", "quality", "payroll_pool"}
    # all() builds each one; this file has a clash and a broken combination
    with pytest.raises(ScenarioError):
        sset.all()
    ok = tmp_path / "ok.yaml"
    ok.write_text(SCENARIOS_YAML.split("  clash:")[0], encoding="utf-8")
    names = [s.name for s in load_scenarios(ok).all()]
    assert names == load_scenarios(ok).names


def test_invalid_yaml_reports_the_line(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text(
        "name: base\nmin_level: 40\nallowed_modes: [keep, share\nsolver: highs\n", encoding="utf-8"
    )
    with pytest.raises(ScenarioError, match=r"bad\.yaml line 4: not valid YAML"):
        load_scenarios(p)


def test_yaml_bad_option_in_override_names_file_and_override(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text("overrides:\n  strict:\n    min_level: 150\n", encoding="utf-8")
    with pytest.raises(
        ScenarioError, match=r"s\.yaml: scenario 'strict': min_level must lie in \[0, 100\]"
    ):
        load_scenarios(p)
    p.write_text("overrides:\n  strict:\n    min_levels: 50\n", encoding="utf-8")
    with pytest.raises(
        ScenarioError, match=r"s\.yaml: .*'min_levels' \(did you mean 'min_level'\?\)"
    ):
        load_scenarios(p)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("- keep\n- share\n", "expected a mapping of options at top level"),
        ("overrides:\n  a: 3\n", "'overrides' must map names to option mappings"),
        ("overrides: [a, b]\n", "'overrides' must map names to option mappings"),
        ("scenarios: [a, b]\n", "'scenarios' must map names to lists of override names"),
        ("min_levl: 3\n", r"did you mean 'min_level'"),
    ],
)
def test_yaml_structure_errors(tmp_path, text, match):
    p = tmp_path / "s.yaml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError, match=match):
        load_scenarios(p)


def test_yaml_override_names_are_text(tmp_path):
    # names are read as written: an override called 2030 is the text '2030', a combination
    # naming an override that does not exist fails when it is asked for
    p = tmp_path / "s.yaml"
    p.write_text(
        "overrides:\n  2030: {min_level: 1}\nscenarios:\n  x: 2030\n  y: 5\n", encoding="utf-8"
    )
    ss = load_scenarios(p)
    assert ss.get("x").min_level == 1
    assert ss.get("2030").min_level == 1
    with pytest.raises(ScenarioError, match=r"scenario 'y' uses undefined override\(s\) \['5'\]"):
        ss.get("y")


@pytest.mark.parametrize("entry", ["", "{a: 1}"])
def test_yaml_bad_combination_entry(tmp_path, entry):
    p = tmp_path / "s.yaml"
    p.write_text(
        f"overrides:\n  a: {{min_level: 1}}\nscenarios:\n  x: {entry}\n", encoding="utf-8"
    )
    with pytest.raises(ScenarioError, match="scenarios"):
        load_scenarios(p).get("x")


def test_yaml_missing_file(tmp_path):
    with pytest.raises(ScenarioError, match="scenario file not found"):
        load_scenarios(tmp_path / "nope.yaml")


def test_empty_yaml_is_the_default_scenario(tmp_path):
    p = tmp_path / "empty.yaml"
    p.write_text("", encoding="utf-8")
    assert Scenario.from_yaml(p) == Scenario()


def test_yaml_scenario_runs(tiny, yaml_file):
    # The base lets every departure cut posts, at 50 %/year (all_departure_rate 0.5): a
    # payroll pool of Bourg-Centre (2 posts, 1,200 payslips) and Village-Est (0.5 FTE, a
    # partial share) needs 1,500 / 500 = 3 steps = 1.5 FTE, of which 0.5 made available:
    # 1 post in the long run, 2 in 2027, ceil(2 x 0.5) = 1 from 2028. It costs 10,000 +
    # 2 x 1,000 + 42,000 x (1 + 0.5) = 75,000 a year against 90,000 + 25,000 kept: it
    # saves 40,000 a year from 2028 and pays back within the mandate, so the base scenario
    # takes it (total 212,000 - 40,000 = 172,000).
    base = optimise(tiny, Scenario.from_yaml(yaml_file))
    assert base.total_cost == pytest.approx(172_000)
    # 'platform': communes under 4,500 inhabitants only, no transfer. Bourg-Centre (5,000)
    # is out: a pool of Village-Est and Hameau-Sud brings no post at all (0.5 and 0.3 FTE
    # are partial shares, never saved): 450 payslips -> 1 step = 0.5 FTE, less than the
    # 0.8 FTE made available, so 0 posts; it costs 10,000 + 2 x 1,000 + 42,000 x 0.8 =
    # 45,600 against 41,000 kept. ADS pools lose money too (no post moves but Bourg-Centre's).
    # Nothing changes; the base's min_level 40 leaves every keep allowed.
    res = optimise(tiny, Scenario.from_yaml(yaml_file, "platform"))
    assert res.status == "optimal"
    assert res.total_cost == pytest.approx(212_000)
    assert res.starts == {}


# ----------------------------------------------------------------------------
# Round trips
# ----------------------------------------------------------------------------
RICH = Scenario(
    name="rich",
    description="Tout à la fois",
    allowed_modes=("keep", "share"),
    min_level=30,
    min_level_by_service={"ads": 60},
    max_total_cost=200_000,
    max_fte_moved=2.5,
    force=[("rh_paie", "49001", "share")],
    forbid=[{"service": "*", "commune": "49003", "mode": "transfer"}],
    perimeter_communes=["49001", "49002"],
    perimeter_max_population=6_000,
    perimeter_services=["rh_paie"],
    departures="all",
    retirement_rate=0.03,
    all_departure_rate=0.08,
    staff_reduction="abolition",
    start_year=2027,
    end_year=2035,
    adoption_year=2027,
    discount_rate=0.03,
    max_changes_per_year=2,
    transition_budget=50_000,
    hosts={"rh_paie": "49001"},
    disabled_rules=("min_members", "perimeter"),
    solver="cbc",
    time_limit=5,
    mip_gap=1e-4,
    decompose=False,
    vote_tolerance=500.0,
    stances={"ads": {"49001": "against"}},
    billing_keys={"rh_paie": "population"},
)


@pytest.mark.parametrize("sc", [Scenario(), RICH], ids=["default", "rich"])
def test_round_trip_dict(sc):
    d = sc.to_dict()
    assert Scenario.from_dict(d) == sc
    # plain values only
    assert all(not isinstance(v, tuple) for v in d.values())
    assert d["force"] == [
        {"service": s, "commune": c, "mode": m}
        for s, c, m in (tuple(x.__dict__.values()) for x in sc.force)
    ]


@pytest.mark.parametrize("sc", [Scenario(), RICH], ids=["default", "rich"])
def test_round_trip_yaml(tmp_path, sc):
    p = tmp_path / "s.yaml"
    p.write_text(
        yaml.safe_dump(sc.to_dict(), allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    assert Scenario.from_yaml(p) == sc


def test_round_trip_replace_everything():
    fields = RICH.to_dict()
    assert Scenario().replace(**fields) == RICH
