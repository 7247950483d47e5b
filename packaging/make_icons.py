"""Draw the Canvas Logins app icon and write every icon file the app and installers use.

The icon is described once, as a few flat shapes on a 1024-unit square, and rendered
from that description both as ``resources/icon.svg`` and (with Pillow) as PNG, so the
vector and bitmap versions cannot drift apart. The Windows ``.ico`` and the macOS
``.icns`` are made from the large PNG. Run from the repository root:

    python packaging/make_icons.py [--out DIR]

Needs Pillow (in the ``packaging`` extra). The output is committed; run this again
after changing the shapes below.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

CANVAS = 1024
#: Rendered at this multiple of the output size, then scaled down, for smooth edges.
SUPERSAMPLE = 2

ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICNS_SIZES = (16, 32, 64, 128, 256, 512, 1024)
#: Loose PNGs next to icon.png (512 px) for window icons at small sizes.
PNG_SIZES = (16, 32, 48, 256)

BLUE = "#2D6CDF"
WHITE = "#FFFFFF"
SLATE = "#B8C7E6"
GREEN = "#1E9E5A"


@dataclass(frozen=True)
class RoundRect:
    x0: float
    y0: float
    x1: float
    y1: float
    radius: float
    fill: str


@dataclass(frozen=True)
class Circle:
    cx: float
    cy: float
    r: float
    fill: str


@dataclass(frozen=True)
class TopHalfDisc:
    """The upper half of a disc: a person's shoulders."""

    cx: float
    cy: float
    r: float
    fill: str


Shape = RoundRect | Circle | TopHalfDisc

#: A blue tile, a white ID card with a person and text lines, and a green "add" badge.
SHAPES: tuple[Shape, ...] = (
    RoundRect(48, 48, 976, 976, 200, BLUE),
    RoundRect(160, 240, 864, 752, 72, WHITE),
    Circle(352, 420, 84, BLUE),
    TopHalfDisc(352, 672, 136, BLUE),
    RoundRect(536, 372, 776, 420, 24, SLATE),
    RoundRect(536, 468, 736, 516, 24, SLATE),
    RoundRect(536, 564, 696, 612, 24, SLATE),
    Circle(776, 752, 176, WHITE),
    Circle(776, 752, 148, GREEN),
    RoundRect(756, 656, 796, 848, 16, WHITE),
    RoundRect(680, 732, 872, 772, 16, WHITE),
)


def _n(value: float) -> str:
    return f"{value:g}"


def svg_text(shapes: tuple[Shape, ...] = SHAPES) -> str:
    """The icon as a standalone SVG document."""
    body = []
    for shape in shapes:
        if isinstance(shape, RoundRect):
            body.append(
                f'  <rect x="{_n(shape.x0)}" y="{_n(shape.y0)}" '
                f'width="{_n(shape.x1 - shape.x0)}" height="{_n(shape.y1 - shape.y0)}" '
                f'rx="{_n(shape.radius)}" fill="{shape.fill}"/>'
            )
        elif isinstance(shape, Circle):
            body.append(
                f'  <circle cx="{_n(shape.cx)}" cy="{_n(shape.cy)}" r="{_n(shape.r)}" '
                f'fill="{shape.fill}"/>'
            )
        else:
            left, right = shape.cx - shape.r, shape.cx + shape.r
            body.append(
                f'  <path d="M{_n(left)},{_n(shape.cy)} A{_n(shape.r)},{_n(shape.r)} 0 0 1 '
                f'{_n(right)},{_n(shape.cy)} Z" fill="{shape.fill}"/>'
            )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" '
        f'width="{CANVAS}" height="{CANVAS}" viewBox="0 0 {CANVAS} {CANVAS}">\n'
        "  <title>Canvas Logins</title>\n" + "\n".join(body) + "\n</svg>\n"
    )


def render(size: int, shapes: tuple[Shape, ...] = SHAPES):
    """The icon as a square RGBA Pillow image of ``size`` pixels."""
    from PIL import Image, ImageDraw

    work = size * SUPERSAMPLE
    scale = work / CANVAS
    image = Image.new("RGBA", (work, work), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    for shape in shapes:
        if isinstance(shape, RoundRect):
            box = [shape.x0 * scale, shape.y0 * scale, shape.x1 * scale - 1, shape.y1 * scale - 1]
            if shape.radius:
                draw.rounded_rectangle(box, radius=shape.radius * scale, fill=shape.fill)
            else:
                draw.rectangle(box, fill=shape.fill)
        elif isinstance(shape, Circle):
            box = [
                (shape.cx - shape.r) * scale,
                (shape.cy - shape.r) * scale,
                (shape.cx + shape.r) * scale,
                (shape.cy + shape.r) * scale,
            ]
            draw.ellipse(box, fill=shape.fill)
        else:
            box = [
                (shape.cx - shape.r) * scale,
                (shape.cy - shape.r) * scale,
                (shape.cx + shape.r) * scale,
                (shape.cy + shape.r) * scale,
            ]
            draw.pieslice(box, start=180, end=360, fill=shape.fill)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def write_icons(out_dir: Path) -> list[Path]:
    """Write icon.svg, icon.png, icon-N.png, icon.ico and icon.icns into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    svg_path = out_dir / "icon.svg"
    svg_path.write_text(svg_text(), encoding="utf-8", newline="\n")
    written.append(svg_path)

    master = render(CANVAS)

    png_path = out_dir / "icon.png"
    render(512).save(png_path, optimize=True)
    written.append(png_path)
    for size in PNG_SIZES:
        path = out_dir / f"icon-{size}.png"
        render(size).save(path, optimize=True)
        written.append(path)

    ico_path = out_dir / "icon.ico"
    # Each size is drawn on its own rather than scaled from one bitmap: crisper at 16 px.
    ico_images = [render(size) for size in ICO_SIZES]
    ico_images[-1].save(
        ico_path,
        format="ICO",
        sizes=[(s, s) for s in ICO_SIZES],
        append_images=ico_images[:-1],
    )
    written.append(ico_path)

    icns_path = out_dir / "icon.icns"
    icns_images = [render(size) for size in ICNS_SIZES[:-1]]
    master.save(icns_path, format="ICNS", append_images=icns_images)
    written.append(icns_path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_out = Path(__file__).resolve().parent.parent / "resources"
    parser.add_argument("--out", type=Path, default=default_out, help="output folder")
    args = parser.parse_args(argv)
    try:
        written = write_icons(args.out)
    except ImportError:
        print(
            "make_icons: Pillow is not installed. Run: pip install .[packaging]",
            file=sys.stderr,
        )
        return 2
    for path in written:
        print(f"wrote {path} ({path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
