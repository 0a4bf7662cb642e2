"""The domain's tables: förbund (the tenant), member organisations, users and their capacities."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine import Base


class Forbund(Base):
    """A samordningsförbund: the tenant every instance, task and user belongs to."""

    __tablename__ = "forbund"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    # Months after a person's last membership here ended until `finsam retention` erases the
    # account (`workflows/retention.py`); None: kept until erased by hand.
    retention_months: Mapped[int | None]
    organisations: Mapped[list[Organisation]] = relationship(
        back_populates="forbund", order_by="Organisation.id"
    )


class Organisation(Base):
    """A member organisation of a förbund: Arbetsförmedlingen, Försäkringskassan, a kommun or a
    region. Only these can be parties (R-M1, R-X7)."""

    __tablename__ = "organisation"
    __table_args__ = (UniqueConstraint("forbund_id", "slug", name="uq_organisation_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    forbund_id: Mapped[int] = mapped_column(ForeignKey("forbund.id"))
    slug: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20))
    forbund: Mapped[Forbund] = relationship(back_populates="organisations")


class User(Base):
    """A person who logs in: one global identity. What they may do depends on the capacity they
    act in, and each capacity is a membership that its förbund's admin manages. `active` is the
    operators' lock of the whole account (`finsam user lock`); no förbund's admin sets it."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    email: Mapped[str | None] = mapped_column(String(300))
    # none, each (a task becomes ready for the organisation, a reminder) or digest (once a day)
    notify: Mapped[str] = mapped_column(String(10), default="none", server_default="none")
    digest_sent_on: Mapped[date | None]
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", order_by="Membership.id", cascade="all, delete-orphan"
    )
    person: Mapped[Person] = relationship(back_populates="user", cascade="save-update, merge")

    def __init__(self, **kwargs: Any) -> None:
        # Every account gets its entry in the directory, and so its pseudonymous actor id, as
        # it is made: whichever way it is made (operator, admin, invitation, demo).
        kwargs.setdefault("person", Person(actor_id=new_actor_id()))
        super().__init__(**kwargs)


def new_actor_id() -> str:
    """A stable pseudonymous id for a person: random, never derived from the username, so that
    the history says nothing of who once the directory no longer does."""
    return "p-" + secrets.token_hex(8)


class Person(Base):
    """The directory: the pseudonymous `actor_id` the history records (instance events, the
    ledger's instances, the administrative history) mapped to an account. Erasing a person
    (GDPR art. 17, `workflows/directory.py`) removes the account and leaves only the id, the
    time of erasure and `former_key` (sha256 of the username events written before the
    directory carry), so that the pages say "borttagen person" for both."""

    __tablename__ = "person"

    actor_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), unique=True)
    erased_at: Mapped[datetime | None]
    former_key: Mapped[str | None] = mapped_column(String(64), index=True)
    user: Mapped[User | None] = relationship(back_populates="person")


MEMBERSHIP_STATES = ("invited", "accepted", "declined")


