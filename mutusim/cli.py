"""Command line: ``mutusim validate | solve | votes | national | demo`` (PRODUCT.md R6).

The console script only parses arguments and calls library functions; what
it prints for the user is French. Exit codes:

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
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from mutusim.errors import DataError, MutusimError

if TYPE_CHECKING:
    from mutusim.core.result import Result
    from mutusim.core.scenario import Scenario
    from mutusim.core.territory import Territory

__all__ = ["build_parser", "main"]


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
    from mutusim.present.labels import STATUS_LABELS, explanation

    s = res.summary()
    status = STATUS_LABELS.get(s["status"], s["status"])
    print(f"Scénario « {s['scenario']} » sur {res.territory.name} : {status}")
    sch = res.schedule
    if res.has_plan and sch is not None:
        years = f"{res.scenario.start_year}-{res.scenario.end_year}"
        starts = ", ".join(
            f"{res.territory.services.at[srv, 'name']} ({y})" for srv, y in res.starts.items()
        )
        print(f"  valeur actuelle nette {years} : {euros(sch.npv)}")
        print(f"  économies cumulées {years} : {euros(sch.total_savings)}")
        print(f"  coût actuel                      {euros(s['baseline_cost'], per_year=True):>22}")
        print(f"  coût du plan en régime permanent {euros(s['total_cost'], per_year=True):>22}")
        print(f"  économies en régime permanent    {euros(s['savings'], per_year=True):>22}")
        print(f"  changements : {starts or 'aucun'}")
        print(
            f"  construction {number(s['build_seconds'], 2)} s, résolution "
            f"{number(s['solve_seconds'], 2)} s, écart d'optimalité {percent(s['gap'], 2)}"
        )
    for line in explanation(res):
        print(f"  - {line}")
    if out_dir is not None:
        print(f"  résultats écrits dans {out_dir}")


def _write(res: Result, out: Path, args: argparse.Namespace) -> None:
    from mutusim.analysis.suite import analyse
    from mutusim.present.outputs import write_outputs

    analyses = analyse(res)
    inputs = [p for p in (getattr(args, "territory", None), getattr(args, "scenario", None)) if p]
    write_outputs(res, out, analyses, inputs=inputs, force=getattr(args, "force", False))
    _print_result(res, out)


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


def cmd_solve(args: argparse.Namespace) -> int:
    """``mutusim solve``: optimise a scenario, write tables, workbook and report."""
    from mutusim.model.pipeline import optimise

    res = optimise(_territory(args), _scenario(args))
    _write(res, Path(args.out), args)
    return 0 if res.has_plan else 3


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
        known = sorted(set(majorities["service"]))
        if args.service in t.services.index and t.is_mandatory(args.service):
            raise NotFoundError(
                f"'{args.service}' is a competence mandatory for a {t.nature}: the law transfers "
                f"it without a vote of the councils; services put to the vote: {known}"
            )
        raise NotFoundError(
            f"'{args.service}' is not a transferable service of {t.name}; transferable: {known}"
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

    res = optimise(datasets.angers(), datasets.angers_scenarios().base)
    _write(res, Path(args.out), args)
    return 0 if res.has_plan else 3


_FORCE_HELP = (
    "write into an output folder that holds other files (mutusim's files are replaced, "
    "the others kept)"
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``mutusim`` command.

    Returns
    -------
    argparse.ArgumentParser
    """
    from mutusim import __version__

    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: a subcommand's default must not undo a --debug given before it.
    common.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks"
    )
    p = argparse.ArgumentParser(
        prog="mutusim",
        description="Mutualisation scenarios for an EPCI and its communes.",
        parents=[common],
    )
    p.add_argument("--version", action="version", version=f"mutusim {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    v = sub.add_parser(
        "validate",
        parents=[common],
        help="check a territory (folder of CSVs or .xlsx) and report every problem",
    )
    v.add_argument("path")
    v.set_defaults(func=cmd_validate)

    s = sub.add_parser(
        "solve",
        parents=[common],
        help="optimise a scenario and write CSV tables, an .xlsx and an HTML report",
    )
    src = s.add_mutually_exclusive_group()
    src.add_argument("--territory", help="folder of CSV files or .xlsx workbook")
    src.add_argument(
        "--epci", help="SIREN or name of any EPCI of France (illustrative calibration)"
    )
    s.add_argument("--scenario", help="scenario YAML file (default: every rule on)")
    s.add_argument(
        "--name", help="scenario name within the YAML file (an override or combination)"
    )
    s.add_argument("--solver", choices=["highs", "cbc"])
    s.add_argument(
        "--time-limit", type=float, dest="time_limit", help="solver time limit in seconds"
    )
    s.add_argument("--out", required=True, help="output folder")
    s.add_argument("--force", action="store_true", help=_FORCE_HELP)
    s.set_defaults(func=cmd_solve)

    vt = sub.add_parser(
        "votes", parents=[common], help="who votes for a transfer, and which communes block it"
    )
    vt.add_argument("--service", required=True, help="service code, e.g. espace_public")
    vsrc = vt.add_mutually_exclusive_group()
    vsrc.add_argument("--territory", help="folder of CSV files or .xlsx workbook")
    vsrc.add_argument("--epci", help="SIREN or name of any EPCI of France")
    vt.add_argument("--scenario", help="scenario YAML file (stances, vote tolerance)")
    vt.add_argument("--name", help="scenario name within the YAML file")
    vt.set_defaults(func=cmd_votes)

    n = sub.add_parser(
        "national",
        parents=[common],
        help="optimise every EPCI of France (or a selection) on Dask; resumable",
    )
    n.add_argument("--out", required=True, help="output folder (an existing run there is resumed)")
    n.add_argument(
        "--filter",
        action="append",
        metavar="KEY=VALUE",
        help="select EPCIs: region=52, departement=49, nature=CC, fiscalite=FPU, siren=...; "
        "repeat to combine, commas for several values",
    )
    n.add_argument("--scheduler", help="address of a Dask scheduler (default: local processes)")
    n.add_argument("--workers", type=int, help="local worker processes (default: the cores)")
    n.add_argument("--scenario", help="scenario YAML file (default: every rule on)")
    n.add_argument("--name", help="scenario name within the YAML file")
    n.add_argument(
        "--time-limit", type=float, dest="time_limit", help="solver time limit per EPCI [s]"
    )
    n.add_argument(
        "--no-rules",
        action="store_true",
        help="skip the measure of binding rules (one solve less)",
    )
    n.add_argument(
        "--retry-failed", action="store_true", help="compute again the EPCIs that failed before"
    )
    n.set_defaults(func=cmd_national)

    d = sub.add_parser(
        "demo",
        parents=[common],
        help="optimise the embedded default territory (Angers Loire Métropole)",
    )
    d.add_argument("--out", default="out/demo")
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
