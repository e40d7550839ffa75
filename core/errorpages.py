"""Every failure answers in the caller's format: JSON under /api/, a page elsewhere."""

import logging

from flask import Flask, render_template, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from core.api import error_response
from core.errors import DomainError, NotFound, RateLimited

log = logging.getLogger(__name__)

_HTTP_CODES = {
    400: "bad_request", 401: "not_signed_in", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 413: "payload_too_large", 415: "unsupported_media_type",
    429: "rate_limited",
}


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _page(status: int, message: str):
    return render_template("errors/error.html", status=status, message=message), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        if _wants_json():
            return error_response(error)
        return _page(error.status, str(error.message))

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        message = gettext("The form has expired or was not sent from this site. Reload the page and try again.")
        if _wants_json():
            err = DomainError(message)
            err.code, err.status = "csrf_failed", 400
            return error_response(err)
        return _page(400, message)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        if status == 429:
            limited = RateLimited()
            return error_response(limited) if _wants_json() else _page(429, str(limited.message))
        if status == 404:
            missing = NotFound()
            return error_response(missing) if _wants_json() else _page(404, str(missing.message))
        message = _http_message(status)
        if _wants_json():
            err = DomainError(message)
            err.code, err.status = _HTTP_CODES.get(status, "error"), status
            return error_response(err)
        return _page(status, message)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        from extensions import db

        db.session.rollback()
        message = gettext("Something went wrong on our side; nothing was saved. Please try again.")
        if _wants_json():
            err = DomainError(message)
            err.code, err.status = "internal_error", 500
            return error_response(err)
        return _page(500, message)


def _http_message(status: int) -> str:
    messages = {
        400: gettext("The request could not be understood."),
        401: gettext("Please sign in."),
        403: gettext("You are not allowed to do that."),
        405: gettext("That method is not allowed here."),
        413: gettext("The upload is too large."),
        415: gettext("Unsupported content type."),
    }
    return messages.get(status, gettext("The request could not be completed."))
