"""Compare two screenshots of a page the way a person would: the live recorded page and the
replay painted at the same moment.

Anti-aliasing and sub-pixel text placement differ a little between two paints of the same
page, so a pixel matches when it is within `tolerance` (per channel) of *some* pixel in the
other picture's 3×3 neighbourhood around it — checked both ways, so something missing from
either picture counts. Only pixels that are not page background (the live picture's most
common colour) in either picture are counted: a mostly white page would otherwise match at
99 % with nothing on it.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageChops

TOLERANCE = 24   # per channel, out of 255


@dataclass
class PixelMatch:
    matched: int      # non-background pixels that match
    counted: int      # non-background pixels (in either picture)
    size: tuple[int, int]

    @property
    def fraction(self) -> float:
        return self.matched / self.counted if self.counted else 1.0


def _rgb(img: "Image.Image | bytes") -> Image.Image:
    if isinstance(img, (bytes, bytearray)):
        img = Image.open(io.BytesIO(img))
    return img.convert("RGB")


def _over(img: Image.Image, tolerance: int) -> Image.Image:
    """Mode "1": where any channel of `img` (a difference) exceeds the tolerance."""
    r, g, b = img.split()
    worst = ImageChops.lighter(ImageChops.lighter(r, g), b)
    return worst.point(lambda v: 255 if v > tolerance else 0).convert("1")


def _shifted(img: Image.Image, dx: int, dy: int) -> Image.Image:
    """`img` moved by (dx, dy) pixels, the band it leaves keeping its own pixels (so a window
    at the edge holds only what is in the picture, as PIL's rank filters see it)."""
    w, h = img.size
    out = img.copy()
    out.paste(img.crop((max(0, -dx), max(0, -dy), w - max(0, dx), h - max(0, dy))),
              (max(0, dx), max(0, dy)))
    return out


def neighbourhood(img: Image.Image, pick) -> Image.Image:
    """Per channel, the `pick` (ImageChops.darker: min, .lighter: max) of each pixel's 3×3
    neighbourhood: PIL's MinFilter(3) / MaxFilter(3), pixel for pixel, in a row pass and a
    column pass of whole-picture operations (the rank filters sort each window: 7x slower
    on a 1280×800 screenshot, a third of a fidelity test's time)."""
    row = pick(pick(img, _shifted(img, 1, 0)), _shifted(img, -1, 0))
    return pick(pick(row, _shifted(row, 0, 1)), _shifted(row, 0, -1))


def _outside(a: Image.Image, b: Image.Image) -> Image.Image:
    """Per channel, how far each pixel of `a` lies outside the range of b's 3×3
    neighbourhood (0 inside it): below the darkest or above the lightest."""
    lo, hi = neighbourhood(b, ImageChops.darker), neighbourhood(b, ImageChops.lighter)
    # (one of the two is 0 wherever the other is not: their lighter is either)
    return ImageChops.lighter(ImageChops.subtract(lo, a), ImageChops.subtract(a, hi))


def _wrong(a: Image.Image, b: Image.Image, tolerance: int) -> Image.Image:
    """Mode "1": where a pixel of either picture is outside the other's neighbourhood."""
    return _over(ImageChops.lighter(_outside(a, b), _outside(b, a)), tolerance)


def compare(live: "Image.Image | bytes", replay: "Image.Image | bytes",
            tolerance: int = TOLERANCE) -> PixelMatch:
    """How well `replay` reproduces `live` (same size required: a 1:1 screenshot)."""
    a, b = _rgb(live), _rgb(replay)
    if a.size != b.size:
        raise ValueError(f"the pictures differ in size: live {a.size}, replay {b.size}")
    bg_colour = max(a.getcolors(maxcolors=a.width * a.height), key=lambda c: c[0])[1]
    bg = Image.new("RGB", a.size, bg_colour)
    content = _over(ImageChops.lighter(ImageChops.difference(a, bg),
                                       ImageChops.difference(b, bg)), tolerance)
    wrong = _wrong(a, b, tolerance)
    counted = content.histogram()[255]
    bad = ImageChops.logical_and(content, wrong).histogram()[255]
    return PixelMatch(matched=counted - bad, counted=counted, size=a.size)


def difference_image(live: "Image.Image | bytes", replay: "Image.Image | bytes",
                     tolerance: int = TOLERANCE) -> Image.Image:
    """The live picture with every mismatching pixel painted red (to look at a failure)."""
    a, b = _rgb(live), _rgb(replay)
    wrong = _wrong(a, b, tolerance)
    return Image.composite(Image.new("RGB", a.size, (255, 0, 0)), a, wrong)
