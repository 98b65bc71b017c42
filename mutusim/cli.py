"""Command line: ``mutusim validate | solve | votes | schema | suivi | notebook-html | national | demo``.

PRODUCT.md R6. The console script only parses arguments and calls library
functions; what it prints for the user is French, ``--help`` included, and a
long run prints one line per stage as it starts. Exit codes:

* 0 — done: the data are valid, or a plan was found — status ``optimal``
  (proven within the MIP gap) or ``feasible`` (the time limit stopped the
  solver with a plan not proven optimal; the gap is printed);
* 1 — an error the user can fix (bad data, bad scenario, unknown name, an
  output folder holding other files): one line on stderr, or for bad data a
  header and one line per problem; ``--debug`` shows the traceback instead;
* 2 — wrong usage (unknown option, missing argument, ``--name`` without
  ``--scenario``);
* 3 — no plan, after writing the result folder and printing why: status
  ``infeasible`` (the rules that conflict), ``time_limit`` (the solver
  stopped before finding any plan: raise the time limit), ``error`` (the
  solver failed, met numerical trouble, or the independent checker rejected
  its plan) or ``unbounded`` (a modelling error to report).

Results go to one folder written as a whole (tables, workbook, report and
``manifest.json``; :func:`mutusim.present.outputs.write_outputs`).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from mutusim.errors import DataError, MutusimError

if TYPE_CHECKING:
    from mutusim.core.result import Result
    from mutusim.core.scenario import Scenario
    from mutusim.core.territory import Territory

__all__ = ["build_parser", "main"]


class _Progress:
    """One line per stage of a long run, as it starts; the total time at the end."""

    def __init__(self) -> None:
        self.start = time.perf_counter()

    def __call__(self, stage: str) -> None:
        print(f"· {stage}…", flush=True)

    def done(self) -> None:
        from mutusim.present.formatting import number

        print(f"Terminé en {number(time.perf_counter() - self.start, 1)} s.", flush=True)


#: argparse's English messages and their French (patterns of Python 3.11-3.13).
_USAGE_ERRORS: tuple[tuple[str, str], ...] = (
    (r"the following arguments are required: (.*)", r"arguments obligatoires manquants : \1"),
    (r"unrecognized arguments: (.*)", r"arguments inconnus : \1"),
    (
        r"argument (.*?): invalid choice: (.*?) \(choose from (.*)\)",
        r"\1 : choix invalide \2 (choisir parmi \3)",
    ),
    (r"argument (.*?): expected one argument", r"\1 : une valeur est attendue"),
    (r"argument (.*?): invalid (\w+) value: (.*)", r"\1 : valeur invalide \3"),
    (r"argument (.*?): not allowed with argument (.*)", r"\1 : incompatible avec \2"),
    (r"argument (.*?): ignored explicit argument (.*)", r"\1 : valeur inattendue \2"),
)


class _Formatter(argparse.HelpFormatter):
    """Help in French: ``utilisation :`` rather than ``usage:``."""

    def add_usage(
        self,
        usage: str | None,
        actions: Any,
        groups: Any,
        prefix: str | None = None,
    ) -> None:
        super().add_usage(usage, actions, groups, "utilisation : " if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    """An argument parser that speaks French (help, section titles, usage errors)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        add_help = kwargs.pop("add_help", True)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        # a no-break space: argparse adds the colon, French puts a space before it
        self._positionals.title = "arguments\xa0"
        self._optionals.title = "options\xa0"
        if add_help:
            self.add_argument("-h", "--help", action="help", help="afficher cette aide et quitter")

    def error(self, message: str) -> NoReturn:
        for pattern, french in _USAGE_ERRORS:
            if re.fullmatch(pattern, message):
                message = re.sub(pattern, french, message)
                break
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog} : erreur d'utilisation : {message}\n")


