"""Scenario names checked against the territory; codes are text; hostile files (issue 7.2, 7.8)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import mutusim as ms
from mutusim.core.scenario import Scenario, check_scenario, load_scenarios
from mutusim.core.scenario_file import MAX_DEPTH, MAX_FILE_BYTES
from mutusim.errors import NotFoundError, ScenarioError


def write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


# ------------------------------------------------------------ codes as text
def test_unquoted_insee_code_as_a_stance_key_is_text(tmp_path, tiny):
    # YAML reads 49001 as an integer: the stance used to be ignored silently
    sc = Scenario.from_yaml(write(tmp_path, "stances: {ads: {49001: against}}\n"))
    assert sc.stances == {"ads": {"49001": "against"}}
    assert sc.stance("ads", "49001") == "against"
    votes = ms.optimise(tiny, sc).votes.set_index(["service", "commune"])
    assert votes.at[("ads", "49001"), "vote_basis"] == "stance_against"
    assert not votes.at[("ads", "49001"), "vote"]


def test_leading_zero_codes_are_not_octal(tmp_path):
    text = (
        "perimeter_communes: [01043, 2A004, 49007]\n"
        "force: [{service: ads, commune: 01043, mode: keep}, [ads, 00100, share]]\n"
        "billing_keys: {on: population}\n"
        "min_level_by_service: {0755: 50}\n"
    )
    sc = Scenario.from_yaml(write(tmp_path, text))
    assert sc.perimeter_communes == ("01043", "2A004", "49007")  # not 547
    assert [d.commune for d in sc.force] == ["01043", "00100"]
    assert sc.billing_keys == {"on": "population"}  # not {True: ...}
    assert sc.min_level_by_service == {"0755": 50}


def test_codes_given_as_numbers_in_python_become_text():
    sc = Scenario(stances={"ads": {49001: "against"}}, min_level_by_service={5: 10.0})
    assert sc.stance("ads", "49001") == "against"
    assert sc.min_level_by_service == {"5": 10.0}


def test_a_single_code_is_not_split_into_characters(tmp_path):
    sc = Scenario.from_yaml(write(tmp_path, "perimeter_communes: 01043\n"))
    assert sc.perimeter_communes == ("01043",)


# -------------------------------------------------------- names in the file
def test_a_key_written_twice_is_an_error(tmp_path):
    with pytest.raises(ScenarioError, match=r"line 3: 'min_level' is written twice .* line 1"):
        load_scenarios(write(tmp_path, "min_level: 10\nname: x\nmin_level: 20\n"))


def test_an_override_defined_twice_is_an_error(tmp_path):
    text = "overrides:\n  a: {min_level: 1}\n  b: {min_level: 2}\n  a: {min_level: 3}\n"
    with pytest.raises(ScenarioError, match=r"line 4: 'a' is written twice .*first on line 2"):
        load_scenarios(write(tmp_path, text))


def test_merge_keys_are_not_duplicates(tmp_path):
    text = "overrides:\n  a: &A {min_level: 10}\n  b:\n    <<: *A\n    min_level: 20\n"
    ss = load_scenarios(write(tmp_path, text))
    assert ss.get("b").min_level == 20
    assert ss.get("a").min_level == 10


@pytest.mark.parametrize(
    ("text", "match"),
    [
        (
            "overrides:\n  a: {min_level: 1}\n  b: {min_level: 2}\nscenarios:\n  a: [a, b]\n",
            "'a' names both an override and a scenario",
        ),
        ("name: a\noverrides:\n  a: {min_level: 1}\n", "'a' is the name of the base"),
    ],
)
def test_a_scenario_named_like_an_override_or_the_base_is_an_error(tmp_path, text, match):
    with pytest.raises(ScenarioError, match=match):
        load_scenarios(write(tmp_path, text))


# ----------------------------------------------------- checked against the territory
@pytest.mark.parametrize(
    ("options", "match"),
    [
        (
            {"perimeter_services": ["adss"]},
            r"perimeter_services: unknown service 'adss' \(did you mean 'ads'\?\)",
        ),
        ({"perimeter_communes": ["4901"]}, r"unknown commune '4901' \(did you mean '49001'\?\)"),
        (
            {"perimeter_communes": ["Village-Est"]},
            r"did you mean '49002', the code of Village-Est",
        ),
        ({"force": [("rh_paei", "*", "share")]}, r"force\[0\]: unknown service 'rh_paei'"),
        ({"forbid": [("*", "49009", "keep")]}, r"forbid\[0\]: unknown commune '49009'"),
        ({"min_level_by_service": {"ads ": 50}}, r"min_level_by_service: unknown service 'ads '"),
        ({"billing_keys": {"paie": "population"}}, r"billing_keys: unknown service 'paie'"),
        (
            {"stances": {"espace_public": {"49001": "for"}}},
            r"stances: unknown service 'espace_public'",
        ),
        ({"stances": {"*": {"1001": "against"}}}, r"stances\[\*\]: unknown commune '1001'"),
    ],
)
def test_every_option_naming_codes_is_checked(tiny, options, match):
    sc = Scenario(**options)
    with pytest.raises(NotFoundError, match=match):
        check_scenario(sc, tiny)
    with pytest.raises(NotFoundError, match=match):
        ms.optimise(tiny, sc)


def test_every_unknown_code_is_listed_at_once_on_one_line(tiny):
    sc = Scenario(
        perimeter_services=["adss", "ads"],
        perimeter_communes=["49001", "49999"],
        billing_keys={"rh": "fte"},
    )
    with pytest.raises(NotFoundError) as info:
        check_scenario(sc, tiny)
    message = str(info.value)
    assert "\n" not in message
    for code in ("'adss'", "'49999'", "'rh' (did you mean 'rh_paie'?)"):
        assert code in message
    assert "'ads'" not in message.split("did you mean")[0]


def test_a_misspelt_perimeter_no_longer_gives_the_status_quo(tiny):
    # before: perimeter_services [adss] excluded every service and the plan was "optimal"
    with pytest.raises(NotFoundError, match="adss"):
        ms.optimise(tiny, Scenario(perimeter_services=["adss"]))
    assert ms.optimise(tiny, Scenario(perimeter_services=["ads"])).status == "optimal"


def test_wildcards_and_known_codes_pass(tiny):
    check_scenario(
        Scenario(
            force=[("*", "49001", "keep")],
            forbid=[("ads", "*", "transfer")],
            stances={"*": {"49002": "against"}, "ads": {"49003": "for"}},
            billing_keys={"rh_paie": "population"},
            min_level_by_service={"ads": 10},
            perimeter_communes=["49001"],
            perimeter_services=["rh_paie"],
        ),
        tiny,
    )


CODE_OPTIONS = ["perimeter_communes", "perimeter_services", "force_service", "force_commune"]
CODE_OPTIONS += ["forbid_service", "forbid_commune", "min_level_by_service", "billing_keys"]
CODE_OPTIONS += ["stances_service", "stances_commune"]


def options_naming(option: str, code: str) -> dict:
    """Scenario options that name ``code`` in ``option`` (with known codes elsewhere)."""
    return {
        "perimeter_communes": {"perimeter_communes": ["49001", code]},
        "perimeter_services": {"perimeter_services": ["ads", code]},
        "force_service": {"force": [(code, "49001", "keep")]},
        "force_commune": {"force": [("ads", code, "keep")]},
        "forbid_service": {"forbid": [(code, "*", "transfer")]},
        "forbid_commune": {"forbid": [("*", code, "transfer")]},
        "min_level_by_service": {"min_level_by_service": {code: 10}},
        "billing_keys": {"billing_keys": {code: "population"}},
        "stances_service": {"stances": {code: {"49001": "for"}}},
        "stances_commune": {"stances": {"ads": {code: "against"}}},
    }[option]


def valid_codes(option: str, territory: ms.Territory) -> set[str]:
    """Codes ``option`` accepts: the territory's communes or services, and '*' where allowed."""
    if option in ("perimeter_communes", "force_commune", "forbid_commune", "stances_commune"):
        codes = set(territory.commune_codes)
    else:
        codes = set(territory.service_codes)
    if option in ("force_service", "force_commune", "forbid_service", "forbid_commune"):
        codes.add("*")
    if option == "stances_service":
        codes.add("*")
    return codes


