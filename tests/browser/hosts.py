"""marimo and Voilà servers for the browser tests, isolated like ``lab.Lab``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .lab import free_port, start_server, stop_server

BIN = Path(sys.executable).parent


def need(module: str) -> None:
    """Skip without ``module``, except under CI, where a missing server is a failure."""
    if os.environ.get("CI") == "true":
        __import__(module)
    else:
        pytest.importorskip(module, reason=f"{module} is not installed (pip install -e '.[test]')")


class Server:
    """A server process on a free loopback port, polled until ``url`` answers."""

    def __init__(self, workdir: Path, name: str) -> None:
        self.workdir, self.name = workdir, name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = workdir / f"{name}.log"
        self.proc: subprocess.Popen | None = None

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        for d in ("config", "data", "runtime", "ipython", "home"):
            (self.workdir / d).mkdir(parents=True, exist_ok=True)
        env.update(JUPYTER_CONFIG_DIR=str(self.workdir / "config"), JUPYTER_RUNTIME_DIR=str(self.workdir / "runtime"),
                   IPYTHONDIR=str(self.workdir / "ipython"), JUPYTER_PLATFORM_DIRS="1",
                   MARIMO_SKIP_UPDATE_CHECK="1", XDG_CONFIG_HOME=str(self.workdir / "home"))
        return env

    def start(self, cmd: list[str], cwd: Path, path: str = "/", timeout: float = 90.0) -> None:
        self.proc = start_server(cmd, url=f"{self.url}{path}", log=self.log, name=self.name, env=self.env(),
                                 cwd=cwd, timeout=timeout)

    def stop(self) -> None:
        stop_server(self.proc)


def marimo_server(workdir: Path, app: Path) -> Server:
    server = Server(workdir, "marimo")
    server.start([str(BIN / "marimo"), "run", str(app), "--headless", "--no-token", "--host", "127.0.0.1",
                  "-p", str(server.port)], cwd=app.parent)
    return server


def voila_server(workdir: Path, notebook: Path) -> Server:
    server = Server(workdir, "voila")
    server.start([sys.executable, "-m", "voila", notebook.name, "--no-browser", f"--port={server.port}",
                  "--Voila.ip=127.0.0.1", "--show_tracebacks=True"], cwd=notebook.parent)
    return server
