"""人脸建档 (face enrollment), the plugin faces.recognition, off unless PORTAL_FACES=1: a learner
enrolls their face in the phone app after a separate consent; only an encrypted descriptor is
kept, never the photo; they may withdraw it and their unit admin may reset it. A session may ask
for a face check at check-in: the photo sent with the scan is compared with the learner's
enrollment by a background job, and a mismatch flags the check-in for the organiser (never
refuses it). Needs the ``faces`` extra (dlib-bin and the model weights), imported only when
configured, so a portal without the extra starts as before.

With the plugin off there is nothing about faces: no page, no menu or app entry, no API."""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.contracts import AppEntry, face_store
from portal.hookspecs import hookimpl


def _configured(app) -> bool:
    return bool(app.config.get("FACES"))


@hookimpl
def register_views(appbuilder):
    if not _configured(current_app):
        return
    from ._check import CHECK, seal
    from ._views import FaceApi, FaceResetApi, FaceView  # imports dlib: only when configured

    face_store().offer_checks(CHECK, seal)
    appbuilder.add_view_no_menu(FaceView)
    appbuilder.add_api(FaceApi)
    appbuilder.add_api(FaceResetApi)


@hookimpl
def register_app_entries():
    return [AppEntry(_l("Face enrollment"), "FaceView.index", "face")] if _configured(current_app) else []
