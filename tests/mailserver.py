"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives, or refuses it
with 550 while `refuse` is set."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage
from types import TracebackType
from typing import Any

from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage


class _Handler:
    def __init__(self, server: MailServer) -> None:
        self.server = server

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        if self.server.refuse:
            return "550 5.7.1 refused by the test server"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self.server.lock:
            self.server.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), message)
            )
        return "250 OK"


class MailServer:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.refuse = False
        self.lock = threading.Lock()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> MailServer:
        self._controller.start()
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        self._controller.stop()

    def messages(self, to: str | None = None) -> list[EmailMessage]:
        with self.lock:
            return [r.message for r in self.received if to is None or to in r.recipients]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        """The messages once at least `count` arrived (they arrive before send returns;
        this only guards against a slow machine)."""
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages()
