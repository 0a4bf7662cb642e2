"""What a request knows: the system, the logged-in user and the capacity they act in."""

from __future__ import annotations

from typing import cast

from flask import current_app, url_for
from flask_login import UserMixin, current_user

from workflows import Capacity, Finsam, policy
from workflows.presentation import start_section


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


# The page each section starts on (`presentation.start_section` picks the section).
START_PAGES = {
    policy.WORK: "tasks.index",
    policy.DESIGN: "designer.index",
    policy.AUDIT: "audit.index",
    policy.ADMINISTER: "admin.users",
    policy.CASES: "instances.index",
    policy.NATIONAL: "reports.uppfoljning",
    policy.FOUND: "national_admin.forbund",
}


def start_url(who: Capacity) -> str:
    """Where `who` lands after login: its own start page."""
    return url_for(START_PAGES.get(start_section(who), "profile.edit"))
