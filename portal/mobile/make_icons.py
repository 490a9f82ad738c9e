"""Draws the phone app's icons (portal/static/mobile/icons/): a white scan frame around a white
medical cross on the portal's accent colour, 192 and 512 px with rounded corners, and a 512 px
maskable one (full-bleed, its drawing inside the central safe circle launchers keep). Run once
after changing it, and commit the PNGs: ``.venv/bin/python -m portal.mobile.make_icons``."""
from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

from portal.mobile.shell import STATIC, THEME

FOLDER = STATIC / "mobile" / "icons"
WHITE = (255, 255, 255, 255)


def draw(size: int, maskable: bool) -> Image.Image:
    scale = 4  # drawn large, then reduced: smooth edges
    big = size * scale
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    if maskable:
        pen.rectangle((0, 0, big, big), fill=THEME)
    else:
        pen.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 0.22, fill=THEME)
    # The drawing fits the central 60 % (maskable: inside the 80 % safe circle) or 76 %.
    extent = 0.60 if maskable else 0.76
    lo, hi = big * (1 - extent) / 2, big * (1 + extent) / 2
    arm, width = (hi - lo) * 0.26, max(round(big * 0.045), 1)
    for x, dx in ((lo, 1), (hi, -1)):
        for y, dy in ((lo, 1), (hi, -1)):
            # Each arm as a rectangle, so that the two meet in a square corner.
            pen.rectangle(_box(x, y, x + dx * arm, y + dy * width), fill=WHITE)
            pen.rectangle(_box(x, y, x + dx * width, y + dy * arm), fill=WHITE)
    middle, half, bar = big / 2, (hi - lo) * 0.26, (hi - lo) * 0.09
    pen.rectangle((middle - bar, middle - half, middle + bar, middle + half), fill=WHITE)
    pen.rectangle((middle - half, middle - bar, middle + half, middle + bar), fill=WHITE)
    return image.resize((size, size), Image.LANCZOS)


def _box(x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def main(folder: Path = FOLDER) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, size, maskable in (("icon-192.png", 192, False), ("icon-512.png", 512, False),
                                 ("icon-maskable-512.png", 512, True)):
        draw(size, maskable).save(folder / name, optimize=True)


if __name__ == "__main__":
    main()
