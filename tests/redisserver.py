"""A real Redis server (Debian's redis-server) on a free 127.0.0.1 port, without
persistence, for the worker tests: start, wait until it answers PING, restart (with or
without its data), stop."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from types import TracebackType

from redis import Redis
from redis.exceptions import RedisError

from tests.ports import free_port


class RedisServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.folder = tempfile.mkdtemp(prefix="plumbline-redis-")
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 15.0) -> RedisServer:
        program = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.process = subprocess.Popen(
            [
                program,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.folder,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        client = Redis(host="127.0.0.1", port=self.port, socket_timeout=1)
        try:
            while True:
                if self.process.poll() is not None:
                    raise RuntimeError(f"redis-server exited with {self.process.returncode}")
                try:
                    if client.ping():
                        return self
                except RedisError:
                    if time.monotonic() > deadline:
                        raise
                time.sleep(0.05)
        finally:
            client.close()

    def client(self) -> Redis:
        return Redis.from_url(self.url)

    def halt(self, *, save: bool = False) -> None:
        """Stop the server, keeping its folder. With `save`, it writes its data to
        dump.rdb first (SHUTDOWN SAVE) and a later `start` loads it back; without, a
        restart comes back empty (no persistence: queued messages are lost)."""
        if self.process is None or self.process.poll() is not None:
            return
        if save:
            client = Redis(host="127.0.0.1", port=self.port, socket_timeout=10)
            try:
                client.shutdown(save=True)
            except RedisError:
                pass  # the server closes the connection as it exits
            finally:
                client.close()
        else:
            self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def restart(self, *, save: bool = False, down: float = 0.0) -> None:
        """Stop and start again on the same port (down for `down` seconds between)."""
        self.halt(save=save)
        time.sleep(down)
        self.start()

    def stop(self) -> None:
        self.halt()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        self.stop()
