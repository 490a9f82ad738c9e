"""Real face photos from installed packages, never downloaded: scikit-image's astronaut() (Eileen
Collins, NASA, public domain) and matplotlib's sample grace_hopper.jpg (Grace Hopper, US Navy,
public domain). Variants are made with Pillow, as a phone would take another photo of the same person."""
from __future__ import annotations

import io

import numpy as np
from matplotlib import cbook
from PIL import Image, ImageEnhance
from skimage import data


def jpeg(image: Image.Image, quality: int = 90) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()


def astronaut() -> Image.Image:
    return Image.fromarray(data.astronaut())


def hopper() -> Image.Image:
    with cbook.get_sample_data("grace_hopper.jpg") as f:
        return Image.open(f).convert("RGB")


def same_person_other_photo() -> Image.Image:
    """The astronaut again, cropped differently, scaled up and brighter."""
    crop = astronaut().crop((60, 0, 460, 400)).resize((700, 700), Image.Resampling.BICUBIC)
    return ImageEnhance.Brightness(crop).enhance(1.3)


def two_people() -> Image.Image:
    """The astronaut and Grace Hopper side by side."""
    left, right = astronaut(), hopper().resize((512, 600)).crop((0, 0, 512, 512))
    both = Image.new("RGB", (1024, 512))
    both.paste(left, (0, 0))
    both.paste(right, (512, 0))
    return both


def no_face() -> Image.Image:
    return Image.fromarray(data.coffee())


def plain() -> Image.Image:
    return Image.fromarray(np.full((480, 640, 3), 200, dtype=np.uint8))
