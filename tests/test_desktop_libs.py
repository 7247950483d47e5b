"""scripts/desktop_libs.sh: Qt's window libraries found missing, installed or named.

The script runs with a PATH of stand-ins: ``ldd`` reports what a fresh Debian desktop
lacks, ``apt-get`` records what it is asked to install, ``id`` says who runs it.
Nothing is installed for real.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "desktop_libs.sh"
TOOLS = ("bash", "awk", "sort", "sed", "tr", "uname", "cat", "rm", "touch")

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


def _stand_in(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text("#!/bin/bash\n" + body, encoding="utf-8")
    path.chmod(0o755)


def _bin(tmp_path: Path, *, uid: int, apt: bool) -> tuple[Path, Path, Path]:
    folder = tmp_path / "bin"
    folder.mkdir()
    for tool in TOOLS:
        os.symlink(shutil.which(tool), folder / tool)
    missing = tmp_path / "missing"
    missing.write_text(
        "\tlibxcb-icccm.so.4 => not found\n"
        "\tlibxcb-keysyms.so.1 => not found\n"
        "\tlibxcb-icccm.so.4 => not found\n"
        "\tlibxcb-cursor.so.0 => not found\n",
        encoding="utf-8",
    )
    log = tmp_path / "apt.log"
    _stand_in(folder, "ldd", f'[ -f "{missing}" ] && cat "{missing}"; exit 0\n')
    _stand_in(folder, "id", f"echo {uid}\n")
    if apt:
        _stand_in(
            folder,
            "apt-get",
            f'echo "$@" >> "{log}"\n[ "$1" = install ] && rm -f "{missing}"\nexit 0\n',
        )
    return folder, missing, log


def _run(folder: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        "PATH": str(folder),
        "DISPLAY": ":0",
        "CANVAS_LOGINS_QT_PLUGIN": "/nowhere/libqxcb.so",
        **env,
    }
    return subprocess.run(
        [str(folder / "bash"), str(SCRIPT), "python3"],
        capture_output=True,
        text=True,
        env=environment,
        stdin=subprocess.DEVNULL,
        timeout=30,
    )


def test_missing_libraries_are_installed_with_apt_as_root(tmp_path: Path) -> None:
    folder, missing, log = _bin(tmp_path, uid=0, apt=True)
    done = _run(folder)
    assert done.returncode == 0, done.stderr
    installs = [line for line in log.read_text().splitlines() if line.startswith("install")]
    assert installs == [
        "install -y -qq --no-install-recommends libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1"
    ]
    assert not missing.exists()
    assert "libxcb-icccm.so.4" in done.stderr
    assert "in place" in done.stderr


def test_without_rights_it_names_the_command_and_fails(tmp_path: Path) -> None:
    folder, _, log = _bin(tmp_path, uid=1000, apt=True)
    done = _run(folder)
    assert done.returncode == 1
    assert (
        "sudo apt-get install -y -qq --no-install-recommends libxcb-cursor0 libxcb-icccm4 "
        "libxcb-keysyms1" in done.stderr
    )
    assert not log.exists()
    assert "platform plugin" not in done.stderr


def test_without_a_package_manager_it_names_the_packages(tmp_path: Path) -> None:
    folder, _, _ = _bin(tmp_path, uid=0, apt=False)
    done = _run(folder)
    assert done.returncode == 1
    for package in ("libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1"):
        assert f"  {package}" in done.stderr


def test_nothing_missing_is_silent(tmp_path: Path) -> None:
    folder, missing, log = _bin(tmp_path, uid=0, apt=True)
    missing.unlink()
    done = _run(folder)
    assert (done.returncode, done.stderr) == (0, "")
    assert not log.exists()


def test_no_desktop_is_said_plainly(tmp_path: Path) -> None:
    folder, _, log = _bin(tmp_path, uid=0, apt=True)
    done = _run(folder, DISPLAY="")
    assert done.returncode == 1
    assert "No desktop was found" in done.stderr
    assert not log.exists()


def test_offscreen_needs_no_window_libraries(tmp_path: Path) -> None:
    folder, _, log = _bin(tmp_path, uid=0, apt=True)
    done = _run(folder, QT_QPA_PLATFORM="offscreen")
    assert done.returncode == 0
    assert not log.exists()


def test_demo_script_checks_the_libraries_before_opening_the_app() -> None:
    demo = (SCRIPT.parent / "demo.sh").read_text(encoding="utf-8").splitlines()
    check = demo.index("bash scripts/desktop_libs.sh .venv/bin/python")
    opening = next(i for i, line in enumerate(demo) if "canvas-logins --demo" in line)
    assert check < opening
