"""人脸建档's model cost (plugins/faces/): the descriptor of one photo (decode, detect, landmarks,
128-number descriptor) as the enrollment and the check-in check compute it, median of REPEAT
phone-sized JPEGs after a warm-up, beside dlib's face detector alone on the same pixels; and the
peak resident memory of a process that loaded the model and computed them. Runs in a child
process of its own so that its memory is the model's, not the bench's (``python -m bench.faces``
runs it alone)."""
from __future__ import annotations

import statistics
import subprocess
import sys
import time

from bench.table import Row, table

REPEAT = 20


def _child() -> None:
    import io

    import numpy as np
    from PIL import Image

    from bench.export_memory import peak_mb
    from portal_plugins.faces import _model
    from tests import face_photos as photos

    # A phone's selfie: 1600 × 1600, the face about a third of it, brightness varying.
    base = photos.astronaut().resize((1600, 1600))
    shots = [photos.jpeg(photos.ImageEnhance.Brightness(base).enhance(0.8 + 0.02 * i)) for i in range(REPEAT)]
    started = time.perf_counter()
    _model.embed(shots[0])  # loads the model
    load_s = time.perf_counter() - started
    embed_ms, detect_ms = [], []
    detector = _model._models()[0]
    for shot in shots:
        t = time.perf_counter()
        _model.embed(shot)
        embed_ms.append((time.perf_counter() - t) * 1000)
        with Image.open(io.BytesIO(shot)) as image:
            image.thumbnail((_model.LONGEST_SIDE, _model.LONGEST_SIDE))
            pixels = np.asarray(image.convert("RGB"))
        t = time.perf_counter()
        detector.run(pixels, 1, _model.CLEAR_SCORE)
        detect_ms.append((time.perf_counter() - t) * 1000)
    print(statistics.median(embed_ms), statistics.median(detect_ms), peak_mb(), load_s)


def rows() -> list[Row]:
    out = subprocess.run([sys.executable, "-m", "bench.faces", "--child"], capture_output=True, text=True, check=True)
    embed, detect, peak, load = (float(v) for v in out.stdout.split())
    case = (f"face descriptor of one 1600×1600 JPEG (decode, detect, landmarks, descriptor); peak memory {peak:.0f} MB, "
            f"model loaded in {load:.1f} s")
    return [Row(case, f"median of {REPEAT}", embed, "dlib's face detector alone, same pixels", detect, None)]


def main() -> None:
    print(table(rows()))

if __name__ == "__main__":
    _child() if "--child" in sys.argv else main()
