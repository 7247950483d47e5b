"""scripts/render_screenshots.py: docs/screenshot.png is only replaced for the default
output folder. The rendering child processes are replaced by a stand-in that writes
the pictures, so this checks the parent's choices without starting Qt three times."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "render_screenshots.py"


@pytest.fixture
def script(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("render_screenshots_under_test", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    root = tmp_path / "project"
    root.mkdir()
    monkeypatch.setattr(module, "ROOT", root)
    monkeypatch.setattr(module, "DEFAULT_OUT", root / "screenshots")
    children: list[list[str]] = []

    def render_child(command, **_kwargs):
        children.append(command)
        out = Path(command[command.index("--out") + 1])
        for rendered in module.DOCS_PICTURES:
            (out / rendered).write_bytes(f"picture {rendered}".encode())
        return SimpleNamespace(returncode=0)

    monkeypatch.setattr(module.subprocess, "run", render_child)
    module.children = children
    return module


def test_another_out_folder_leaves_the_readme_picture_alone(script, tmp_path):
    out = tmp_path / "review"
    assert script.main(["--out", str(out)]) == 0
    assert (out / script.README_PICTURE).read_bytes() == b"picture demo-loaded@1x.png"
    assert len(script.children) == 3  # 1x, 2x, dark
    assert not (script.ROOT / "docs" / "screenshot.png").exists()


def test_the_default_folder_updates_the_readme_picture(script):
    assert script.main([]) == 0
    docs = script.ROOT / "docs"
    assert (docs / "screenshot.png").read_bytes() == b"picture demo-loaded@1x.png"
    assert (docs / "generate.png").read_bytes() == b"picture generate-dialog@1x.png"
    assert (docs / "cards.png").read_bytes() == b"picture cards-dialog@1x.png"


def test_no_docs_keeps_the_readme_picture_even_for_the_default_folder(script):
    assert script.main(["--no-docs"]) == 0
    assert (script.ROOT / "screenshots" / script.README_PICTURE).exists()
    assert not (script.ROOT / "docs" / "screenshot.png").exists()


def test_the_real_script_still_parses_its_options():
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--help"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert "--no-docs" in done.stdout and "--out" in done.stdout