def _territory(args: argparse.Namespace) -> Territory:
    from mutusim.inputs import datasets
    from mutusim.inputs.io import load_territory

    if getattr(args, "territory", None):
        return load_territory(args.territory)
    if getattr(args, "epci", None):
        return datasets.epci(args.epci)
    return datasets.angers()


def _scenario(args: argparse.Namespace) -> Scenario:
    from mutusim.core.scenario import Scenario

    sc = Scenario.from_yaml(args.scenario, args.name) if args.scenario else Scenario()
    if getattr(args, "time_limit", None) is not None:
        sc = sc.replace(time_limit=args.time_limit)
    if getattr(args, "solver", None):
        sc = sc.replace(solver=args.solver)
    return sc


def _print_result(res: Result, out_dir: Path | None) -> None:
    from mutusim.present.formatting import euros, number, percent
    from mutusim.present.keyfigures import headline
    from mutusim.present.labels import STATUS_LABELS, infeasibility_summary, scenario_title

    s = res.summary()
    status = STATUS_LABELS.get(s["status"], s["status"])
    print(f"Scénario « {scenario_title(res.scenario)} » sur {res.territory.name} : {status}")
    if res.has_plan and res.schedule is not None:
        h = headline(res).set_index("key")["value"]
        years = f"{res.scenario.start_year}-{res.scenario.end_year}"
        names = res.territory.services["name"]
        starts = ", ".join(f"{names.get(srv, srv)} ({y})" for srv, y in res.starts.items())
        print(f"  valeur actuelle nette {years} : {euros(h['npv'], signed=True)}")
        print(f"  économies cumulées {years} : {euros(h['cumulative_savings'], signed=True)}")
        print(f"  coût actuel                      {euros(h['baseline_cost'], per_year=True):>22}")
        print(f"  coût du plan en régime permanent {euros(h['total_cost'], per_year=True):>22}")
        print(
            f"  économies en régime permanent    "
            f"{euros(h['savings'], per_year=True, signed=True):>22}"
        )
        print(f"  changements : {starts or 'aucun'}")
        print(
            f"  construction {number(s['build_seconds'], 2)} s, résolution "
            f"{number(s['solve_seconds'], 2)} s, écart d'optimalité {percent(s['gap'], 2)}"
        )
    for line in infeasibility_summary(res):
        print(f"  - {line}")
    if out_dir is not None:
        print(f"  résultats écrits dans {out_dir}")


def _write(res: Result, out: Path, args: argparse.Namespace, progress: _Progress) -> None:
    from mutusim.analysis.suite import analyse
    from mutusim.present.outputs import write_outputs

    if res.has_plan:
        progress("analyses : feuille de route, partage des économies, prix des règles")
    analyses = analyse(res)
    progress("écriture des tableaux, du classeur et du rapport")
    inputs = [p for p in (getattr(args, "territory", None), getattr(args, "scenario", None)) if p]
    write_outputs(res, out, analyses, inputs=inputs, force=getattr(args, "force", False))
    _print_result(res, out)
    progress.done()


def cmd_validate(args: argparse.Namespace) -> int:
    """``mutusim validate PATH``: every problem of a territory, or OK."""
    from mutusim.inputs.io import load_territory
    from mutusim.present.formatting import number

    t = load_territory(args.path)
    print(
        f"Données valides : {t.name} ({t.nature}), {number(len(t.communes))} communes, "
        f"{number(t.population)} habitants, {number(len(t.services))} services."
    )
    return 0


def _solve(args: argparse.Namespace, progress: _Progress) -> Result:
    from mutusim.model.pipeline import optimise

    progress("chargement du territoire")
    territory = _territory(args)
    scenario = _scenario(args)
    progress(f"optimisation du scénario ({territory.name})")
    return optimise(territory, scenario)


def cmd_solve(args: argparse.Namespace) -> int:
    """``mutusim solve``: optimise a scenario, write tables, workbook and report."""
    progress = _Progress()
    res = _solve(args, progress)
    _write(res, Path(args.out), args, progress)
    return 0 if res.has_plan else 3


