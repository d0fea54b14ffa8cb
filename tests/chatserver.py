"""A real HTTP server on 127.0.0.1 that speaks the OpenAI chat-completions format with
scripted answers, for testing the LLM client's error handling and the rewrite checks
without a model. (The LLM back end's integration test runs a real model server.)

    with ChatServer(lambda request: Answer.text("A sentence.")) as server:
        ChatClient(server.base_url).complete("system", "user")
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any


@dataclass(frozen=True)
class Answer:
    body: bytes
    status: int = 200
    delay: float = 0.0  # seconds before the response starts

    @classmethod
    def text(cls, content: str | None) -> Answer:
        """A well-formed chat completion whose message says `content`."""
        completion = {
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                }
            ],
        }
        return cls(json.dumps(completion).encode())


@dataclass(frozen=True)
class Request:
    path: str
    headers: dict[str, str]  # names lower-cased
    payload: dict[str, Any]

    @property
    def user(self) -> str:
        """The last user message."""
        return str(
            next(m["content"] for m in reversed(self.payload["messages"]) if m["role"] == "user")
        )


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length)
        try:
            payload = json.loads(raw)
        except ValueError:
            payload = {}
        request = Request(self.path, {k.lower(): v for k, v in self.headers.items()}, payload)
        self.server.requests.append(request)
        answer = self.server.answer(request)
        time.sleep(answer.delay)
        try:
            self.send_response(answer.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up first
            pass

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, answer: Callable[[Request], Answer]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.answer = answer
        self.requests: list[Request] = []


class ChatServer:
    def __init__(self, answer: Callable[[Request], Answer]) -> None:
        self._server = _Server(answer)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def requests(self) -> list[Request]:
        return self._server.requests

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> ChatServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
