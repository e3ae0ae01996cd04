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


def _install_client_registration() -> None:
    """pytest-lsp's client declares dynamic registration (its VS Code profile) but answers
    client/registerCapability with MethodNotFound. Real editors accept it: every test client
    does too, and keeps what was registered in ``client.registrations``."""
    from lsprotocol import types
    from pytest_lsp import LanguageClient
    from pytest_lsp import client as pytest_lsp_client

    # pygls passes the client only to a first parameter annotated with its type
    def register(client: LanguageClient, params: types.RegistrationParams):
        if not hasattr(client, "registrations"):
            client.registrations = []
        client.registrations.extend(params.registrations)

    def unregister(client: LanguageClient, params: types.UnregistrationParams):
        gone = {u.id for u in params.unregisterations}
        client.registrations = [r for r in getattr(client, "registrations", []) if r.id not in gone]

    features = pytest_lsp_client.DEFAULT_CLIENT_FEATURES
    features.setdefault(types.CLIENT_REGISTER_CAPABILITY, register)
    features.setdefault(types.CLIENT_UNREGISTER_CAPABILITY, unregister)


_install_client_registration()