def cmd_schema(args: argparse.Namespace) -> int:
    """``mutusim schema``: the schéma de mutualisation of a plan (HTML and workbook)."""
    from mutusim.analysis.suite import analyse
    from mutusim.present.mutualisation import write_schema

    progress = _Progress()
    res = _solve(args, progress)
    if not res.has_plan:
        _print_result(res, None)
        return 3
    progress("feuille de route et effets par employeur")
    analyses = analyse(res, prices=False)
    progress("écriture du schéma (HTML et classeur)")
    paths = write_schema(res, Path(args.out), analyses)
    _print_result(res, None)
    print(f"  schéma de mutualisation : {paths['html']} et {paths['workbook']}")
    progress.done()
    return 0


def cmd_suivi(args: argparse.Namespace) -> int:
    """``mutusim suivi``: the plan against the actuals of the year (progress note)."""
    from mutusim.analysis.followup import follow_up
    from mutusim.inputs.actuals import read_actuals
    from mutusim.present.labels import explanation
    from mutusim.present.progress_note import _year_paragraph, write_followup

    progress = _Progress()
    res = _solve(args, progress)
    if not res.has_plan:
        for line in explanation(res):
            print(f"  - {line}")
        return 3
    progress("lecture des réalisations")
    actuals = read_actuals(args.actuals, res.territory)
    progress("feuille de route du plan et comparaison")
    followup = follow_up(res, actuals)
    progress("écriture de la note d'avancement (HTML et classeur)")
    paths = write_followup(res, followup, Path(args.out))
    for y in followup.years:
        print(_year_paragraph(res, followup, y))
    print(f"  note d'avancement : {paths['html']} et {paths['workbook']}")
    progress.done()
    return 0


def cmd_notebook_html(args: argparse.Namespace) -> int:
    """``mutusim notebook-html``: execute notebooks and export them to HTML without code."""
    from mutusim.present.notebook_export import export_notebook

    progress = _Progress()
    for nb in args.notebooks:
        progress(f"exécution et export de {Path(nb).name}")
        path = export_notebook(nb, Path(args.out), execute=not args.no_execute)
        print(f"  {path}")
    progress.done()
    return 0


def cmd_votes(args: argparse.Namespace) -> int:
    """``mutusim votes --service S``: who votes for a transfer, which councils block it."""
    from mutusim.core.law import vote_tables
    from mutusim.core.scenario import check_scenario
    from mutusim.errors import NotFoundError
    from mutusim.present.formatting import number
    from mutusim.present.labels import vote_reason

    t = _territory(args)
    sc = _scenario(args)
    check_scenario(sc, t)
    votes, majorities = vote_tables(t, sc)
    if args.service not in set(majorities["service"]):
        known = (
            ", ".join(
                f"{s} ({t.services.at[s, 'name']})" for s in sorted(set(majorities["service"]))
            )
            or "aucune"
        )
        if args.service in t.services.index and t.is_mandatory(args.service):
            raise NotFoundError(
                f"« {args.service} » est une compétence obligatoire d'une {t.nature} : la loi "
                f"la transfère sans vote des conseils ; compétences soumises au vote : {known}"
            )
        raise NotFoundError(
            f"« {args.service} » n'est pas une compétence transférable de {t.name} ; "
            f"codes des compétences transférables : {known}"
        )
    m = majorities.set_index("service").loc[args.service]
    name = t.services.at[args.service, "name"]
    verdict = "atteinte" if m["majority"] else "NON atteinte"
    print(f"Transfert « {name} » : majorité qualifiée {verdict}")
    print(
        f"  {m['yes']} conseils favorables sur {m['councils']}, "
        f"{number(m['yes_population'])} habitants sur {number(m['population'])}"
    )
    if m["veto_applies"]:
        accord = "favorable" if m["largest_yes"] else "DÉFAVORABLE"
        print(
            f"  la commune la plus peuplée ({t.communes.at[m['largest'], 'name']}) "
            f"doit l'accepter : {accord}"
        )
    against = votes[(votes["service"] == args.service) & ~votes["vote"].astype(bool)]
    against = against.sort_values("population", ascending=False)
    if against.empty:
        print("  aucun conseil défavorable")
    else:
        print("  conseils défavorables (bloquants si la majorité n'est pas atteinte) :")
        for row in against.to_dict("records"):
            why = vote_reason(row["vote_basis"], row["balance_if_transferred"])
            print(f"    {row['commune']} {row['name']} ({number(row['population'])} hab.) : {why}")
    return 0


