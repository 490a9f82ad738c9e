"""The one way an uploaded image is decoded (evidence, profile photos): only the formats the
caller allows, a pixel cap checked from the header before any pixel is decoded, Pillow's
decompression-bomb guard, and damaged data refused. Callers turn the refusal into their own
message."""
from __future__ import annotations

import enum
import io

from PIL import Image, ImageOps, UnidentifiedImageError

# Below Pillow's own DecompressionBombWarning threshold (about 89.5 million).
MAX_PIXELS = 80_000_000


class Refusal(enum.StrEnum):
    FORMAT = "format"    # not one of the allowed formats
    PIXELS = "pixels"    # more pixels than allowed
    DAMAGED = "damaged"  # the right format, but it cannot be decoded


class ImageRefused(ValueError):
    def __init__(self, reason: Refusal, max_pixels: int):
        super().__init__(reason.value)
        self.reason, self.max_pixels = reason, max_pixels


def decode(data: bytes, formats: tuple[str, ...], max_pixels: int = MAX_PIXELS) -> Image.Image:
    """The image of ``data``, decoded and turned upright by its EXIF orientation; ImageRefused
    when it is not one of ``formats`` (Pillow's names, e.g. "JPEG", "PNG"), declares more than
    ``max_pixels`` pixels or cannot be decoded."""
    try:
        image = Image.open(io.BytesIO(data), formats=list(formats))
    except Image.DecompressionBombError:
        raise ImageRefused(Refusal.PIXELS, max_pixels) from None
    except UnidentifiedImageError:
        raise ImageRefused(Refusal.FORMAT, max_pixels) from None
    except (OSError, ValueError, SyntaxError):
        raise ImageRefused(Refusal.DAMAGED, max_pixels) from None
    # The size comes from the header: a tiny file may declare billions of pixels.
    if image.width * image.height > max_pixels:
        raise ImageRefused(Refusal.PIXELS, max_pixels)
    try:
        image.load()
        ImageOps.exif_transpose(image, in_place=True)
    except Image.DecompressionBombError:
        raise ImageRefused(Refusal.PIXELS, max_pixels) from None
    except (OSError, ValueError, SyntaxError):  # Pillow's errors for damaged image data
        raise ImageRefused(Refusal.DAMAGED, max_pixels) from None
    return image
