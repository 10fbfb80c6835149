"""A database address that accepts connections and never answers: a black hole.

What a client sees through a network path that drops replies without resetting anything, or a
server that hangs: the TCP handshake succeeds, requests go out, nothing ever comes back. The
connections are held open (never read, never closed) until ``stop``.
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading

POLL_SECONDS = 0.05


class BlackHole:
    """Listens on 127.0.0.1 and holds every connection it accepts without a byte of reply."""

    def __init__(self) -> None:
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self._held: list[socket.socket] = []
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="black-hole", daemon=True)

    @property
    def address(self) -> str:
        host, port = self._listener.getsockname()
        return f"{host}:{port}"

    def uri(self, options: str = "authMechanism=MONGODB-AWS&authSource=%24external") -> str:
        return f"mongodb://{self.address}/?{options}"

    @property
    def accepted(self) -> int:
        return len(self._held)

    def start(self) -> BlackHole:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(5)
        for sock in [*self._held, self._listener]:
            with contextlib.suppress(OSError):
                sock.close()

    def _accept(self) -> None:
        while not self._stopping.is_set():
            readable, _, _ = select.select([self._listener], [], [], POLL_SECONDS)
            if readable:
                connection, _ = self._listener.accept()
                self._held.append(connection)
