"""`refine-lsp serve`: the language server over stdio (nothing but LSP on stdout) or TCP."""

from __future__ import annotations

import argparse
import logging
import sys


def configure(parser: argparse.ArgumentParser, verb: str) -> None:
    parser.add_argument("--tcp", metavar="HOST:PORT", help="listen on TCP instead of stdio")
    parser.add_argument("--log-file", help="write the server log here (default: stderr)")
    parser.add_argument(
        "--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"]
    )


def run(args: argparse.Namespace) -> int:
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
    from refine_lsp.lsp import transport
    from refine_lsp.lsp.app import create_server

    server = create_server()
    if args.tcp:
        host, _, port = args.tcp.rpartition(":")
        code = transport.serve_tcp(server, host or "127.0.0.1", int(port))
    else:
        # stdout is the LSP channel: anything else that prints goes to stderr instead.
        stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
        sys.stdout = sys.stderr
        code = transport.serve_stdio(server, stdin, stdout)
    transport.end_process(code)
    return code
