"""Start an isolated JupyterLab and drive it in headless Debian Chromium.

Facts this relies on (see ../shared/browser-testing.md): the toolbar's idle
marker appears before the kernel is connected, so cells are run through
``jupyterapp.commands`` after ``sessionContext.ready``; and a view is drawn
when its canvas carries ``data-rendered``, not after a fixed time.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(cmd: list[str], *, url: str, log: Path, name: str, env: dict[str, str],
                 cwd: Path | None = None, timeout: float = 60.0) -> subprocess.Popen:
    """Start ``cmd`` (output to ``log``) and poll ``url`` until it answers 200; if the process
    exits first or ``timeout`` s pass, stop it and raise with the log's tail."""
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited early:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.25)
    stop_server(proc)
    raise RuntimeError(f"{name} did not answer within {timeout} s:\n{log.read_text()[-3000:]}")


def stop_server(proc: subprocess.Popen | None) -> None:
    """Terminate a server started by :func:`start_server` (kill it after 10 s)."""
    if proc and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


class Lab:
    """A JupyterLab server on a free loopback port with its own config, data and runtime dirs."""

    def __init__(self, workdir: Path, root: Path, app: str = "lab") -> None:
        self.workdir = workdir
        self.root = root
        self.app = app  # "lab" (JupyterLab) or "notebook" (Notebook 7)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.log = workdir / "jupyterlab.log"

    def start(self, timeout: float = 60.0) -> None:
        env = dict(os.environ)
        for name in ("config", "data", "runtime", "ipython"):
            (self.workdir / name).mkdir(parents=True, exist_ok=True)
        env.update(
            JUPYTER_CONFIG_DIR=str(self.workdir / "config"),
            JUPYTER_DATA_DIR=str(self.workdir / "data"),
            JUPYTER_RUNTIME_DIR=str(self.workdir / "runtime"),
            IPYTHONDIR=str(self.workdir / "ipython"),
            JUPYTER_PLATFORM_DIRS="1",
        )
        labconfig = self.workdir / "config" / "labconfig"
        labconfig.mkdir(parents=True, exist_ok=True)
        # The news pop-up would cover the page.
        (labconfig / "page_config.json").write_text(
            json.dumps({"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}})
        )
        # JupyterLab 4.6 sends comm messages over kernel subshells (one per comm target) by
        # default; with ipykernel 7.4 the kernel sometimes answers the first message from a
        # view with "Cannot handle comm_msg …: Unknown subshell_id" and drops it (seen in the
        # server log: a click's request never reached Python). That race is upstream, not in
        # nnwidgets; the tests use the plain shell channel so they test what nnwidgets does.
        kernels = self.workdir / "config" / "lab" / "user-settings" / "@jupyterlab" / "apputils-extension"
        kernels.mkdir(parents=True, exist_ok=True)
        (kernels / "kernels-settings.jupyterlab-settings").write_text(json.dumps({"commsOverSubshells": "disabled"}))
        expose = "--LabApp.expose_app_in_browser=True" if self.app == "lab" else \
            "--JupyterNotebookApp.expose_app_in_browser=True"
        cmd = [
            sys.executable, "-m", "jupyter", self.app, "--no-browser", "--allow-root",
            "--ip=127.0.0.1", f"--port={self.port}",
            "--ServerApp.token=", "--ServerApp.password=",
            expose,
            f"--ServerApp.root_dir={self.root}",
        ]
        name = "JupyterLab" if self.app == "lab" else "Notebook 7"
        self.proc = start_server(cmd, url=f"{self.url}/api/status", log=self.log, name=name, env=env, timeout=timeout)

    def stop(self) -> None:
        stop_server(self.proc)


def copy_notebooks(src: Path, dst: Path) -> None:
    """Run copies, so the lab's autosave never writes into the repository."""
    dst.mkdir(parents=True, exist_ok=True)
    for nb in src.glob("*.ipynb"):
        shutil.copy(nb, dst / nb.name)


def write_notebook(root: Path, name: str, cells: list[str]) -> str:
    """Write a notebook of code cells into the lab's root; returns its name."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, root / name)
    return name


RUN_ALL = """async () => {
  const app = window.jupyterapp;
  const panel = app.shell.currentWidget;
  await panel.sessionContext.ready;
  await panel.context.ready;
  await app.commands.execute('notebook:run-all-cells');
}"""

NOTEBOOK_OPEN = """() => {
  const app = window.jupyterapp;
  const w = app && app.shell && app.shell.currentWidget;
  return !!(w && w.sessionContext && w.content && w.content.widgets && w.content.widgets.length);
}"""


def open_and_run(page, lab: Lab, notebook: str, timeout_ms: int = 60_000) -> None:
    """Open a notebook in the lab (or Notebook 7) and run all its cells once its kernel is ready."""
    if lab.app == "notebook":
        page.goto(f"{lab.url}/notebooks/{notebook}")
    else:
        # ?reset: start from an empty workspace, not with tabs an earlier test left open
        page.goto(f"{lab.url}/lab/tree/{notebook}?reset")
    page.wait_for_function(NOTEBOOK_OPEN, timeout=timeout_ms)
    page.evaluate(RUN_ALL)


THEME = "(name) => window.jupyterapp.commands.execute('apputils:change-theme', { theme: name })"
# JupyterLab covers the page with its splash screen while a theme loads and takes it
# away a moment after the body wears the new theme: pointer moves in between land on
# the splash, not on the view, so a switch is done only when the splash has gone too.
IS_THEME = ("(dark) => document.body.dataset.jpThemeLight === (dark ? 'false' : 'true')"
            " && !document.getElementById('jupyterlab-splash')")
LIGHT = "JupyterLab Light"


def set_theme(page, name: str) -> None:
    """Switch JupyterLab's theme and wait until the page wears it."""
    page.evaluate(THEME, name)
    page.wait_for_function(IS_THEME, arg=name.endswith("Dark"), timeout=30_000)


@contextmanager
def themes(page, lab: Lab) -> Iterator[Callable[[str], None]]:
    """Yields ``switch(name)``; on the way out (an exception too) the light theme is set back
    if anything was switched, from a fresh page when the test's page no longer answers."""
    switched: list[str] = []

    def switch(name: str) -> None:
        switched.append(name)
        set_theme(page, name)

    try:
        yield switch
    finally:
        if switched:
            try:
                set_theme(page, LIGHT)
            except Exception:
                fresh = page.context.new_page()
                try:
                    fresh.goto(f"{lab.url}/lab?reset")
                    fresh.wait_for_function(
                        "() => !!window.jupyterapp?.commands?.hasCommand('apputils:change-theme')", timeout=60_000)
                    set_theme(fresh, LIGHT)
                finally:
                    fresh.close()
