from refine_lsp.cli import main

raise SystemExit(main())
