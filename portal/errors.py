"""Errors under /api/ answer JSON ({"code", "message"}), like the rest of the API."""
from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def api_error(error: HTTPException):
        if request.path.startswith("/api/"):
            return jsonify(code=error.name.lower().replace(" ", "_"), message=error.description), error.code
        return error
