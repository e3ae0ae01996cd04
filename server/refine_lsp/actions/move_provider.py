"""Move to module...: one action per likely destination of the top-level definitions under
the cursor or selection. The edit spans several files (and may create one), so the LSP layer
asks ``resolve_workspace`` with the workspace's texts instead of ``resolve``."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from refine_lsp.settings import Settings
from refine_lsp.text.document import DocumentSnapshot

from . import kinds
from .offer import ActionContext, Offer, Refused


def _label(names: list[str]) -> str:
    return f"`{names[0]}`" if len(names) == 1 else f"{len(names)} definitions"


class MoveToModule:
    name = "move"
    kinds = (kinds.REFACTOR_MOVE,)
    edits_workspace = True  # resolve_workspace, not resolve

    def offers(self, ctx: ActionContext) -> list[Offer]:
        from refine_lsp.refactor.move_targets import destinations, selected

        snapshot = ctx.snapshot
        if snapshot.path is None or snapshot.tree is None or snapshot.tree.root_node.has_error:
            return []
        first, last = ctx.span.start.line, ctx.span.end.line
        if last > first and ctx.span.end.col == 0:
            last -= 1  # a selection of whole lines ends at the next line's start
        names = selected(snapshot.text, first, last, snapshot.tree)
        if not names:
            return []
        out = []
        # The module that uses it most costs a look at the package's files: only when asked.
        for i, d in enumerate(destinations(snapshot.path, names, scan_usage=ctx.invoked)):
            title = (
                f"Move {_label(names)} to a new module {d.module or Path(d.path).stem}"
                if d.new
                else f"Move {_label(names)} to {d.module} ({d.why})"
            )
            out.append(
                Offer(
                    self.name,
                    f"move.{i}",
                    kinds.REFACTOR_MOVE,
                    title,
                    {"lines": [first, last], "dest": d.path, "new": d.new, "names": names},
                )
            )
        return out

    def resolve(self, snapshot: DocumentSnapshot, settings: Settings, args: dict) -> str:
        raise Refused(
            "a move edits several files: ask for it through the editor or `refine-lsp move`"
        )

    def resolve_workspace(
        self, snapshot: DocumentSnapshot, settings: Settings, args: dict, files: Mapping[str, str]
    ):
        """The MoveResult (refine_lsp.refactor.move) over ``files`` (path -> text)."""
        from refine_lsp.refactor.move import move

        if snapshot.path is None:
            raise Refused("a move needs a saved file")
        path = str(snapshot.path.resolve())
        files = dict(files)
        files[path] = snapshot.text
        first, last = args["lines"]
        if args.get("new") and args["dest"] in files:
            raise Refused(f"{Path(args['dest']).name} exists now: ask for the actions again")
        return move(files, path, first, last, args["dest"], reexport=settings.move.reexport)
