"""Packaging: the helpers in packaging/build.py, the icon maker, the installer scripts,
and (slow) the real PyInstaller bundle built for this platform and smoke-tested.

The slow test builds the one-folder bundle into a temporary folder, or checks an
already built one when CANVAS_LOGINS_BUNDLE names its dist folder. It fails, never
skips, when PyInstaller is missing: CI installs the ``packaging`` extra.
"""

from __future__ import annotations

import importlib.util
import os
import plistlib
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
BUNDLE_ENV = "CANVAS_LOGINS_BUNDLE"


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


build = _load("canvas_logins_build", PACKAGING / "build.py")
make_icons = _load("canvas_logins_make_icons", PACKAGING / "make_icons.py")


# --- version and metadata -------------------------------------------------------------


def test_version_is_read_from_pyproject():
    expected = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert build.read_version() == expected["project"]["version"]


def test_version_of_another_pyproject(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "x"\nversion = "2.10.3rc1"\n', encoding="utf-8")
    assert build.read_version(pyproject) == "2.10.3rc1"
    assert build.version_tuple("2.10.3rc1") == (2, 10, 3, 0)
    assert build.version_tuple("1.4") == (1, 4, 0, 0)
    assert build.short_version("2.10.3rc1") == "2.10.3"


def test_missing_version_is_a_clear_build_error(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "x"\n', encoding="utf-8")
    with pytest.raises(build.BuildError, match="Cannot read the version"):
        build.read_version(pyproject)


class _Node:
    """Stands in for PyInstaller's version-info classes (which need pefile to import)."""

    def __init__(self, kind, *args, **kwargs):
        self.kind, self.args, self.kwargs = kind, args, kwargs


def _evaluate_version_info(text: str) -> _Node:
    names = [
        "VSVersionInfo",
        "FixedFileInfo",
        "StringFileInfo",
        "StringTable",
        "StringStruct",
        "VarFileInfo",
        "VarStruct",
    ]
    namespace = {name: (lambda *a, _n=name, **k: _Node(_n, *a, **k)) for name in names}
    return eval(text, {"__builtins__": {}}, namespace)


def test_windows_version_info_text():
    text = build.windows_version_info("3.2.1", "Canvas Logins.exe", "Canvas Logins")
    info = _evaluate_version_info(text)
    assert info.kind == "VSVersionInfo"
    fixed = info.kwargs["ffi"]
    assert fixed.kwargs["filevers"] == (3, 2, 1, 0)
    assert fixed.kwargs["prodvers"] == (3, 2, 1, 0)
    string_file_info, var_file_info = info.kwargs["kids"]
    table = string_file_info.args[0][0]
    assert table.args[0] == "040904B0"
    strings = {struct.args[0]: struct.args[1] for struct in table.args[1]}
    assert strings["FileVersion"] == "3.2.1"
    assert strings["ProductVersion"] == "3.2.1"
    assert strings["ProductName"] == "Canvas Logins"
    assert strings["OriginalFilename"] == "Canvas Logins.exe"
    assert var_file_info.args[0][0].args == ("Translation", [1033, 1200])


def test_version_files_for_both_executables(tmp_path):
    files = build.write_version_files("0.9.0", tmp_path)
    assert set(files) == {"app", "cli"}
    cli_info = _evaluate_version_info(files["cli"].read_text(encoding="utf-8"))
    table = cli_info.kwargs["kids"][0].args[0][0]
    strings = {struct.args[0]: struct.args[1] for struct in table.args[1]}
    assert strings["OriginalFilename"] == "canvas-logins-cli.exe"


def test_info_plist_values():
    plist = build.info_plist("1.5.0rc2")
    assert plist["CFBundleIdentifier"] == build.BUNDLE_ID
    assert plist["CFBundleShortVersionString"] == "1.5.0"
    assert plist["CFBundleVersion"] == "1.5.0rc2"
    assert plist["NSHighResolutionCapable"] is True
    assert plist["LSMinimumSystemVersion"] == build.MIN_MACOS
    assert plistlib.loads(plistlib.dumps(plist)) == plist


def test_platform_layout():
    dist = Path("dist")
    assert build.target_platform("win32") == "windows"
    assert build.target_platform("darwin") == "macos"
    assert build.target_platform("linux") == "linux"
    assert build.app_executable(build.bundle_path(dist, "linux"), "linux") == Path(
        "dist/canvas-logins/canvas-logins"
    )
    assert build.cli_executable(build.bundle_path(dist, "windows"), "windows") == Path(
        "dist/canvas-logins/canvas-logins-cli.exe"
    )
    assert build.app_executable(build.bundle_path(dist, "windows"), "windows") == Path(
        "dist/canvas-logins/Canvas Logins.exe"
    )
    mac_app = build.bundle_path(dist, "macos")
    assert mac_app == Path("dist/Canvas Logins.app")
    assert build.cli_executable(mac_app, "macos") == mac_app / "Contents/MacOS/canvas-logins-cli"


def test_summary_line_pattern_matches_the_cli_contract():
    line = (
        "created 5, already existed 1, updated 2, deleted 1, already deleted 0, "
        "failed 0, invalid 3 in 0.4 s"
    )
    assert build.SUMMARY_RE.match(line)
    assert not build.SUMMARY_RE.match("created 5 in 0.4 s")


def test_keyring_entry_points_are_read_from_bundled_metadata(tmp_path):
    dist_info = tmp_path / "_internal" / "keyring-25.0.0.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "entry_points.txt").write_text(
        "[console_scripts]\nkeyring = keyring.cli:main\n\n"
        "[keyring.backends]\nSecretService = keyring.backends.SecretService\n"
        "macOS = keyring.backends.macOS\n",
        encoding="utf-8",
    )
    assert build.keyring_entry_points(tmp_path) == [
        "keyring.backends.SecretService",
        "keyring.backends.macOS",
    ]
    with pytest.raises(build.SmokeError, match="keyring"):
        build.keyring_entry_points(tmp_path / "_internal" / "elsewhere")


# --- icons ------------------------------------------------------------------------------


#: The modern ICNS entries (ic07-ic14): 128-512 at 1x, 16-512 at 2x (Retina).
ICNS_ENTRIES = {(16, 16, 2), (32, 32, 2), *((s, s, k) for s in (128, 256, 512) for k in (1, 2))}


def _icns_entries(path: Path) -> set[tuple[int, int, int]]:
    from PIL import Image

    with Image.open(path) as image:
        return set(image.info["sizes"])


def test_make_icons_writes_every_size(tmp_path):
    from PIL import Image

    written = make_icons.write_icons(tmp_path)
    names = {path.name for path in written}
    assert {"icon.svg", "icon.png", "icon.ico", "icon.icns"} <= names

    with Image.open(tmp_path / "icon.ico") as ico:
        assert {(s, s) for s in make_icons.ICO_SIZES} <= set(ico.info["sizes"])
    assert _icns_entries(tmp_path / "icon.icns") >= ICNS_ENTRIES
    with Image.open(tmp_path / "icon.png") as png:
        assert png.size == (512, 512)
        assert png.mode == "RGBA"
        assert png.getpixel((0, 0))[3] == 0, "corners are transparent"
        assert png.getpixel((256, 60))[3] == 255, "the tile is opaque"
    for size in make_icons.PNG_SIZES:
        with Image.open(tmp_path / f"icon-{size}.png") as png:
            assert png.size == (size, size)

    svg = ET.fromstring((tmp_path / "icon.svg").read_text(encoding="utf-8"))
    assert svg.get("viewBox") == "0 0 1024 1024"
    assert len(list(svg)) == len(make_icons.SHAPES) + 1  # shapes and the title


def test_committed_icons_are_complete():
    from PIL import Image

    resources = ROOT / "resources"
    with Image.open(resources / "icon.ico") as ico:
        assert {(s, s) for s in make_icons.ICO_SIZES} <= set(ico.info["sizes"])
    assert _icns_entries(resources / "icon.icns") >= ICNS_ENTRIES
    assert (resources / "icon.svg").read_text(encoding="utf-8") == make_icons.svg_text()


# --- installer scripts ------------------------------------------------------------------


def test_inno_setup_script_installs_per_user_and_upgrades_in_place():
    iss = (PACKAGING / "windows" / "canvas-logins.iss").read_text(encoding="utf-8")
    assert "PrivilegesRequired=lowest" in iss
    assert r"DefaultDirName={localappdata}\Programs\{#AppName}" in iss
    assert "AppId={{8E4F2C1A-5B7D-4E2F-9C3A-6D1B0F7E2A45}" in iss
    # the setup .exe carries the app version (Inno would stamp 0.0.0.0 otherwise)
    assert "VersionInfoVersion={#AppVersion}" in iss
    assert "{autoprograms}" in iss
    assert "[UninstallDelete]" not in iss.split("; No [UninstallDelete]")[0]


def test_macos_scripts_skip_without_secrets(tmp_path):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    result = subprocess.run(
        ["bash", str(PACKAGING / "macos" / "sign_and_notarize.sh"), "dmg", "x.dmg"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "signing skipped" in result.stdout
    plist = plistlib.loads((PACKAGING / "macos" / "entitlements.plist").read_bytes())
    assert plist["com.apple.security.cs.allow-unsigned-executable-memory"] is True


def test_build_fails_clearly_without_entry_script(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(build.APP_ENTRY_ENV, str(tmp_path / "missing_app.py"))
    monkeypatch.setenv(build.CLI_ENTRY_ENV, str(tmp_path / "missing_cli.py"))
    assert build.main(["--dist", str(tmp_path / "dist"), "--work", str(tmp_path / "w")]) == 2
    assert "does not exist" in capsys.readouterr().err


# --- the real bundle ----------------------------------------------------------------------


@pytest.mark.slow
def test_bundle_builds_and_passes_smoke_checks(tmp_path):
    """Build (or take) the bundle, then: app --self-test offscreen, cli --version,
    keyring metadata, and a cli run of the bundled demo workbook against the bundled
    sandbox on 127.0.0.1."""
    import PyInstaller  # noqa: F401  (missing PyInstaller must fail this test)

    given = os.environ.get(BUNDLE_ENV)
    if given:
        command = ["--smoke-only", "--dist", given]
    else:
        command = ["--smoke", "--dist", str(tmp_path / "dist"), "--work", str(tmp_path / "w")]
    env = {
        k: v for k, v in os.environ.items() if k not in (build.APP_ENTRY_ENV, build.CLI_ENTRY_ENV)
    }
    result = subprocess.run(
        [sys.executable, str(PACKAGING / "build.py"), *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    output = result.stdout + result.stderr
    print(output)
    assert result.returncode == 0, output
    assert "ok: app --self-test passed" in output
    assert "ok: cli run against the bundled sandbox" in output
    assert "smoke checks passed" in output


def test_linux_menu_entry_script(tmp_path):
    folder = tmp_path / "canvas logins"
    folder.mkdir()
    script = folder / "install-desktop-entry.sh"
    script.write_bytes((PACKAGING / "linux" / "install-desktop-entry.sh").read_bytes())
    app = folder / "canvas-logins"
    app.write_text("#!/bin/sh\n", encoding="utf-8")
    app.chmod(0o755)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path / "home")}

    subprocess.run(["bash", str(script)], env=env, check=True, capture_output=True)
    entry = tmp_path / "home" / ".local/share/applications/canvas-logins.desktop"
    text = entry.read_text(encoding="utf-8")
    assert f'Exec="{folder}/canvas-logins" %f' in text
    assert f"Icon={folder}/_internal/resources/icon.png" in text

    subprocess.run(["bash", str(script), "--remove"], env=env, check=True, capture_output=True)
    assert not entry.exists()
