"""The workspace's Python modules: which file is which module, and what imports refer to
(used by rename, and by move to come)."""
