"""A loopback TCP proxy a test can cut and restore: the database going away and coming back.

with TcpProxy(("127.0.0.1", 5432)) as proxy:
    url = proxy.url_for("postgresql+psycopg://postgres@127.0.0.1:5432/test")
    proxy.cut()       # open connections are dropped, new ones are closed on arrival
    proxy.restore()   # connections are forwarded again
    proxy.stall()     # nothing is forwarded, nothing closed: packets dropped on the way
    proxy.restore()   # what was held back flows on
"""

from __future__ import annotations

import contextlib
import socket
import threading
from types import TracebackType
from urllib.parse import urlsplit, urlunsplit


class TcpProxy:
    """Forwards each connection to `target` on threads of its own, until cut."""

    def __init__(self, target: tuple[str, int]) -> None:
        self._target = target
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._cut = False
        self._flowing = threading.Event()
        self._flowing.set()
        self.refused = 0  # connections closed on arrival while cut
        self._thread = threading.Thread(target=self._accept, name="tcp-proxy", daemon=True)

    def start(self) -> TcpProxy:
        self._thread.start()
        return self

    def url_for(self, url: str) -> str:
        """`url` (a database URL on `target`) pointed at the proxy instead."""
        parts = urlsplit(url)
        user = parts.netloc.rpartition("@")[0]
        netloc = f"{user}@127.0.0.1:{self.port}" if user else f"127.0.0.1:{self.port}"
        return urlunsplit(parts._replace(netloc=netloc))

    def cut(self) -> None:
        """The network goes: every open connection is reset, new ones are closed at once."""
        with self._lock:
            self._cut = True
            doomed, self._open = self._open, set()
        for sock in doomed:
            _close(sock)

    def stall(self) -> None:
        """The network black-holes packets: connections, open or new, are kept but nothing
        crosses in either direction (a partition, as opposed to a refusal)."""
        self._flowing.clear()

    def restore(self) -> None:
        with self._lock:
            self._cut = False
        self._flowing.set()
        self._flowing = threading.Event()
        self._flowing.set()

    def stop(self) -> None:
        self.cut()
        self._flowing.set()
        _close(self._listener)
        self._thread.join(timeout=5)

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # stopped
            with self._lock:
                cut = self._cut
                if cut:
                    self.refused += 1
            if cut:
                _close(client)
                continue
            try:
                server = socket.create_connection(self._target, timeout=5)
                server.settimeout(None)
            except OSError:
                _close(client)
                continue
            with self._lock:
                self._open |= {client, server}
            for source, sink in ((client, server), (server, client)):
                threading.Thread(
                    target=self._pump, args=(source, sink), name="tcp-proxy-pump", daemon=True
                ).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while self._flowing.wait() and (data := source.recv(65536)):
                self._flowing.wait()  # what arrived as the stall began is held back too
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with self._lock:
                self._open -= {source, sink}
            _close(source)
            _close(sink)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()
