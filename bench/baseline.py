"""The baseline every Signon figure is divided by: a bare Litestar app on the same server
settings, answering a GET with a word and the sign form's POST (same fields, same parsing)
with a redirect, and touching nothing else."""

from __future__ import annotations

from litestar import Litestar, get, post
from litestar.params import URLEncodedBody
from litestar.response import Redirect

from signon.web.public import SignFormData


@get("/", sync_to_thread=False)
def hello() -> str:
    return "hello"


@post("/form", sync_to_thread=False)
def form(data: URLEncodedBody[SignFormData]) -> Redirect:
    return Redirect("/", status_code=303)


app = Litestar([hello, form], openapi_config=None)
