"""Fonts for the login cards: the bundled DejaVu faces, and system fonts for other scripts.

Why: a card must print a child's name in whatever script it is written. DejaVu Sans
(bundled in ``resources/fonts``, free to embed) draws Latin with Vietnamese, Greek,
Cyrillic, Hebrew and Arabic. Chinese, Japanese and Korean names need a font the
computer already has, since a CJK font is too big to ship: known font files are looked
for on Windows, macOS and Linux, and on Linux fontconfig is asked as well. A font is
opened only when a character is still missing, so the usual Latin-only class costs
nothing.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import subprocess
import sys
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from fontTools.ttLib import TTFont

from core.paths import resource_path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FontFile:
    """One font face: a file, and for a ``.ttc``/``.otc`` collection the face's index."""

    path: Path
    index: int = 0


SANS = "DejaVuSans.ttf"
SANS_BOLD = "DejaVuSans-Bold.ttf"
#: Logins and passwords: a monospaced face where I, l, 1, O and 0 all look different.
MONO_BOLD = "DejaVuSansMono-Bold.ttf"
BUNDLED = (SANS, SANS_BOLD, MONO_BOLD)

#: How many characters fontconfig is asked about before giving up on the rest.
_FONTCONFIG_QUESTIONS = 24


def bundled_font(name: str) -> FontFile:
    return FontFile(resource_path("fonts") / name)


def needs_glyph(char: str) -> bool:
    """False for spaces and invisible marks (bidi controls, joiners) that draw nothing."""
    return not char.isspace() and unicodedata.category(char) not in ("Cc", "Cf")


@functools.lru_cache(maxsize=64)
def font_codepoints(font: FontFile) -> frozenset[int]:
    """The characters a font draws; empty when the file cannot be read as a font."""
    try:
        with TTFont(str(font.path), fontNumber=font.index, lazy=True) as face:
            return frozenset(face.getBestCmap() or {})
    except Exception as exc:  # a broken or unusual font file is just not used
        log.info("font %s (face %d) not usable: %s", font.path, font.index, exc)
        return frozenset()


def _windows_candidates() -> list[FontFile]:
    folders = [Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"]
    local = os.environ.get("LOCALAPPDATA")
    if local:
        folders.append(Path(local) / "Microsoft" / "Windows" / "Fonts")
    names = (
        # Chinese, Japanese, Korean first: the scripts DejaVu lacks that schools meet most.
        "msyh.ttc",
        "msyh.ttf",
        "YuGothM.ttc",
        "meiryo.ttc",
        "malgun.ttf",
        "simsun.ttc",
        "msgothic.ttc",
        # Indic, Thai, Ethiopic and more.
        "Nirmala.ttf",
        "LeelawUI.ttf",
        "ebrima.ttf",
        "micross.ttf",
        "seguisym.ttf",
        "arialuni.ttf",
    )
    return [FontFile(folder / name) for name in names for folder in folders]


def _mac_candidates() -> list[FontFile]:
    system, supplemental = Path("/System/Library/Fonts"), Path("/System/Library/Fonts/Supplemental")
    return [
        FontFile(system / "PingFang.ttc"),
        FontFile(system / "Hiragino Sans GB.ttc"),
        FontFile(system / "ヒラギノ角ゴシック W3.ttc"),
        FontFile(system / "AppleSDGothicNeo.ttc"),
        FontFile(system / "STHeiti Light.ttc"),
        FontFile(supplemental / "Arial Unicode.ttf"),
        FontFile(Path("/Library/Fonts/Arial Unicode.ttf")),
        FontFile(supplemental / "Songti.ttc"),
        FontFile(system / "Thonburi.ttc"),
        FontFile(system / "Kohinoor.ttc"),
    ]


def _linux_candidates() -> list[FontFile]:
    noto = "NotoSansCJK-Regular.ttc"
    return [
        FontFile(Path("/usr/share/fonts/opentype/noto") / noto),
        FontFile(Path("/usr/share/fonts/noto-cjk") / noto),
        FontFile(Path("/usr/share/fonts/google-noto-cjk") / noto),
        FontFile(Path("/usr/share/fonts/google-noto-sans-cjk-fonts") / noto),
        FontFile(Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf")),
        FontFile(Path("/usr/share/fonts-droid-fallback/truetype/DroidSansFallback.ttf")),
        FontFile(Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")),
        FontFile(Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")),
        FontFile(Path("/usr/share/fonts/wenquanyi/wqy-zenhei/wqy-zenhei.ttc")),
    ]


def system_font_candidates(platform: str | None = None) -> list[FontFile]:
    """Known broad-coverage fonts that exist on this computer, best first."""
    platform = platform or sys.platform
    if platform.startswith("win"):
        found = _windows_candidates()
    elif platform == "darwin":
        found = _mac_candidates()
    else:
        found = _linux_candidates()
    return [font for font in found if font.path.is_file()]


def _fontconfig_fonts(char: str) -> list[FontFile]:
    """Fonts fontconfig knows that draw ``char`` (Linux and other Unix), sans faces first."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return []
    try:
        answer = subprocess.run(
            [fc_list, f":charset={ord(char):x}", "--format=%{file}\t%{index}\n"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return []
    fonts: list[FontFile] = []
    for line in answer.stdout.splitlines():
        path, _, index = line.partition("\t")
        if path.lower().endswith((".ttf", ".otf", ".ttc", ".otc")):
            fonts.append(FontFile(Path(path), int(index) if index.isdigit() else 0))
    return sorted(fonts, key=lambda font: "sans" not in font.path.name.lower())


def fonts_for(
    chars: Iterable[str],
    have: Iterable[FontFile],
    *,
    skip: Iterable[FontFile] = (),
    candidates: Callable[[], list[FontFile]] | None = None,
) -> tuple[list[FontFile], frozenset[str]]:
    """System fonts that draw what the fonts in ``have`` do not, and what none draws.

    ``skip`` holds fonts found unusable (the PDF library could not load them);
    ``candidates`` replaces :func:`system_font_candidates`.
    """
    covered: set[int] = set()
    for font in have:
        covered |= font_codepoints(font)
    missing = {char for char in chars if needs_glyph(char) and ord(char) not in covered}
    chosen: list[FontFile] = []
    skipped = set(skip)

    def take(font: FontFile) -> None:
        if font in skipped or font in chosen:
            return
        drawn = {char for char in missing if ord(char) in font_codepoints(font)}
        if drawn:
            chosen.append(font)
            missing.difference_update(drawn)

    for font in (candidates or system_font_candidates)() if missing else []:
        take(font)
        if not missing:
            break
    asked: set[str] = set()
    while len(asked) < _FONTCONFIG_QUESTIONS and sys.platform != "win32":
        unasked = missing - asked
        if not unasked:
            break
        char = min(unasked)
        asked.add(char)
        for font in _fontconfig_fonts(char):
            take(font)
            if char not in missing:
                break
    return chosen, frozenset(missing)
