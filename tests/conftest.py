import os
import sys
from pathlib import Path

# Shared test helpers (lsp_helpers.py) import as top-level modules.
sys.path.insert(0, str(Path(__file__).parent))

# No test may reach the network through litellm.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
