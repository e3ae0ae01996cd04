import os
import sys
import tempfile
from pathlib import Path

# Shared test helpers (lsp_helpers.py) import as top-level modules.
sys.path.insert(0, str(Path(__file__).parent))

# No test may reach the network through litellm.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

# Servers the tests start keep their events store and loop memory here, never in the
# user's ~/.local/state.
os.environ["REFINE_LSP_STATE_DIR"] = tempfile.mkdtemp(prefix="refine-lsp-test-state-")
