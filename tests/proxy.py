"""A TCP proxy between the app (or a worker) and PostgreSQL that a test cuts and restores, so a
database outage can be staged without restarting the shared server: `cut()` closes every
connection through it and refuses new ones until `restore()`."""

from __future__ import annotations

import socket
import threading

from sqlalchemy.engine import make_url


class Proxy:
    """Forwards 127.0.0.1:`port` to `target`, one pair of threads per connection."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.port = int(self.listener.getsockname()[1])
        self.up = threading.Event()
        self.up.set()
        self.closed = threading.Event()
        self.cuts = 0
        self._pairs: set[tuple[socket.socket, socket.socket]] = set()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @classmethod
    def to(cls, database_url: str) -> Proxy:
        """A proxy to the server of `database_url`."""
        url = make_url(database_url)
        return cls((url.host or "127.0.0.1", url.port or 5432))

    def url(self, database_url: str) -> str:
        """`database_url` through this proxy."""
        return make_url(database_url).set(host="127.0.0.1", port=self.port).render_as_string(
            hide_password=False)

    def cut(self) -> None:
        """Drop every connection and refuse new ones, as a restarting server does."""
        self.up.clear()
        self.cuts += 1
        with self._lock:
            pairs, self._pairs = self._pairs, set()
        for pair in pairs:
            for end in pair:
                _close(end)

    def restore(self) -> None:
        """Accept and forward connections again."""
        self.up.set()

    def close(self) -> None:
        self.closed.set()
        self.cut()
        self._thread.join(5)
        self.listener.close()

    def _accept(self) -> None:
        while not self.closed.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if not self.up.is_set():
                _close(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                _close(client)
                continue
            upstream.settimeout(None)
            client.settimeout(None)
            pair = (client, upstream)
            with self._lock:
                self._pairs.add(pair)
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink, pair),
                                 daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket,
              pair: tuple[socket.socket, socket.socket]) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass  # cut, or the other end went away
        finally:
            with self._lock:
                self._pairs.discard(pair)
            for end in pair:
                _close(end)


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
