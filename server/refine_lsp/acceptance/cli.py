"""`refine-lsp acceptance ...`: offline evaluation and local statistics.

    refine-lsp acceptance evaluate --train A.jsonl --test B.jsonl [--keep 0.95] [--json]
    refine-lsp acceptance evaluate --train A.jsonl --cv users [--keep 0.95] [--json]
    refine-lsp acceptance evaluate ... --plot FILE.png      (needs matplotlib)
    refine-lsp acceptance ceiling --train A.jsonl [--keep 0.95] [--json]
    refine-lsp acceptance stats [--db PATH] [--json]
    refine-lsp acceptance reset [--kind KIND] [--db PATH]

`stats` and `reset` use the server's events store (events.sqlite3 in the state dir:
$REFINE_LSP_STATE_DIR, else $XDG_STATE_HOME/refine-lsp, else ~/.local/state/refine-lsp)
unless --db is given. `stats` never writes to it.

`ceiling` reports upper bounds on what a model on these features can reach (in-sample fit,
oracle threshold) and a learning curve over the number of training users (ceiling.py).
With --json the last line printed is one JSON object:
{"decisions", "keep", "ours": {"auc", "auc_ci95", "accepted_kept", "rejected_hidden",
 "calls_saved", ...}, "baseline": {...the same}, "at_keep": {"0.85": {"ours": {
 "curve_rejected_hidden", "accepted_kept", "rejected_hidden", "calls_saved"}, "baseline": ...},
 "0.90": ..., "0.95": ...}}. Our gate is scored by progressive validation: each decision
is scored before the gate learns from it, as the server runs it. With --cv users each
fold's adaptation rates and calibration are chosen on that fold's training users alone.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from refine_lsp.acceptance.offline.cups import TelemetryError, load_decisions
from refine_lsp.acceptance.store import EVENTS_FILE


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # exit code 2 with a clear message, as argparse
        self.print_usage(sys.stderr)
        raise _UsageError(f"refine-lsp acceptance: {message}")


class _UsageError(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="refine-lsp acceptance", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command")
    ev = sub.add_parser("evaluate", help="fit on --train, report on --test (or --cv users)")
    ev.add_argument("--train", required=True, help="events file (CUPS JSON lines) to fit on")
    ev.add_argument("--test", help="events file to report on")
    ev.add_argument("--cv", choices=["users"], help="leave-one-user-out on --train")
    ev.add_argument("--keep", type=float, default=0.95, help="share of accepted to keep")
    ev.add_argument("--json", action="store_true", help="print one JSON object last")
    ev.add_argument("--plot", metavar="FILE.png", help="draw rejected hidden vs accepted kept")
    ce = sub.add_parser("ceiling", help="upper bounds and learning curve on --train")
    ce.add_argument("--train", required=True, help="events file (CUPS JSON lines)")
    ce.add_argument("--keep", type=float, default=0.95, help="share of accepted to keep")
    ce.add_argument("--json", action="store_true", help="print one JSON object last")
    where = f"default: {EVENTS_FILE} in the state dir, as the server uses"
    st = sub.add_parser(
        "stats", help="what the gate hid (hints per rule, completions), why, and how to undo"
    )
    st.add_argument("--db", help=f"events database ({where})")
    st.add_argument("--json", action="store_true", help="print one JSON object")
    rs = sub.add_parser("reset", help="forget what was learned, so hidden suggestions show")
    rs.add_argument("--kind", help="a rule id (e.g. UP031) or inline_completion; default all")
    rs.add_argument("--db", help=f"events database ({where})")
    return parser


def main(argv: list[str]) -> int:
    argv = list(argv)
    if argv[:1] == ["acceptance"]:
        argv = argv[1:]
    try:
        args = _parser().parse_args(argv)
    except _UsageError as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.command == "evaluate":
        return _evaluate(args)
    if args.command == "ceiling":
        return _ceiling(args)
    if args.command == "stats":
        return _stats(args)
    if args.command == "reset":
        return _reset(args)
    _parser().print_help()
    return 2


def _evaluate(args: argparse.Namespace) -> int:
    from refine_lsp.acceptance.offline import evaluate

    if not 0.0 < args.keep <= 1.0:
        print("refine-lsp acceptance: --keep must be in (0, 1]", file=sys.stderr)
        return 2
    if bool(args.test) == bool(args.cv):
        print("refine-lsp acceptance: give either --test FILE or --cv users", file=sys.stderr)
        return 2
    if args.plot and not _has_matplotlib():
        print(
            "refine-lsp acceptance: --plot needs matplotlib, which is not installed"
            " (pip install 'refine-lsp[plot]', the optional extra, or pip install matplotlib);"
            " nothing was drawn",
            file=sys.stderr,
        )
        return 2
    try:
        train = load_decisions(args.train)
        if args.cv:
            result, folds = evaluate.cross_validate_users(train, args.keep)
        else:
            test = load_decisions(args.test)
            if not test:
                raise ValueError(f"{args.test}: no accept/reject decisions")
            result, folds = evaluate.evaluate_split(train, test, args.keep)
    except (TelemetryError, ValueError) as exc:
        print(f"refine-lsp acceptance: {exc}", file=sys.stderr)
        return 1
    if args.plot:
        _plot(args.plot, folds, result)
    if args.json:
        print(json.dumps(result, sort_keys=True))
    else:
        print(_table(result))
    return 0


def _ceiling(args: argparse.Namespace) -> int:
    from refine_lsp.acceptance.offline.ceiling import ceiling_report

    if not 0.0 < args.keep <= 1.0:
        print("refine-lsp acceptance: --keep must be in (0, 1]", file=sys.stderr)
        return 2
    try:
        report = ceiling_report(load_decisions(args.train), args.keep)
    except (TelemetryError, ValueError) as exc:
        print(f"refine-lsp acceptance: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(report, sort_keys=True))
        return 0
    lo = report["louo"]
    print(f"decisions: {report['decisions']}   users: {report['users']}   keep: {report['keep']}")
    print(
        f"leave-one-user-out  AUC {lo['auc']:.3f} (95% CI {lo['auc_ci95'][0]:.3f}"
        f"-{lo['auc_ci95'][1]:.3f}), rejected hidden with an oracle threshold"
        f" {lo['oracle_rejected_hidden']:.1%}"
    )
    for tag, r in report["in_sample"].items():
        print(
            f"in-sample ({tag}, l2={r['l2']})  AUC {r['auc']:.3f},"
            f" rejected hidden {r['oracle_rejected_hidden']:.1%}"
        )
    curve = ", ".join(f"{p['train_users']}: {p['auc']:.3f}" for p in report["learning_curve"])
    print(f"learning curve (training users: AUC)  {curve}")
    s1 = report["stage1"]
    in_sample = ", ".join(
        f"{r['oracle_calls_saved']:.1%} (l2={r['l2']})" for r in s1["in_sample"].values()
    )
    print(
        f"stage 1 (before the model call, given the whole allowed loss): leave-one-user-out"
        f" AUC {s1['louo']['auc']:.3f}, calls saved with an oracle threshold"
        f" {s1['louo']['oracle_calls_saved']:.1%}; in-sample {in_sample}"
    )
    s1_curve = ", ".join(
        f"{p['train_users']}: {p['auc']:.3f} / {p['oracle_calls_saved']:.1%}"
        for p in s1.get("learning_curve", [])
    )
    if s1_curve:
        print(f"  stage-1 learning curve (training users: AUC / calls saved)  {s1_curve}")
    low = s1["louo"].get("lowest_scored")
    if low:
        print(
            f"  saving {low['saved']:.0%} of calls: the {low['decisions']} lowest-scored"
            f" decisions may hold {low['accepted_allowed']} accepted, they hold"
            f" {low['accepted_there']} (kept {low['kept_there']:.1%})"
        )
    return 0


def _table(result: dict) -> str:
    lines = [f"decisions: {result['decisions']}   keep: {result['keep']}"]
    head = ("auc (95% CI)", "accepted kept", "rejected hidden", "calls saved")
    lines.append(f"{'':10}{head[0]:>22}" + "".join(f"{h:>17}" for h in head[1:]))
    for name in ("ours", "baseline"):
        r = result[name]
        ci = r.get("auc_ci95") or [r["auc"], r["auc"]]
        auc_text = f"{r['auc']:.3f} ({ci[0]:.3f}-{ci[1]:.3f})"
        lines.append(
            f"{name:10}{auc_text:>22}{r['accepted_kept']:>17.1%}"
            f"{r['rejected_hidden']:>17.1%}{r['calls_saved']:>17.1%}"
        )
    at = result.get("at_keep") or {}
    if at:
        lines.append(
            "rejected hidden read off each model's own curve, and the gate as run"
            " (accepted kept / rejected hidden / calls saved):"
        )
    for k, sides in at.items():
        parts = []
        for name in ("ours", "baseline"):
            r = sides[name]
            parts.append(
                f"{name} {r['curve_rejected_hidden']:.1%} (run: {r['accepted_kept']:.1%}"
                f" / {r['rejected_hidden']:.1%} / {r['calls_saved']:.1%})"
            )
        lines.append(f"  keep {k}: " + "; ".join(parts))
    return "\n".join(lines)


def _has_matplotlib() -> bool:
    import importlib.util

    return importlib.util.find_spec("matplotlib") is not None


def _plot(path: str, folds: list, result: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from refine_lsp.acceptance.offline.evaluate import tradeoff_curve

    scored = [s for f in folds for s in f.scored]
    labels = [1 if s.accepted else 0 for s in scored]
    fig, ax = plt.subplots(figsize=(5, 4))
    for name, key in (("ours", "ours2"), ("baseline (Copilot filter)", "baseline")):
        pts = tradeoff_curve([getattr(s, key) for s in scored], labels)
        ax.plot([p[0] for p in pts], [p[1] for p in pts], label=name)
    ax.axvline(result["keep"], linestyle=":", color="grey")
    ax.set_xlabel("accepted kept")
    ax.set_ylabel("rejected hidden")
    ax.set_xlim(0.5, 1.0)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _stats(args: argparse.Namespace) -> int:
    import sqlite3

    from refine_lsp.acceptance.hidden import format_summary, hidden_summary
    from refine_lsp.acceptance.hints import HintGate
    from refine_lsp.acceptance.store import default_db_path, read_only

    path = default_db_path(args.db)
    try:
        counts, state = read_only(path)
    except FileNotFoundError:
        # Nothing recorded yet is a state to report, not a failure: nothing is hidden either.
        print(f"no events recorded yet ({path} does not exist): nothing is hidden")
        return 0
    except (OSError, sqlite3.Error) as exc:
        print(f"refine-lsp acceptance: cannot read {path}: {exc}", file=sys.stderr)
        return 1
    hints = HintGate()
    hints.load_state(state.get("hints") or {})
    totals = state.get("completions") or {}
    summary = hidden_summary(hints, counts, totals, totals, db=path)
    if args.json:
        print(json.dumps({"db": path, "counts": counts, "hidden": summary}, sort_keys=True))
        return 0
    if not counts:
        print("no events recorded yet")
    for kind, by_event in sorted(counts.items()):
        shown = by_event.get("shown", 0)
        won = sum(by_event.get(e, 0) for e in ("accepted", "partially_accepted", "applied"))
        rate = f"{won / shown:.1%}" if shown else "n/a"
        detail = ", ".join(f"{e} {n}" for e, n in sorted(by_event.items()))
        print(f"{kind}: {detail}; accepted of shown {rate}")
    print(format_summary(summary))
    return 0


def _reset(args: argparse.Namespace) -> int:
    from refine_lsp.acceptance.hidden import reset_store
    from refine_lsp.acceptance.store import EventStore, default_db_path

    path = default_db_path(args.db)
    if not os.path.exists(path):
        print(f"refine-lsp acceptance: no events database at {path}: nothing to reset")
        return 0
    store = EventStore(path)
    try:
        done = reset_store(store, args.kind)
    finally:
        store.close()
    if not done:
        print(f"refine-lsp acceptance: nothing was learned for {args.kind} in {path}")
        return 0
    print(f"reset in {path}: {', '.join(done)}")
    print("a running server keeps its own copy: use the command refineLsp.acceptanceReset there")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main(sys.argv[1:]))
