"""Offline work on the acceptance model: CUPS telemetry replayed through the server's feature
code (cups), the Copilot-filter baseline, metrics, leave-one-user-out evaluation and ceilings.
The server never imports this package; `refine-lsp acceptance` and scripts/ do."""
