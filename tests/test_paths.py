"""Where the loop runs a file's tests: inside the editor's workspace folder, never above it."""

from __future__ import annotations

from refine_lsp.paths import workspace_root


def test_the_workspace_folder_when_no_project_marker_lies_between(tmp_path):
    (tmp_path / "pyproject.toml").write_text("")  # the repository above the folder
    folder = tmp_path / "fixtures" / "loop_buggy"
    (folder / "shop").mkdir(parents=True)
    assert workspace_root(folder / "shop" / "pricing.py", [folder]) == folder


def test_a_project_inside_the_folder_is_the_root(tmp_path):
    project = tmp_path / "services" / "billing"
    (project / "billing").mkdir(parents=True)
    (project / "pyproject.toml").write_text("")
    assert workspace_root(project / "billing" / "tax.py", [tmp_path]) == project


def test_outside_every_folder_is_none_and_no_folders_means_markers(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b" / "pkg").mkdir(parents=True)
    (tmp_path / "b" / "setup.py").write_text("")
    assert workspace_root(tmp_path / "b" / "pkg" / "m.py", [tmp_path / "a"]) is None
    assert workspace_root(tmp_path / "b" / "pkg" / "m.py", []) == tmp_path / "b"
