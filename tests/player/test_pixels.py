"""replay_tools.pixels, the fidelity tests' judge: its 3×3 neighbourhood min and max are PIL's
own rank filters (MinFilter(3), MaxFilter(3)) pixel for pixel, edges and one-pixel pictures
included; and a picture matched against itself, or against one with a glyph gone, scores as
a person would see it."""
from __future__ import annotations

import random

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFilter

from replay_tools.pixels import compare, neighbourhood


def _noise(size: tuple[int, int], seed: int) -> Image.Image:
    rnd = random.Random(seed)
    return Image.frombytes("RGB", size, rnd.randbytes(size[0] * size[1] * 3))


@pytest.mark.parametrize("size", [(1, 1), (1, 5), (6, 1), (2, 2), (7, 4), (64, 33)])
def test_the_neighbourhood_is_pils_rank_filter(size):
    for seed in range(3):
        img = _noise(size, seed)
        assert neighbourhood(img, ImageChops.darker).tobytes() == \
            img.filter(ImageFilter.MinFilter(3)).tobytes()
        assert neighbourhood(img, ImageChops.lighter).tobytes() == \
            img.filter(ImageFilter.MaxFilter(3)).tobytes()


def test_a_missing_mark_is_counted_and_a_one_pixel_shift_is_not():
    page = Image.new("RGB", (120, 80), "white")
    draw = ImageDraw.Draw(page)
    draw.rectangle((10, 10, 49, 29), fill="black")
    draw.rectangle((70, 40, 89, 59), fill=(200, 0, 0))
    assert compare(page, page.copy()).fraction == 1.0
    moved = Image.new("RGB", page.size, "white")
    moved.paste(page.crop((0, 0, 119, 80)), (1, 0))   # sub-pixel placement, as paints differ
    assert compare(page, moved).fraction == 1.0
    gone = page.copy()
    ImageDraw.Draw(gone).rectangle((70, 40, 89, 59), fill="white")
    got = compare(page, gone)
    assert got.counted == 40 * 20 + 20 * 20 and got.matched == 40 * 20
