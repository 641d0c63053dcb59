"""What logs must not keep. A confirmation or manage link is a bearer token: whoever has the URL
can confirm, withdraw or change what the public sees of a signature. And the app keeps no IP
addresses. So paths lose their token ("/manage/…") before they are logged, and uvicorn's access
log (off unless `signon serve --access-log`) loses the client's address too."""

from __future__ import annotations

import logging
import re

# "/confirm/<token>", "/manage/<token>/…", also after a language ("/pt-BR/manage/<token>").
_TOKEN_IN_PATH = re.compile(r"^((?:/[A-Za-z-]{2,10})?/(?:confirm|manage)/)[^/?#\s]+")
ACCESS_LOGGER = "uvicorn.access"


def redact_path(path: str) -> str:
    return _TOKEN_IN_PATH.sub(r"\1…", path)


class AccessLogRedaction(logging.Filter):
    """For uvicorn's access log, whose records' arguments are (client address, method, path
    with its query, HTTP version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) == 5:
            _client, method, path, version, status = record.args
            record.args = ("-", method, redact_path(str(path)), version, status)
        return True


def redact_access_log() -> None:
    """Install the redaction in this process (once, however often it is called)."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, AccessLogRedaction) for f in logger.filters):
        logger.addFilter(AccessLogRedaction())