@given(
    option=st.sampled_from(CODE_OPTIONS),
    code=st.one_of(
        st.text(min_size=1, max_size=12),
        st.integers(0, 99_999).map(str),
        st.integers(0, 99_999).map(lambda i: f"{i:05d}"),
        st.sampled_from(["ADS", "rh-paie", "49001 ", "049001", "Bourg-Centre", "ads", "49002"]),
    ),
)
def test_property_any_code_absent_from_the_territory_raises(option, code):
    tiny = ms.examples.tiny()
    sc = Scenario(**options_naming(option, code))
    if code in valid_codes(option, tiny):
        check_scenario(sc, tiny)  # a code of the territory, of the right kind: accepted
    else:
        with pytest.raises(NotFoundError, match="names codes absent from CC Exemple"):
            check_scenario(sc, tiny)


# -------------------------------------------------------------- option types
@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("start_year: -5\n", "start_year must be a year from 2000 to 2100, got -5"),
        ("end_year: 100000\n", "end_year must be a year from 2000 to 2100"),
        ("end_year: 1.0e+9\n", "end_year must be a year from 2000 to 2100"),
        ("end_year: 1e9\n", "end_year must be a number, got '1e9'"),
        ("end_year: 2090\n", "longer than 50 years"),
        ("start_year: 2026.5\n", "start_year must be a whole number, got 2026.5"),
        ("max_changes_per_year: 1.5\n", "max_changes_per_year must be a whole number, got 1.5"),
        ("perimeter_max_population: 4500.5\n", "perimeter_max_population must be a whole"),
    ],
)
def test_years_and_counts_are_bounded_whole_numbers(tmp_path, text, match):
    with pytest.raises(ScenarioError, match=match):
        load_scenarios(write(tmp_path, text))


