"""The baseline every Signon figure is divided by: a bare Litestar app on the same server
settings, answering a GET with a word and a form POST of the same size with a redirect."""

from __future__ import annotations

from dataclasses import dataclass

from litestar import Litestar, get, post
from litestar.params import URLEncodedBody
from litestar.response import Redirect


@dataclass
class Form:  # the sign form's fields, so parsing costs the same
    signer_type: str = ""
    name: str = ""
    email: str = ""
    organization: str = ""
    website: str = ""
    role: str = ""
    city: str = ""
    country: str = ""
    comment: str = ""
    display: str = ""
    updates: str = ""
    form_token: str = ""
    pow: str = ""
    leave_empty: str = ""


@get("/", sync_to_thread=False)
def hello() -> str:
    return "hello"


@post("/form", sync_to_thread=False)
def form(data: URLEncodedBody[Form]) -> Redirect:
    return Redirect("/", status_code=303)


app = Litestar([hello, form], openapi_config=None)
