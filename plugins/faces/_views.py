"""人脸建档's page in the phone app (/m/face) and its REST API (/api/v1/me/face for the learner,
/api/v1/people/<id>/face for their unit admin's reset)."""
from __future__ import annotations

from pathlib import Path

from flask import abort, flash, jsonify, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.api import BaseApi, protect
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.contracts import face_store

from . import _enrollment as enrollment
from ._model import PhotoRefused

# The permission keys (the core's roles grant "Face" to every person, "FaceReset" to unit admins).
PERMISSION = "Face"
RESET_PERMISSION = "FaceReset"
# A phone's photo is a few MB; anything much larger is not a photo from the app.
MAX_PHOTO_BYTES = 12 * 1024 * 1024

REFUSALS = {
    "unreadable": _l("The photo could not be read. Take it again with the camera."),
    "no_face": _l("No clear face was found in the photo. Face the camera in good light and try again."),
    "many_faces": _l("More than one face is in the photo. Make sure you are alone in the picture."),
    "already_enrolled": _l("Your face is already enrolled. It cannot be changed; you may withdraw your consent."),
    "consent_required": _l("Agree to the face enrollment first."),
    "no_photo": _l("Take a photo first."),
}


def _learner_id() -> int:
    learner = face_store().learner()
    if learner is None:
        abort(404)
    return learner.id


def _photo() -> bytes:
    upload = request.files.get("photo")
    data = upload.read(MAX_PHOTO_BYTES + 1) if upload else b""
    if not data:
        raise PhotoRefused("no_photo")
    if len(data) > MAX_PHOTO_BYTES:
        raise PhotoRefused("unreadable")
    return data


def _consented() -> bool:
    return request.form.get("consent", "").lower() in ("1", "true", "on", "yes")


def _enroll(person_id: int) -> str | None:
    """Enroll the request's photo; the refusal's code, or None when enrolled."""
    if not _consented():
        return "consent_required"
    try:
        enrollment.enroll(person_id, _photo())
    except PhotoRefused as e:
        return e.code
    except enrollment.AlreadyEnrolled:
        return "already_enrolled"
    return None


class FaceView(BaseView):
    route_base = "/m/face"
    class_permission_name = PERMISSION
    default_view = "index"
    template_folder = str(Path(__file__).parent / "templates")

    @expose("/", methods=["GET", "POST"])
    @has_access
    def index(self):
        person_id = _learner_id()
        refusal = _enroll(person_id) if request.method == "POST" else None
        if request.method == "POST" and refusal is None:
            flash(_("Your face is enrolled."), "success")
            return redirect(url_for("FaceView.index"))
        return self.render_template("faces/enroll.html", title=_("Face enrollment"),
                                    enrolled=enrollment.enrolled(person_id),
                                    refusal=REFUSALS[refusal] if refusal else None)

    @expose("/withdraw", methods=["POST"])
    @has_access
    def withdraw(self):
        if face_store().withdraw(_learner_id()):
            flash(_("Your consent is withdrawn and your face data is deleted."), "success")
        return redirect(url_for("FaceView.index"))


def _refused(code: str, status: int):
    return jsonify(code=code, message=str(REFUSALS[code])), status


class FaceApi(BaseApi):
    resource_name = "me/face"
    class_permission_name = PERMISSION
    # JWT or the signed-in browser (with its CSRF token, which the core checks for every API call).
    allow_browser_login = True

    @expose("/", methods=["GET"])
    @protect()
    @permission_name("get")
    def status(self):
        """Whether the learner has enrolled their face."""
        return jsonify(enrolled=enrollment.enrolled(_learner_id()))

    @expose("/", methods=["POST"])
    @protect()
    @permission_name("post")
    def enroll(self):
        """Enroll: multipart ``photo`` (JPEG or PNG) and ``consent=true``. 201; 409 ``already_enrolled``;
        422 ``no_face``, ``many_faces``, ``unreadable``; 400 ``consent_required``, ``no_photo``."""
        refusal = _enroll(_learner_id())
        if refusal is None:
            return jsonify(enrolled=True), 201
        status = {"already_enrolled": 409, "consent_required": 400, "no_photo": 400}.get(refusal, 422)
        return _refused(refusal, status)

    @expose("/", methods=["DELETE"])
    @protect()
    @permission_name("delete")
    def withdraw(self):
        """Withdraw consent: the enrollment is deleted. 204; 404 when there is none."""
        if not face_store().withdraw(_learner_id()):
            abort(404)
        return "", 204


class FaceResetApi(BaseApi):
    resource_name = "people"
    class_permission_name = RESET_PERMISSION
    allow_browser_login = True

    @expose("/<int:person_id>/face", methods=["DELETE"])
    @protect()
    @permission_name("delete")
    def reset(self, person_id: int):
        """The unit admin resets the face enrollment of a person of their unit. 204; 404 otherwise."""
        if not face_store().reset(person_id):
            abort(404)
        return "", 204
