"""Render the app's main states to PNG, at 100% and 200% scale, for docs and review.

    .venv/bin/python scripts/render_screenshots.py [--out FOLDER] [--no-docs]

Each scale renders in its own process (QT_SCALE_FACTOR must be set before Qt starts),
offscreen, with a private CANVAS_LOGINS_HOME and a private built-in sandbox. Files are
named ``<state>@<scale>x.png``; when they go to the default folder (screenshots/), the
README's pictures at 1x are also copied to docs/ (screenshot.png, generate.png, cards.png,
history.png; not with --no-docs, and never for another --out folder).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

WINDOW_SIZE = (1280, 800)
README_PICTURE = "demo-loaded@1x.png"
#: The README's pictures: rendered state -> file in docs/.
DOCS_PICTURES = {
    README_PICTURE: "screenshot.png",
    "generate-dialog@1x.png": "generate.png",
    "cards-dialog@1x.png": "cards.png",
    "history-dialog@1x.png": "history.png",
}
DEFAULT_OUT = ROOT / "screenshots"


def updates_docs(out: Path, no_docs: bool = False) -> bool:
    """Whether a rendering into ``out`` replaces docs/screenshot.png."""
    return not no_docs and out.resolve() == DEFAULT_OUT.resolve()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="folder for the PNG files")
    parser.add_argument(
        "--no-docs",
        action="store_true",
        help="leave docs/screenshot.png alone (it is only updated for the default --out)",
    )
    parser.add_argument("--render", type=int, help=argparse.SUPPRESS)  # the child process
    parser.add_argument("--theme", default="light", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.render:
        return render_all(out, args.render, args.theme)
    runs = [(1, "light"), (2, "light"), (1, "dark")]
    for scale, theme in runs:
        home = tempfile.mkdtemp(prefix="canvas-logins-shots-")
        env = dict(
            os.environ,
            QT_QPA_PLATFORM="offscreen",
            QT_SCALE_FACTOR=str(scale),
            CANVAS_LOGINS_HOME=home,
            CANVAS_LOGINS_THEME=theme,
        )
        command = [sys.executable, __file__, "--out", str(out), "--render", str(scale)]
        command += ["--theme", theme]
        result = subprocess.run(command, env=env, cwd=ROOT, check=False)
        shutil.rmtree(home, ignore_errors=True)
        if result.returncode != 0:
            print(f"rendering at {scale}x ({theme}) failed", file=sys.stderr)
            return result.returncode
    if not updates_docs(out, args.no_docs):
        return 0
    docs = ROOT / "docs"
    docs.mkdir(exist_ok=True)
    for rendered, picture in DOCS_PICTURES.items():
        shutil.copyfile(out / rendered, docs / picture)
        print(f"copied {rendered} to docs/{picture}")
    return 0


# --- the child process ----------------------------------------------------------------


def _settle(app, seconds: float = 0.3) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)


def _wait(app, condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        app.processEvents()
        time.sleep(0.01)


def _save(widget, out: Path, name: str, scale: int, theme: str) -> None:
    suffix = "" if theme == "light" else f"-{theme}"
    path = out / f"{name}{suffix}@{scale}x.png"
    if not widget.grab().save(str(path)):
        raise SystemExit(f"could not write {path}")
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def _memory_keyring():
    """A working in-memory keychain, so the pictures show the normal case."""
    import keyring
    from keyring.backend import KeyringBackend

    class MemoryKeyring(KeyringBackend):
        priority = 1
        items: dict = {}

        def get_password(self, service, username):
            return self.items.get((service, username))

        def set_password(self, service, username, password):
            self.items[(service, username)] = password

        def delete_password(self, service, username):
            self.items.pop((service, username), None)

    keyring.set_keyring(MemoryKeyring())


def render_all(out: Path, scale: int, theme: str) -> int:
    from core import credentials
    from core.connection import start_sandbox_connection
    from core.paths import resource_path
    from core.profiles import Profile, ProfileStore
    from core.workbook import open_workbook
    from gui.app import create_main_window
    from gui.connect_dialog import ConnectDialog
    from gui.prompts import Prompts
    from gui.qt_app import build_app
    from gui.run_dialogs import summary_box

    summaries: list = []

    class ScriptPrompts(Prompts):
        """Errors are printed and the run's summary is kept for its own picture."""

        def show_error(self, title, message):
            print(f"error shown: {title}: {message}")

        def show_summary(self, summary, saved_to, note=""):
            summaries.append((summary, saved_to, note))
            return False

    _memory_keyring()
    app = build_app()
    home = Path(os.environ["CANVAS_LOGINS_HOME"])
    window = create_main_window()
    window.prompts = ScriptPrompts(window)
    window.resize(*WINDOW_SIZE)
    window.show()
    _settle(app)
    _save(window, out, "empty-start", scale, theme)

    def fresh_demo(name: str) -> tuple[str, str]:
        path = home / name
        shutil.copyfile(resource_path("demo.xlsx"), path)
        return str(path), open_workbook(path).sheet

    connection = start_sandbox_connection()
    window.set_connection(connection)
    window.open_file(*fresh_demo("Maple Grove logins.xlsx"))
    _settle(app)
    _save(window, out, "demo-loaded", scale, theme)
    if theme != "light":
        connection.close()
        return 0
    generate = window.generate_logins()
    generate.sheet_choice.setChecked(True)
    _settle(app)
    _save(generate, out, "generate-dialog", scale, theme)
    generate.reject()

    store = ProfileStore()
    store.save(Profile("Maple Grove (test)", "https://maplegrove.test.instructure.com"))
    store.save(Profile("Maple Grove", "https://maplegrove.instructure.com"))
    store.save(Profile("Practice on this computer", connection.sandbox.url))
    credentials.set_token("Practice on this computer", connection.token)
    store.last_used = "Practice on this computer"
    dialog = ConnectDialog(window, store)
    dialog.resize(860, 560)
    dialog.show()
    dialog.test_connection()
    _wait(app, lambda: not dialog.is_busy(), 30, "Test connection")
    _settle(app)
    _save(dialog, out, "connection-dialog", scale, theme)
    dialog.close()

    slow = start_sandbox_connection(latency=0.8)
    window.set_connection(slow)
    connection.close()
    window.open_file(*fresh_demo("Maple Grove logins (run).xlsx"))
    _settle(app)
    fill = window.generate_logins()  # the K-3 job: Ms. Patel's empty logins first
    fill.sheet_choice.setChecked(True)
    fill.avoid_taken.setChecked(False)
    _settle(app)
    fill.accept()
    _settle(app)
    window.run_changes(confirm=False)
    panel = window.widgets.progress_panel
    _wait(app, lambda: panel.bar.value() >= 4, 60, "the run to get going")
    _settle(app, 0.2)
    _save(window, out, "mid-run", scale, theme)
    _wait(app, lambda: bool(summaries), 120, "the run to finish")
    _settle(app)
    _save(window, out, "finished", scale, theme)
    summary, saved_to, note = summaries[0]
    box = summary_box(window, summary, saved_to, note)
    box.show()
    _settle(app)
    _save(box, out, "run-summary", scale, theme)
    box.close()
    history = window.show_run_history()
    history.resize(1180, 660)
    _settle(app)
    _save(history, out, "history-dialog", scale, theme)
    history.close()
    cards = window.print_login_cards()
    _wait(app, lambda: not (cards.job.is_running() or cards.address_job.is_running()), 60, "cards")
    _settle(app)
    _save(cards, out, "cards-dialog", scale, theme)
    cards.reject()
    slow.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
