"""What a request knows: the system, the logged-in user and the capacity they act in."""

from __future__ import annotations

from typing import cast

from flask import current_app
from flask_login import UserMixin, current_user

from workflows import Capacity, Finsam


class WebUser(UserMixin):
    """A logged-in user acting in one capacity; the session stores the membership id."""

    def __init__(self, capacity: Capacity, via_token: bool = False) -> None:
        self.capacity = capacity
        self.via_token = via_token

    def get_id(self) -> str:
        return str(self.capacity.membership_id)


def system() -> Finsam:
    """The Finsam system of the running app."""
    return cast(Finsam, current_app.extensions["finsam"])


def capacity() -> Capacity:
    """The capacity of the logged-in user (views are behind login_required)."""
    return cast(WebUser, current_user).capacity
