"""Fixtures: a fresh database per test on SQLite, and on PostgreSQL when
FINSAM_TEST_POSTGRES_URL is set; the engine over it; the Finsam system with the demo förbund."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from engine import Database, DefaultHooks, Engine, TaskContext
from workflows import Finsam
from workflows.demo import load_demo
from workflows.schema import upgrade
from workflows.users import capacities

HERE = Path(__file__).parent
DATA = HERE / "data"
POSTGRES_URL = os.environ.get("FINSAM_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", "postgresql"]


def _fresh_postgres_schema(url: str) -> None:
    sa_engine = create_engine(url)
    with sa_engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    sa_engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a new, empty database of each backend."""
    if request.param == "postgresql":
        if not POSTGRES_URL:
            pytest.skip("FINSAM_TEST_POSTGRES_URL is not set")
        _fresh_postgres_schema(POSTGRES_URL)
        return POSTGRES_URL
    return f"sqlite:///{tmp_path / 'test.sqlite3'}"


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """A migrated database."""
    database = Database(database_url)
    upgrade(database)
    yield database
    database.dispose()


class LaneHooks(DefaultHooks):
    """Generic hooks for engine tests: multi-instance items go to the item, others to the lane."""

    def assign(self, ctx: TaskContext) -> str:
        if ctx.item is not None:
            return str(ctx.item)
        return ctx.lane or "unassigned"


@pytest.fixture
def engine(db: Database) -> Engine:
    """A plain engine with lane-named groups, over a fresh database."""
    return Engine(db, LaneHooks())


@pytest.fixture
def finsam(database_url: str) -> Iterator[Finsam]:
    """The whole system: schema, bundled diagrams and the demo förbund."""
    system = Finsam(database_url)
    system.init()
    load_demo(system)
    yield system
    system.close()


@pytest.fixture
def as_user(finsam: Finsam):  # type: ignore[no-untyped-def]
    """`as_user("fk")`: the first capacity of a demo user."""

    def capacity(username: str):  # type: ignore[no-untyped-def]
        return capacities(finsam.db, username)[0]

    return capacity


@pytest.fixture
def app(finsam: Finsam):  # type: ignore[no-untyped-def]
    """The web app over the demo system."""
    from webui import create_app

    application = create_app(
        {"DATABASE_URL": "unused://", "SYSTEM": finsam, "TESTING": True,
         "SECRET_KEY": "test-secret", "SESSION_COOKIE_SECURE": False}
    )
    return application


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


class Browser:
    """A test client that logs in through the login page and posts forms with their CSRF token."""

    def __init__(self, client, password: str = "finsam-demo") -> None:  # type: ignore[no-untyped-def]
        self.client = client
        self.password = password

    def csrf(self) -> str:
        with self.client.session_transaction() as session:
            token = session.get("_csrf")
        if not token:
            self.client.get("/login")
            with self.client.session_transaction() as session:
                token = session["_csrf"]
        return str(token)

    def login(self, username: str):  # type: ignore[no-untyped-def]
        self.client.get("/login")
        return self.client.post(
            "/login", data={"username": username, "password": self.password,
                            "csrf_token": self.csrf()})

    def logout(self) -> None:
        self.client.post("/logout", data={"csrf_token": self.csrf()})

    def post(self, url: str, data=None, **kwargs):  # type: ignore[no-untyped-def]
        from werkzeug.datastructures import MultiDict

        form = MultiDict(data or {})
        form["csrf_token"] = self.csrf()
        return self.client.post(url, data=form, **kwargs)

    def get(self, url: str, **kwargs):  # type: ignore[no-untyped-def]
        return self.client.get(url, **kwargs)


@pytest.fixture
def browser(client) -> Browser:  # type: ignore[no-untyped-def]
    return Browser(client)


@pytest.fixture(scope="session")
def own_postgres() -> Iterator[Callable[[], str]]:
    """`own_postgres()`: the URL of a PostgreSQL database of this test run's own (on the server of
    FINSAM_TEST_POSTGRES_URL), with a fresh schema; no other run drops it. Dropped at the end."""
    if not POSTGRES_URL:
        pytest.skip("FINSAM_TEST_POSTGRES_URL is not set")
    from .server import drop_database, own_postgres_url

    name = f"finsam_reliability_{os.getpid()}"
    yield lambda: own_postgres_url(POSTGRES_URL, name)
    drop_database(POSTGRES_URL, name)


@pytest.fixture(params=BACKENDS)
def reliability_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new, empty database of each backend for the load, crash and bad-input tests."""
    if request.param == "postgresql":
        fresh: Callable[[], str] = request.getfixturevalue("own_postgres")
        return fresh()
    return f"sqlite:///{tmp_path / 'reliability.sqlite3'}"
