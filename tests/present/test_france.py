"""The national screening in French: tables, plots, the progress bar and the summary folder."""

from __future__ import annotations

import io

import pandas as pd
import pytest

import mutusim as ms
from mutusim.analysis.national import (
    Progress,
    Screening,
    _assemble,
    by_group,
    largest,
    rule_frequency,
)
from mutusim.present.france import (
    french_national,
    plot_distribution,
    plot_largest,
    plot_rule_frequency,
    plot_savings_by,
    summary_lines,
    write_summary,
)
from mutusim.present.progress import ProgressBar, duration


@pytest.fixture
def screening() -> Screening:
    rows = pd.DataFrame(
        {
            "siren": ["1", "2", "3"],
            "name": ["CC Alpha", "CA Bêta", "CC Gamma"],
            "nature": ["CC", "CA", "CC"],
            "fiscalite": ["FPU", "FPU", "FA"],
            "departement": ["49", "53", "53"],
            "departement_name": ["Maine-et-Loire", "Mayenne", "Mayenne"],
            "region": ["52"] * 3,
            "region_name": ["Pays de la Loire"] * 3,
            "communes": [3, 20, 4],
            "population": [2000, 50000, 1500],
            "status": ["optimal", "optimal", "failed"],
            "baseline_cost": [1_000_000.0, 9_000_000.0, None],
            "total_cost": [950_000.0, 8_100_000.0, None],
            "savings": [50_000.0, 900_000.0, None],
            "savings_share": [0.05, 0.1, None],
            "savings_per_inhabitant": [25.0, 18.0, None],
            "npv": [120_000.0, 60_000.0, None],
            "npv_per_inhabitant": [60.0, 1.2, None],
            "total_savings": [150_000.0, 90_000.0, None],
            "services_started": [2, 1, None],
            "first_start_year": [2027, 2028, None],
            "rules_price": [0.0, 12_000.0, None],
            "rules_bind": [False, True, None],
            "violations__qualified_majority": [0, 3, None],
            "binds__qualified_majority": [False, True, None],
            "error_type": [None, None, "DataError"],
            "error": [None, None, "communes.csv, line 2: population -5"],
        }
    )
    return _assemble(rows, pd.DataFrame(), ms.Scenario(), None, {})


def test_french_tables_name_natures_statuses_and_rules(screening):
    t = french_national(screening.epcis)
    assert "Économies à long terme (€/an)" in t.columns
    assert "Valeur actuelle nette des économies sur l'horizon (€)" in t.columns
    assert t["Valeur actuelle nette des économies sur l'horizon (€)"].tolist()[:2] == [
        120_000.0,
        60_000.0,
    ]
    assert not [c for c in t.columns if "_" in c]  # every header in French
    assert "SIREN" in t.columns
    assert set(t["Nature"]) == {"Communauté de communes", "Communauté d'agglomération"}
    assert "échec (données ou calcul)" in set(t["Statut"])
    assert not [c for c in t.columns if c.startswith(("violations__", "binds__"))]
    f = french_national(rule_frequency(screening))
    assert "Majorité qualifiée des conseils municipaux" in set(f["Règle"])


def test_summary_lines_in_french(screening):
    text = "\n".join(summary_lines(screening)).replace("\u202f", " ").replace("\u00a0", " ")
    assert "3 EPCI traités, 2 avec un plan, 1 échec" in text
    assert "valeur actuelle nette des économies 2026-2032 : 180 000 € (2 EPCI où" in text
    assert "économies à long terme : 950 000 €/an sur 10 000 000 €/an (9,5 %)" in text
    assert "les règles coûtent 12 000 € de valeur actuelle nette" in text
    assert "une règle contraint le plan dans 1 EPCI" in text


def test_plots_are_in_french_with_names(screening):
    ax = plot_savings_by(by_group(screening, "departement"), "departement")
    assert ax.get_title() == "Valeur actuelle nette des économies par département"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Maine-et-Loire", "Mayenne"]
    ax = plot_savings_by(by_group(screening, "departement"), "departement", measure="savings")
    assert ax.get_title() == "Économies annuelles à long terme par département"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Mayenne", "Maine-et-Loire"]
    ax = plot_savings_by(by_group(screening, "nature"), "nature", per_inhabitant=True)
    assert "Communauté de communes" in [t.get_text() for t in ax.get_yticklabels()]
    ax = plot_distribution(screening.epcis)
    assert "2 EPCI" in ax.get_title()
    assert "médiane" in ax.get_title()
    ax = plot_largest(largest(screening, 5))
    assert [t.get_text() for t in ax.get_yticklabels()] == ["CC Alpha", "CA Bêta"]
    ax = plot_largest(largest(screening, 5, by="savings"), by="savings")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["CA Bêta", "CC Alpha"]
    ax = plot_rule_frequency(rule_frequency(screening))
    assert "Majorité qualifiée des conseils municipaux" in [
        t.get_text() for t in ax.get_yticklabels()
    ]


def test_write_summary(screening, tmp_path):
    files = {p.name for p in write_summary(screening, tmp_path)}
    assert {
        "epci.csv",
        "par_region.csv",
        "par_departement.csv",
        "echecs.csv",
        "regles.csv",
    } <= files
    assert {
        "repartition.png",
        "van_par_region.png",
        "van_par_nature.png",
        "economies_par_region.png",
        "regles.png",
    } <= files
    text = (tmp_path / "par_departement.csv").read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("Code département;Département;Code région;Région;EPCI")
    assert "900000,0" in (tmp_path / "epci.csv").read_text(encoding="utf-8-sig")


def test_progress_bar_counts_rate_and_time_left():
    out = io.StringIO()
    bar = ProgressBar(stream=out, width=4, min_interval=0)
    bar(Progress(done=10, total=40, failed=0, skipped=5, elapsed=20.0))
    line = out.getvalue().replace("\u00a0", " ").replace("\u202f", " ")
    assert line.startswith("\rFrance [#---] 10/40 EPCI (25 %)")
    assert "0,5 EPCI/s" in line
    assert "reste 1 min 00 s" in line
    assert "5 déjà traités" in line
    bar(Progress(done=40, total=40, failed=2, skipped=5, elapsed=80.0))
    last = out.getvalue().rsplit("\r", 1)[1]
    assert "en 1 min 20 s" in last.replace("\u00a0", " ")
    assert "2 échecs" in last
    assert last.endswith("\n")
    assert duration(7325) == "2\u00a0h 02\u00a0min"


def test_progress_bar_is_the_default():
    from mutusim.analysis import national

    assert national._DEFAULT_PROGRESS is ProgressBar
