"""Clients for the bad-input corpus and the tests around it, independent of how requests travel:
Flask's test client or a plain socket to a real server; an `Agent` with a bearer token or a
cookie jar that logs in through the login page; session cookies signed as Flask signs them.
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlencode, urlsplit

PASSWORD = "finsam-demo"



@dataclass
class Answer:
    """A response: status, headers (lower-case names), the Set-Cookie values and the body."""

    status: int
    headers: dict[str, str]
    cookies: list[str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None


class Transport(Protocol):
    def send(self, method: str, path: str, headers: dict[str, str],
             body: bytes | None) -> Answer: ...


class FlaskTransport:
    """Through Flask's test client; cookies are the agents' business."""

    def __init__(self, app: Any) -> None:
        self.client = app.test_client(use_cookies=False)

    def send(self, method: str, path: str, headers: dict[str, str],
             body: bytes | None) -> Answer:
        response = self.client.open(path, method=method, headers=headers, data=body)
        answer = Answer(response.status_code,
                        {k.lower(): v for k, v in response.headers.items()},
                        response.headers.getlist("Set-Cookie"), response.get_data())
        response.close()
        return answer


class HttpTransport:
    """Over a plain socket (HTTP/1.0, no proxy, no redirects): a body the server refuses before
    reading it is sent as far as the server lets it, and the answer is still read."""

    def __init__(self, base_url: str, timeout: float = 60.0) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.timeout = timeout

    def send(self, method: str, path: str, headers: dict[str, str],
             body: bytes | None) -> Answer:
        lines = [f"{method} {path} HTTP/1.0", f"Host: {self.host}:{self.port}",
                 "Connection: close"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        if body is not None:
            lines.append(f"Content-Length: {len(body)}")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        with socket.create_connection((self.host, self.port), timeout=self.timeout) as sock:
            try:
                sock.sendall(head + (body or b""))
            except OSError:
                pass  # refused before the body was read (413): the answer is still there
            chunks = []
            while True:
                try:
                    chunk = sock.recv(65536)
                except ConnectionResetError:
                    break
                if not chunk:
                    break
                chunks.append(chunk)
        raw = b"".join(chunks)
        head_raw, _, content = raw.partition(b"\r\n\r\n")
        status_line, *header_lines = head_raw.decode("latin-1").split("\r\n")
        status = int(status_line.split()[1]) if status_line else 0
        found: dict[str, str] = {}
        cookies: list[str] = []
        for line in header_lines:
            name, _, value = line.partition(":")
            found[name.strip().lower()] = value.strip()
            if name.strip().lower() == "set-cookie":
                cookies.append(value.strip())
        return Answer(status, found, cookies, content)


class Agent:
    """One client: a bearer token, or a browser with its cookie jar."""

    def __init__(self, transport: Transport, token: str | None = None) -> None:
        self.transport = transport
        self.token = token
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, *, json_body: Any = None, raw: bytes | None = None,
                form: dict[str, str] | None = None, headers: dict[str, str] | None = None,
                content_type: str | None = None) -> Answer:
        sent = dict(headers or {})
        body = raw
        if json_body is not None:
            body, content_type = json.dumps(json_body).encode(), content_type or "application/json"
        elif form is not None:
            body = urlencode(form).encode()
            content_type = content_type or "application/x-www-form-urlencoded"
        if content_type:
            sent["Content-Type"] = content_type
        if self.token is not None and "Authorization" not in sent:
            sent["Authorization"] = f"Bearer {self.token}"
        if self.cookies and "Cookie" not in sent:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        answer = self.transport.send(method, path, sent, body)
        for cookie in answer.cookies:
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if not value or "Max-Age=0" in cookie or "1970" in cookie:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return answer

    def csrf(self) -> str:
        page = self.request("GET", "/login")
        if page.status == 302:
            page = self.request("GET", "/")
        found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        if found is None:
            raise AssertionError(f"no CSRF token on the page ({page.status})")
        return found.group(1)

    def login(self, username: str, password: str = PASSWORD) -> Answer:
        token = self.csrf()
        return self.request("POST", "/login", form={"username": username, "password": password,
                                                    "csrf_token": token})


def sign_session(secret: str, data: dict[str, Any], at: int | None = None) -> str:
    """A session cookie as Flask signs it, with `secret`, dated `at` (seconds since the epoch)."""
    from flask.json.tag import TaggedJSONSerializer
    from itsdangerous import TimestampSigner, URLSafeTimedSerializer

    class Dated(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(at) if at is not None else super().get_timestamp()

    return URLSafeTimedSerializer(
        secret, salt="cookie-session", serializer=TaggedJSONSerializer(), signer=Dated,
        signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1}).dumps(data)


def read_session(secret: str, cookie: str) -> dict[str, Any]:
    """The content of a session cookie signed with `secret`."""
    from flask.json.tag import TaggedJSONSerializer
    from itsdangerous import URLSafeTimedSerializer

    data = URLSafeTimedSerializer(
        secret, salt="cookie-session", serializer=TaggedJSONSerializer(),
        signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1}).loads(cookie)
    return dict(data)
