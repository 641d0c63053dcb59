"""ASGI entry point for servers started by import string (uvicorn with several workers)."""

from litestar import Litestar

from signon.app import create_app
from signon.settings import load_settings


def create() -> Litestar:
    return create_app(load_settings())