def cmd_national(args: argparse.Namespace) -> int:
    """``mutusim national --out DIR``: screen every (selected) EPCI of France on Dask, resumably."""
    from mutusim.analysis.national import screen, select_epcis
    from mutusim.present.france import summary_lines, write_summary
    from mutusim.present.progress import ProgressBar

    filters: dict[str, list[str]] = {}
    for item in args.filter or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise MutusimError(f"--filter '{item}': write KEY=VALUE, e.g. --filter region=52")
        filters.setdefault(key.strip(), []).append(value.strip())
    selection = select_epcis(filters)
    out = Path(args.out)
    print(f"Criblage national : {len(selection)} EPCI, résultats dans {out}", file=sys.stderr)
    res = screen(
        selection,
        _scenario(args),
        client=args.scheduler,
        out=out,
        workers=args.workers,
        rules=not args.no_rules,
        retry_failed=args.retry_failed,
        progress=ProgressBar(),
    )
    write_summary(res, out / "synthese")
    for line in summary_lines(res):
        print(line)
    print(f"synthèse (tableaux et graphiques) dans {out / 'synthese'}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """``mutusim demo``: the embedded default territory and the base scenario of the deck."""
    from mutusim.inputs import datasets
    from mutusim.model.pipeline import optimise

    progress = _Progress()
    progress("chargement d'Angers Loire Métropole et du scénario de base")
    territory, scenario = datasets.angers(), datasets.angers_scenarios().base
    progress("optimisation du scénario")
    res = optimise(territory, scenario)
    _write(res, Path(args.out), args, progress)
    return 0 if res.has_plan else 3


_FORCE_HELP = (
    "écrire dans un dossier de sortie qui contient d'autres fichiers (les fichiers de "
    "mutusim sont remplacés, les autres conservés)"
)


def _sources(p: argparse.ArgumentParser, *, scenario_help: str) -> None:
    """The territory and scenario options shared by solve, schema and suivi."""
    src = p.add_mutually_exclusive_group()
    src.add_argument(
        "--territory",
        metavar="DOSSIER",
        help="dossier de fichiers CSV ou classeur .xlsx du territoire",
    )
    src.add_argument(
        "--epci",
        metavar="EPCI",
        help="SIREN ou nom de n'importe quel EPCI de France (calibration illustrative) ; "
        "par défaut Angers Loire Métropole",
    )
    p.add_argument("--scenario", metavar="FICHIER", help=scenario_help)
    p.add_argument(
        "--name",
        metavar="NOM",
        help="nom du scénario dans le fichier YAML (une variante ou une combinaison)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``mutusim`` command (help and messages in French).

    Returns
    -------
    argparse.ArgumentParser
    """
    from mutusim import __version__

    common = _Parser(add_help=False)
    # SUPPRESS: a subcommand's default must not undo a --debug given before it.
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="afficher la trace complète d'une erreur",
    )
    p = _Parser(
        prog="mutusim",
        description="Scénarios de mutualisation des services entre un EPCI et ses communes : "
        "conserver, mutualiser ou transférer, au moindre coût sous les règles de droit.",
        parents=[common],
    )
    p.add_argument(
        "--version",
        action="version",
        version=f"mutusim {__version__}",
        help="afficher la version et quitter",
    )
    sub = p.add_subparsers(
        dest="command", required=True, title="commandes\xa0", metavar="COMMANDE"
    )

    v = sub.add_parser(
        "validate",
        parents=[common],
        help="vérifier les données d'un territoire et signaler tous les problèmes",
        description="Vérifie un territoire (dossier de CSV ou classeur .xlsx) et signale tous "
        "les problèmes à la fois : fichier, ligne, colonne et correction.",
    )
    v.add_argument("path", metavar="CHEMIN", help="dossier de fichiers CSV ou classeur .xlsx")
    v.set_defaults(func=cmd_validate)

    s = sub.add_parser(
        "solve",
        parents=[common],
        help="optimiser un scénario ; écrire les tableaux CSV, le classeur et le rapport HTML",
        description="Optimise un scénario et écrit les tableaux CSV, le classeur Excel "
        "(resultats.xlsx) et le rapport HTML (rapport.html) pour le comité.",
    )
    _sources(s, scenario_help="fichier YAML du scénario (par défaut : toutes les règles)")
    s.add_argument("--solver", choices=["highs", "cbc"], help="solveur (par défaut : highs)")
    s.add_argument(
        "--time-limit",
        type=float,
        dest="time_limit",
        metavar="SECONDES",
        help="limite de temps du solveur, en secondes",
    )
    s.add_argument("--out", required=True, metavar="DOSSIER", help="dossier de sortie")
    s.add_argument("--force", action="store_true", help=_FORCE_HELP)
    s.set_defaults(func=cmd_solve)

    vt = sub.add_parser(
        "votes",
        parents=[common],
        help="qui vote pour un transfert, et quelles communes le bloquent",
        description="Votes des conseils municipaux sur le transfert d'une compétence "
        "(majorité qualifiée, art. L5211-5 II CGCT).",
    )
    vt.add_argument(
        "--service",
        required=True,
        metavar="CODE",
        help="code du service, par exemple espace_public",
    )
    vsrc = vt.add_mutually_exclusive_group()
    vsrc.add_argument(
        "--territory", metavar="DOSSIER", help="dossier de fichiers CSV ou classeur .xlsx"
    )
    vsrc.add_argument(
        "--epci", metavar="EPCI", help="SIREN ou nom de n'importe quel EPCI de France"
    )
    vt.add_argument(
        "--scenario",
        metavar="FICHIER",
        help="fichier YAML du scénario (positions connues, tolérance du vote)",
    )
    vt.add_argument("--name", metavar="NOM", help="nom du scénario dans le fichier YAML")
    vt.set_defaults(func=cmd_votes)

    n = sub.add_parser(
        "national",
        parents=[common],
        help="optimiser tous les EPCI de France (ou une sélection) sur Dask ; reprend un calcul interrompu",
    )
    n.add_argument(
        "--out", required=True, help="dossier de sortie (un calcul déjà commencé y est repris)"
    )
    n.add_argument(
        "--filter",
        action="append",
        metavar="KEY=VALUE",
        help="sélection des EPCI : region=52, departement=49, nature=CC, fiscalite=FPU, "
        "siren=... ; à répéter pour combiner, virgules pour plusieurs valeurs",
    )
    n.add_argument(
        "--scheduler", help="adresse d'un ordonnanceur Dask (par défaut : processus locaux)"
    )
    n.add_argument(
        "--workers", type=int, help="processus de calcul locaux (par défaut : un par cœur)"
    )
    n.add_argument("--scenario", help="fichier YAML du scénario (par défaut : toutes les règles)")
    n.add_argument("--name", help="nom du scénario dans le fichier YAML")
    n.add_argument(
        "--time-limit",
        type=float,
        dest="time_limit",
        help="limite de temps du solveur par EPCI (s)",
    )
    n.add_argument(
        "--no-rules",
        action="store_true",
        help="ne pas mesurer les règles contraignantes (une résolution de moins)",
    )
    n.add_argument(
        "--retry-failed",
        action="store_true",
        help="recalculer les EPCI en échec lors d'un calcul précédent",
    )
    n.set_defaults(func=cmd_national)

    sch = sub.add_parser(
        "schema",
        parents=[common],
        help="écrire le schéma de mutualisation d'un plan (HTML et classeur)",
        description="Optimise un scénario et écrit le schéma de mutualisation (art. "
        "L5211-39-1 CGCT) : état des lieux, projet par service et par commune avec son "
        "instrument juridique, effets sur les effectifs et les dépenses, financement, "
        "calendrier et gouvernance (schema_mutualisation.html et .xlsx).",
    )
    _sources(sch, scenario_help="fichier YAML du scénario (par défaut : toutes les règles)")
    sch.add_argument("--out", required=True, metavar="DOSSIER", help="dossier de sortie")
    sch.set_defaults(func=cmd_schema)

    su = sub.add_parser(
        "suivi",
        parents=[common],
        help="comparer les réalisations de l'année au plan (note d'avancement)",
        description="Compare les réalisations (effectifs, dépenses et organisation par année, "
        "service et employeur : docs/suivi.md) au plan et à sa feuille de route, signale les "
        "écarts et écrit la note d'avancement du débat d'orientation budgétaire (suivi.html "
        "et suivi.xlsx).",
    )
    su.add_argument(
        "--actuals",
        required=True,
        metavar="FICHIER",
        help="tableau des réalisations (.csv ou .xlsx, docs/suivi.md)",
    )
    _sources(su, scenario_help="fichier YAML du scénario du plan adopté")
    su.add_argument("--out", required=True, metavar="DOSSIER", help="dossier de sortie")
    su.set_defaults(func=cmd_suivi)

    nb = sub.add_parser(
        "notebook-html",
        parents=[common],
        help="exécuter des carnets et les exporter en HTML sans le code",
        description="Exécute des carnets Jupyter et les exporte en HTML sans les cellules de "
        "code, pour les partager avec le comité.",
    )
    nb.add_argument("notebooks", nargs="+", metavar="CARNET", help="carnets .ipynb")
    nb.add_argument("--out", required=True, metavar="DOSSIER", help="dossier de sortie")
    nb.add_argument(
        "--no-execute",
        action="store_true",
        dest="no_execute",
        help="exporter les sorties déjà présentes sans exécuter les carnets",
    )
    nb.set_defaults(func=cmd_notebook_html)

    d = sub.add_parser(
        "demo",
        parents=[common],
        help="optimiser le territoire par défaut (Angers Loire Métropole)",
        description="Optimise le scénario de base d'Angers Loire Métropole et écrit ses "
        "résultats et son rapport.",
    )
    d.add_argument(
        "--out",
        default="out/demo",
        metavar="DOSSIER",
        help="dossier de sortie (par défaut : out/demo)",
    )
    d.add_argument("--force", action="store_true", help=_FORCE_HELP)
    d.set_defaults(func=cmd_demo)
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code.

    Parameters
    ----------
    argv : list of str, optional
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 done, 1 user error, 2 usage error, 3 no plan.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    args.debug = getattr(args, "debug", False)
    if getattr(args, "name", None) and not getattr(args, "scenario", None):
        parser.error(f"--name {args.name} needs --scenario, the YAML file that defines it")
    try:
        return int(args.func(args))
    except DataError as exc:
        if args.debug:
            raise
        n = len(exc.problems)
        print(f"mutusim: erreur : {n} problème(s) dans {exc.source} :", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    except MutusimError as exc:
        if args.debug:
            raise
        print(f"mutusim: erreur : {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    except OSError as exc:
        if args.debug:
            raise
        print(f"mutusim: erreur : {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
