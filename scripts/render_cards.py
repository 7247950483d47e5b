"""Render a login cards PDF to PNG files, one a page, for people to look at.

    .venv/bin/python scripts/render_cards.py cards.pdf [--out FOLDER] [--dpi 100]

Pages become ``page-1.png``, ``page-2.png``... in FOLDER (default: next to the PDF, in
a folder named after it). Uses the same renderer as the app's preview
(:mod:`core.kit.cards_render`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    from PIL import Image

    from core.kit.cards_render import render_pages

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pdf", help="the cards PDF")
    parser.add_argument("--out", help="folder for the PNG files")
    parser.add_argument("--dpi", type=float, default=100.0, help="dots per inch (default 100)")
    args = parser.parse_args(argv)
    pdf = Path(args.pdf)
    out = Path(args.out) if args.out else pdf.with_suffix("")
    out.mkdir(parents=True, exist_ok=True)
    pages = render_pages(pdf.read_bytes(), args.dpi)
    for number, page in enumerate(pages, 1):
        picture = Image.frombytes("RGBA", (page.width, page.height), page.rgba)
        target = out / f"page-{number}.png"
        picture.convert("RGB").save(target)
        print(target)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
