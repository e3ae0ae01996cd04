"""`refine-lsp serve | review | acceptance | fix | refine`."""

from __future__ import annotations

import argparse
import logging
import sys


def _serve(args: argparse.Namespace) -> int:
    handlers: list[logging.Handler] = [
        logging.FileHandler(args.log_file) if args.log_file else logging.StreamHandler(sys.stderr)
    ]
    logging.basicConfig(
        level=getattr(logging, args.log_level),
        handlers=handlers,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # pygls logs every message at INFO; keep that for --log-level DEBUG only.
    if args.log_level != "DEBUG":
        logging.getLogger("pygls").setLevel(logging.WARNING)
    from refine_lsp.server import create_server

    server = create_server()
    if args.tcp:
        host, _, port = args.tcp.rpartition(":")
        server.start_tcp(host or "127.0.0.1", int(port))
        return 0
    # stdout is the LSP channel: anything else that prints goes to stderr instead.
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr
    server.start_io(stdin, stdout)
    return 0


def _review(args: argparse.Namespace) -> int:
    from refine_lsp.headless import review_paths

    return review_paths(args.paths, as_json=args.json, settings=args.settings)


def _delegate(module: str, argv: list[str]) -> int:
    import importlib

    try:
        mod = importlib.import_module(module)
    except ImportError as exc:
        print(f"refine-lsp: this command is not available: {exc}", file=sys.stderr)
        return 2
    return mod.main(argv)


DELEGATED = {
    "acceptance": "refine_lsp.acceptance.cli",
    "fix": "refine_lsp.refine.cli",
    "refine": "refine_lsp.refine.cli",
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in DELEGATED:
        # fix/refine share one CLI module that takes its own verb first.
        rest = argv if argv[0] in ("fix", "refine") else argv[1:]
        return _delegate(DELEGATED[argv[0]], rest)

    parser = argparse.ArgumentParser(prog="refine-lsp", description=__doc__)
    sub = parser.add_subparsers(dest="command")
    serve = sub.add_parser("serve", help="run the language server (stdio by default)")
    serve.add_argument("--tcp", metavar="HOST:PORT", help="listen on TCP instead of stdio")
    serve.add_argument("--log-file", help="write the server log here (default: stderr)")
    serve.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    serve.set_defaults(run=_serve)
    review = sub.add_parser(
        "review", help="open files in the real server headless and print findings and code actions"
    )
    review.add_argument("paths", nargs="+", help="Python files or directories")
    review.add_argument("--json", action="store_true", help="print JSON instead of text")
    review.add_argument("--settings", help="JSON settings (the refineLsp section) to send")
    review.set_defaults(run=_review)
    for name, help_text in (
        ("acceptance", "train and evaluate the acceptance model (see: acceptance --help)"),
        ("fix", "fix failing tests for the function at FILE:LINE, headless"),
        ("refine", "refine the function at FILE:LINE with checks, headless"),
    ):
        sub.add_parser(name, help=help_text, add_help=False)
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    return args.run(args)
