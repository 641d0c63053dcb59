"""Every error becomes a friendly page (or JSON under /api), never a stack trace."""

from __future__ import annotations

import logging

from litestar import Request, Response
from litestar.exceptions import HTTPException
from litestar.response import Template
from litestar.status_codes import HTTP_400_BAD_REQUEST, HTTP_500_INTERNAL_SERVER_ERROR

from signon import i18n
from signon.i18n import lazy
from signon.web.languages import speak_requested_language
from signon.web.redaction import redact_path

log = logging.getLogger(__name__)

MESSAGES = {
    400: lazy("We could not understand this request."),
    403: lazy("You may not do this here. If you think you should, ask the campaign's owners."),
    404: lazy("There is nothing at this address."),
    405: lazy("This address does not take that kind of request."),
    413: lazy("What you sent is too large. Please shorten it and try again."),
    429: lazy("Too many requests. Please wait a moment and try again."),
    500: lazy(
        "Something went wrong on our side. Nothing you sent was half-saved; please try again."
    ),
}


# Route option for everything public: no cookies there, so no cookie-based CSRF either.
NO_CSRF = {"exclude_from_csrf": True}


class BadRequest(HTTPException):
    status_code = HTTP_400_BAD_REQUEST


def _respond(request: Request, status: int, message: str) -> Response:
    # Errors can come before any route ran (a 404), so the language is chosen here too.
    speak_requested_language(request)
    message = i18n.gettext(message)
    if request.url.path.startswith("/api/"):
        return Response({"error": message, "status": status}, status_code=status)
    return Template(
        "error.html", context={"status": status, "message": message}, status_code=status
    )


def http_error(request: Request, error: HTTPException) -> Response:
    status = error.status_code
    # Litestar's own validation messages can echo input; show our plain wording instead.
    message = error.detail if isinstance(error, BadRequest) else MESSAGES.get(status, MESSAGES[400])
    return _respond(request, status, message)


def forbidden(request: Request, _error: Exception) -> Response:
    return _respond(request, 403, MESSAGES[403])


def server_error(request: Request, error: Exception) -> Response:
    path = redact_path(request.url.path)
    log.exception("unhandled error on %s %s", request.method, path, exc_info=error)
    return _respond(request, HTTP_500_INTERNAL_SERVER_ERROR, MESSAGES[500])


def exception_handlers() -> dict:
    from signon.services.access import Forbidden
    from signon.web.admin.auth import LoginRequired, login_redirect

    return {
        LoginRequired: login_redirect,
        Forbidden: forbidden,
        HTTPException: http_error,
        Exception: server_error,
    }