def test_whole_numbers_written_with_a_decimal_point_are_accepted(tmp_path):
    sc = Scenario.from_yaml(write(tmp_path, "start_year: 2026.0\nmax_changes_per_year: 2.0\n"))
    assert sc.start_year == 2026
    assert isinstance(sc.start_year, int)
    assert sc.max_changes_per_year == 2
    assert isinstance(sc.max_changes_per_year, int)
    assert ms.roadmap(ms.optimise(ms.examples.tiny(), sc)).roadmap["year"].iloc[0] == 2026


# ------------------------------------------------------------- hostile files
def one_line_error(path: Path) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenarios(path)
    message = str(info.value)
    assert "\n" not in message
    assert len(message) < 400
    assert str(path) in message
    return message


def test_utf16_scenario_file(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_bytes("name: été\n".encode("utf-16"))
    assert "UTF-16 text, not UTF-8" in one_line_error(p)


def test_cp1252_scenario_file_names_the_line(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_bytes("name: x\ndescription: été\n".encode("cp1252"))
    assert "line 2: byte 0xE9 is not UTF-8" in one_line_error(p)


def test_utf8_with_bom_is_read(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_bytes("name: été\n".encode("utf-8-sig"))
    assert Scenario.from_yaml(p).name == "été"


def test_deep_nesting(tmp_path):
    p = write(tmp_path, "min_level_by_service: " + "[" * 10_000 + "]" * 10_000 + "\n")
    assert f"nested more than {MAX_DEPTH} deep" in one_line_error(p)


def test_alias_bomb(tmp_path):
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]
    p = write(tmp_path, "\n".join([*lines, "name: *a9"]) + "\n")
    assert "aliases (*name) expand the file to more than" in one_line_error(p)


def test_recursive_alias(tmp_path):
    p = write(tmp_path, "description: &d [1, *d]\n")
    assert "an alias refers to the value that contains it" in one_line_error(p)


def test_huge_file(tmp_path):
    p = write(tmp_path, "description: '" + "x" * (MAX_FILE_BYTES + 10) + "'\n")
    assert "more than a scenario file holds" in one_line_error(p)


def test_a_huge_value_is_quoted_short(tmp_path):
    p = write(tmp_path, "name: [" + ", ".join(["abcdefghij"] * 5_000) + "]\n")
    assert "name must be text" in one_line_error(p)


def test_unreadable_scenario_file(tmp_path, monkeypatch):
    p = write(tmp_path, "name: x\n")

    def locked(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", locked)
    assert "cannot be read (Permission denied)" in one_line_error(p)


def test_a_folder_given_as_scenario_file(tmp_path):
    assert "scenario file is a folder" in one_line_error(tmp_path)


def test_yaml_tags_never_execute(tmp_path):
    p = write(tmp_path, "name: !!python/object/apply:os.system ['echo pwned']\n")
    assert "not valid YAML" in one_line_error(p)
