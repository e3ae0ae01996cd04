"""Every code-action kind, command id and custom method refine-lsp answers: defined here once.

The LSP layer registers what is named here, the VS Code extension's package.json contributes
the same ids (tests/test_tables.py), and providers tag their offers with these kinds.
"""

from __future__ import annotations

# Code-action kinds (LSP kinds are hierarchical: "refactor" includes "refactor.extract.*").
QUICKFIX = "quickfix"
REFACTOR = "refactor"
REFACTOR_EXTRACT = "refactor.extract"
REFACTOR_EXTRACT_FUNCTION = "refactor.extract.function"
REFACTOR_EXTRACT_VARIABLE = "refactor.extract.variable"
REFACTOR_INLINE = "refactor.inline"
REFACTOR_MOVE = "refactor.move"  # "Move to module...": one action per likely destination
REFACTOR_REWRITE = "refactor.rewrite"
ORGANIZE_IMPORTS = "source.organizeImports"
FIX_ALL = "source.fixAll.refine"
LOOP = "refactor.rewrite.refine"  # the review-refine loop's verified actions

# What the server declares in its codeActionProvider capability.
CODE_ACTION_KINDS = (
    QUICKFIX,
    REFACTOR_EXTRACT,
    REFACTOR_INLINE,
    REFACTOR_MOVE,
    REFACTOR_REWRITE,
    ORGANIZE_IMPORTS,
    FIX_ALL,
    LOOP,
)

# workspace/executeCommand ids.
RUN_LOOP = "refineLsp.runLoop"
RUN_TESTS = "refineLsp.runTests"  # {uri, version, args: {line}}: the tests reaching a function
REVIEW_WORKSPACE = "refineLsp.reviewWorkspace"
SUGGESTION_ACCEPTED = "refineLsp.suggestionAccepted"
ACCEPTANCE_STATS = "refineLsp.acceptanceStats"
ACCEPTANCE_RESET = "refineLsp.acceptanceReset"  # [kind?]: hidden hints of that kind show again
HIDE_HINTS = "refineLsp.hideHintsLikeThis"  # "Hide hints like this": an explicit rejection
COMMANDS = (
    RUN_LOOP,
    RUN_TESTS,
    REVIEW_WORKSPACE,
    SUGGESTION_ACCEPTED,
    ACCEPTANCE_STATS,
    ACCEPTANCE_RESET,
    HIDE_HINTS,
)
# Code actions that run one of these commands instead of carrying an edit.
COMMAND_ACTIONS = frozenset({RUN_LOOP, RUN_TESTS, ACCEPTANCE_RESET, HIDE_HINTS})

# "Run tests for this function", the loop's one action that is not a loop mode
# (refine.modes.MODES holds those): its kind, its title ("<title>: <function>") and the
# VS Code extension's command for it (package.json and refineActions.ts, tests/test_architecture.py).
RUN_TESTS_KIND = f"{LOOP}.tests"
RUN_TESTS_TITLE = "Run tests for this function"
RUN_TESTS_VSCODE = "refineLsp.runTestsForFunction"

# refine-lsp's own methods.
SUGGESTION_REJECTED = "refineLsp/suggestionRejected"  # notification {id}
SERVER_STATS = "refineLsp/stats"  # request: server-side timings
# notification to the client: {model, hiddenHints, modelError, work}, each field optional, sent
# when it changes (the VS Code status item shows it)
STATUS = "$/refineLsp/status"
