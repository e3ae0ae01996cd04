"""`refine-lsp VERB ...`: one table of verbs. The loop's verbs come from refine.modes, so the
CLI, the server and the VS Code extension offer the same ones."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable
from dataclasses import dataclass

from refine_lsp.refine.modes import MODES


@dataclass(frozen=True)
class Verb:
    name: str
    help: str
    module: str  # "refine_lsp.cli.x": configure(parser, verb) and run(args) -> int
    delegated: bool = False  # the module parses its own arguments: main(argv) -> int


VERBS: dict[str, Verb] = {
    v.name: v
    for v in (
        Verb("serve", "run the language server (stdio by default)", "refine_lsp.cli.serve"),
        Verb(
            "review",
            "open files in the real server headless and print findings and code actions",
            "refine_lsp.cli.review",
        ),
        *(Verb(m.id, m.help + ", headless", "refine_lsp.cli.loop") for m in MODES.values()),
        Verb(
            "rename",
            "rename the name at FILE:LINE:COL in every file of the workspace; prints the diff",
            "refine_lsp.cli.rename",
        ),
        Verb(
            "move",
            "move the top-level definition at FILE:LINE to DEST_MODULE, imports rewritten; prints the diff",
            "refine_lsp.cli.move",
        ),
        Verb(
            "acceptance",
            "evaluate the acceptance model and inspect your events store (acceptance --help)",
            "refine_lsp.acceptance.cli",
            delegated=True,
        ),
    )
}


def _module(verb: Verb):
    try:
        return importlib.import_module(verb.module)
    except ImportError as exc:
        print(f"refine-lsp: the command {verb.name!r} is not available: {exc}", file=sys.stderr)
        return None


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in VERBS and VERBS[argv[0]].delegated:
        module = _module(VERBS[argv[0]])
        return 2 if module is None else module.main(argv[1:])

    parser = argparse.ArgumentParser(
        prog="refine-lsp", description="A Python language server that offers only verified edits."
    )
    sub = parser.add_subparsers(dest="command")
    runs: dict[str, Callable[[argparse.Namespace], int]] = {}
    for verb in VERBS.values():
        if verb.delegated:
            sub.add_parser(verb.name, help=verb.help, add_help=False)
            continue
        verb_parser = sub.add_parser(verb.name, help=verb.help, description=verb.help)
        if argv[:1] == [verb.name] or not argv or argv[0] in ("-h", "--help"):
            module = _module(verb)
            if module is None:
                return 2
            module.configure(verb_parser, verb.name)
            runs[verb.name] = module.run
    args = parser.parse_args(argv)
    if args.command not in runs:
        parser.print_help()
        return 2
    return runs[args.command](args)
