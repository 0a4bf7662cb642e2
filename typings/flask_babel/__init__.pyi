"""The part of Flask-Babel 4 that webui uses."""

from collections.abc import Callable
from typing import Any

from babel import Locale
from flask import Flask

def gettext(string: str, **variables: Any) -> str: ...
def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str: ...
def get_locale() -> Locale | None: ...

class Babel:
    def __init__(
        self,
        app: Flask | None = ...,
        locale_selector: Callable[[], str | None] | None = ...,
        **kwargs: Any,
    ) -> None: ...