class Membership(Base):
    """One capacity of a user: acting for `org` (a member slug, `kansli` or `styrelse`) of a
    förbund, in `role`. Only an accepted, active membership gives the capacity: `status` is
    `invited` until the person accepts (or declines) a förbund's invitation of an account that
    exists elsewhere; `active` is what the förbund's admin switches, for this förbund only."""

    __tablename__ = "membership"
    __table_args__ = (
        UniqueConstraint("user_id", "forbund_id", "org", "role", name="uq_membership"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    forbund_id: Mapped[int] = mapped_column(ForeignKey("forbund.id"))
    org: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    status: Mapped[str] = mapped_column(String(20), default="accepted",
                                        server_default="accepted")
    invited_by: Mapped[str | None] = mapped_column(String(100))
    invited_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    user: Mapped[User] = relationship(back_populates="memberships")
    forbund: Mapped[Forbund] = relationship()


class ApiToken(Base):
    """A bearer token for the API, stored only as its sha256; it works until it expires or is
    revoked."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="", server_default="")
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]  # to the minute or so: see workflows/tokens.py
    revoked_at: Mapped[datetime | None]
    user: Mapped[User] = relationship()


class UserLink(Base):
    """A one-time link sent by e-mail: an invitation to set the first password (`invite`) or a
    forgotten password's reset (`reset`). Only the sha256 of its token is kept, and the token
    itself only until the worker has mailed it (`pending`); it works once, until `expires_at`."""

    __tablename__ = "user_link"
    __table_args__ = (Index("ix_user_link_unsent", "mailed_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(10))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str | None] = mapped_column(String(300))
    forbund_name: Mapped[str | None] = mapped_column(String(300))
    pending: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    mailed_at: Mapped[datetime | None]


class AdminEvent(Base):
    """One administrative action in a förbund (an invitation, a membership added, changed,
    switched off or removed, a member organisation added or removed), in a hash chain of its own
    per förbund: `hash = sha256(prev_hash ‖ canonical JSON of the event)`."""

    __tablename__ = "admin_event"
    __table_args__ = (UniqueConstraint("tenant", "seq", name="uq_admin_event_tenant_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant: Mapped[str] = mapped_column(String(100))
    seq: Mapped[int]
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class StandIn(Base):
    """A ställföreträdare: the capacity `deputy_membership_id` stands in for the capacity
    `absent_membership_id` (a colleague of the same organisation and förbund) from `starts_on`
    to `ends_on`, both whole days in Swedish time, unless `ended_at` cut it short. Who may name
    whom is the policy's `may_stand_in`; what the deputy may then do is the absent capacity's
    grants (`policy.grants`)."""

    __tablename__ = "stand_in"
    __table_args__ = (Index("ix_stand_in_deputy", "deputy_membership_id", "ends_on"),
                      Index("ix_stand_in_absent", "absent_membership_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    forbund_id: Mapped[int] = mapped_column(ForeignKey("forbund.id"))
    absent_membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id"))
    deputy_membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id"))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class OidcIdentity(Base):
    """A sign-in identity of an identity provider (`issuer` and its `subject`, the `sub` claim)
    linked to one account. Linked once, by a verified claim of an account a förbund's admin
    added (`workflows/identities.py`); never created from the identity alone."""

    __tablename__ = "oidc_identity"
    __table_args__ = (UniqueConstraint("issuer", "subject", name="uq_oidc_identity"),
                      Index("ix_oidc_identity_user", "user_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(String(300))
    subject: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    linked_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]


class ModelerDraft(Base):
    """A designer's draft in the modeler, kept on the server beside the browser's: the diagram
    and the form files as last saved, one per designer, förbund and process ('' for a new
    diagram). Only the designer who saved it, acting in that förbund, sees it
    (`policy.owns_draft`)."""

    __tablename__ = "modeler_draft"
    __table_args__ = (UniqueConstraint("forbund", "username", "process_id",
                                       name="uq_modeler_draft"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    forbund: Mapped[str] = mapped_column(String(100))
    username: Mapped[str] = mapped_column(String(100))
    process_id: Mapped[str] = mapped_column(String(100))
    bpmn: Mapped[str] = mapped_column(Text)
    forms: Mapped[dict[str, Any]]
    saved_at: Mapped[datetime]


class CaseNote(Base):
    """A note on a case (an instance): one entry of its note thread. The `noted` event of the
    instance's history carries the note's `key` and the sha256 of its `body`."""

    __tablename__ = "case_note"
    __table_args__ = (Index("ix_case_note_instance", "tenant", "instance_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(36), unique=True)
    tenant: Mapped[str] = mapped_column(String(100))
    instance_id: Mapped[int] = mapped_column(ForeignKey("instance.id"))
    author: Mapped[str] = mapped_column(String(100))
    acting_as: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
    body: Mapped[str] = mapped_column(Text)
    # When retention purged the text of the ended case (`case_retention`): the body is then the
    # marker, and the sha256 its `noted` event recorded is of the text that was purged.
    purged_at: Mapped[datetime | None] = mapped_column(default=None)


class CaseDocument(Base):
    """A document attached to a case (optionally to one of its steps). Its bytes are in
    `content` (the database store) or in a configured folder (`FINSAM_DOCUMENT_DIR`); the
    `attached` event of the instance's history carries its `key` and sha256."""

    __tablename__ = "case_document"
    __table_args__ = (Index("ix_case_document_instance", "tenant", "instance_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(36), unique=True)
    tenant: Mapped[str] = mapped_column(String(100))
    instance_id: Mapped[int] = mapped_column(ForeignKey("instance.id"))
    step: Mapped[str | None] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[str] = mapped_column(String(100))
    acting_as: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
