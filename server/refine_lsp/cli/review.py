"""`refine-lsp review`: the real server, driven headless through a real LSP client (this and
lsp/ are the only modules importing pygls)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient

from refine_lsp.text.files import python_files, read_source

CAPABILITIES = lsp.ClientCapabilities(
    general=lsp.GeneralClientCapabilities(position_encodings=[lsp.PositionEncodingKind.Utf8]),
    text_document=lsp.TextDocumentClientCapabilities(
        diagnostic=lsp.DiagnosticClientCapabilities(),
        code_action=lsp.CodeActionClientCapabilities(
            code_action_literal_support=lsp.ClientCodeActionLiteralOptions(
                code_action_kind=lsp.ClientCodeActionKindOptions(value_set=[""])
            ),
            resolve_support=lsp.ClientCodeActionResolveOptions(properties=["edit"]),
            disabled_support=True,
        ),
    ),
    workspace=lsp.WorkspaceClientCapabilities(
        workspace_edit=lsp.WorkspaceEditClientCapabilities(document_changes=True)
    ),
)


def fix_code_action_union(converter) -> None:
    """lsprotocol reads any code action that carries a command as a bare Command (its union
    hook tests only for the key); a Command's `command` is a string, a CodeAction's an object."""
    from typing import Union

    def hook(obj, _):
        if isinstance(obj.get("command"), str):
            return converter.structure(obj, lsp.Command)
        return converter.structure(obj, lsp.CodeAction)

    converter.register_structure_hook(Union[lsp.Command, lsp.CodeAction], hook)  # noqa: UP007


def _collect(paths: list[str]) -> list[Path]:
    files: list[Path] = []
    for p in map(Path, paths):
        files.extend(python_files(p) if p.is_dir() else [p])
    return files


async def review_files(files: list[Path], settings: dict | None = None) -> list[dict]:
    client = LanguageClient("refine-lsp-review", "0.1")
    fix_code_action_union(client.protocol._converter)
    await client.start_io(sys.executable, "-m", "refine_lsp", "serve", "--log-level", "WARNING")
    root = files[0].resolve().parent if files else Path.cwd()
    await client.initialize_async(
        lsp.InitializeParams(
            capabilities=CAPABILITIES,
            root_uri=root.as_uri(),
            initialization_options=settings,
        )
    )
    client.initialized(lsp.InitializedParams())
    results = []
    try:
        for path in files:
            entry: dict = {"file": str(path), "findings": []}
            results.append(entry)
            try:
                text = read_source(path)
            except (OSError, ValueError) as exc:
                entry["error"] = str(exc)
                continue
            uri = path.resolve().as_uri()
            client.text_document_did_open(
                lsp.DidOpenTextDocumentParams(lsp.TextDocumentItem(uri, "python", 1, text))
            )
            report = await client.text_document_diagnostic_async(
                lsp.DocumentDiagnosticParams(text_document=lsp.TextDocumentIdentifier(uri))
            )
            for diag in getattr(report, "items", []) or []:
                actions = await client.text_document_code_action_async(
                    lsp.CodeActionParams(
                        text_document=lsp.TextDocumentIdentifier(uri),
                        range=diag.range,
                        context=lsp.CodeActionContext(
                            diagnostics=[diag], only=[lsp.CodeActionKind.QuickFix, "refactor"]
                        ),
                    )
                )
                entry["findings"].append(
                    {
                        "line": diag.range.start.line + 1,
                        "column": diag.range.start.character + 1,
                        "code": diag.code,
                        "source": diag.source,
                        "message": diag.message,
                        "actions": [
                            {"title": a.title, "kind": a.kind}
                            | ({"disabled": a.disabled.reason} if a.disabled else {})
                            for a in actions or []
                            if isinstance(a, lsp.CodeAction)
                            and not str(a.kind).startswith("refactor.rewrite.refine")
                        ],
                    }
                )
            whole_file = await client.text_document_code_action_async(
                lsp.CodeActionParams(
                    text_document=lsp.TextDocumentIdentifier(uri),
                    range=lsp.Range(lsp.Position(0, 0), lsp.Position(0, 0)),
                    context=lsp.CodeActionContext(diagnostics=[], only=["source"]),
                )
            )
            entry["source_actions"] = [
                a.title for a in whole_file or [] if isinstance(a, lsp.CodeAction)
            ]
            client.text_document_did_close(
                lsp.DidCloseTextDocumentParams(lsp.TextDocumentIdentifier(uri))
            )
    finally:
        await client.shutdown_async(None)
        client.exit(None)
        await client.stop()
    return results


def configure(parser: argparse.ArgumentParser, verb: str) -> None:
    parser.add_argument("paths", nargs="+", help="Python files or directories")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.add_argument("--settings", help="JSON settings (the refineLsp section) to send")
    parser.add_argument(
        "--record",
        action="store_true",
        help="let the acceptance gate learn from this run (default: a headless run records nothing)",
    )


def run(args: argparse.Namespace) -> int:
    return review_paths(args.paths, as_json=args.json, settings=args.settings, record=args.record)


def review_paths(
    paths: list[str], as_json: bool = False, settings: str | None = None, record: bool = False
) -> int:
    files = _collect(paths)
    if not files:
        print("refine-lsp review: no Python files found", file=sys.stderr)
        return 2
    options = json.loads(settings) if settings else {}
    if not record:  # a headless run is no decision of the user's: the events store stays as it is
        acceptance = options.setdefault("acceptance", {})
        if isinstance(acceptance, dict):
            acceptance.setdefault("record", False)
    results = asyncio.run(review_files(files, options or None))
    if as_json:
        print(json.dumps(results, indent=2))
        return 0
    total = 0
    for entry in results:
        if "error" in entry:
            print(f"{entry['file']}: skipped: {entry['error']}")
            continue
        for f in entry["findings"]:
            total += 1
            print(f"{entry['file']}:{f['line']}:{f['column']}: {f['code']} {f['message']}")
            for a in f["actions"]:
                state = f"  (unavailable: {a['disabled']})" if "disabled" in a else ""
                print(f"    action [{a['kind']}] {a['title']}{state}")
        if entry["findings"] and entry.get("source_actions"):
            print(f"  file actions: {', '.join(entry['source_actions'])}")
    print(f"{total} findings in {len(results)} files")
    return 0
