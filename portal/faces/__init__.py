"""人脸建档: the core's half of the optional face plugin (plugins/faces/). The core keeps each
person's sealed enrollment and audits what happens to it; the plugin owns the model, the sealing
key, the pages and the API. With the plugin off, nothing of this is reachable."""
from __future__ import annotations

from flask import current_app
from flask_appbuilder import AppBuilder

from portal.contracts import FACE_STORE


def register(appbuilder: AppBuilder) -> None:
    from portal.faces.services import Enrollments

    current_app.extensions[FACE_STORE] = Enrollments()
