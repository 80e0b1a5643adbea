"""Test support: run the app in a subprocess and open Debian's Chromium on it (browser tests,
screenshots, the browser benchmark). Lives under tests/, not in the package: it is not part
of the app.

Nothing here imports Streamlit; Playwright is imported only by :func:`chromium`, so the app
itself never needs it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
#: Flags that work as root on these machines (see shared/design/streamlit-notes.md).
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


# -- what the charts show, for browser tests and the benchmark ---------------

#: Every Explore chart that draws zones draws level ``lv``'s and no other's.
LEVEL_DRAWN = """lv => {
    const zones = [...document.querySelectorAll('[class*="st-key-explore-"] .js-plotly-plot')]
        .map(gd => gd.data.filter(t => t.meta && t.meta.role === 'zone').map(t => t.meta.level))
        .filter(levels => levels.length > 0);
    return zones.length > 0 && zones.every(levels => levels.every(l => l === lv));
}"""

#: Each pain-map view's accessible name (its chart's ``aria-label``), by view.
CHART_NAMES = """() => Object.fromEntries([...document.querySelectorAll('[role="figure"]')]
    .map(gd => [gd.closest('[class*="st-key-map-"]').className.match(/st-key-map-([a-z-]+)/)[1],
                gd.getAttribute('aria-label')]))"""

#: Page position of a tap point of ``region`` (the middle one) in the chart of ``view``.
TAP_POINT = """([view, region]) => {
    const gd = document.querySelector(`.st-key-map-${view} .js-plotly-plot`);
    const taps = gd.data.filter(t => t.meta && t.meta.role === 'tap');
    if (taps.length !== 1) throw new Error(`${taps.length} tap traces`);
    const t = taps[0];
    const ids = t.customdata.map(c => Array.isArray(c) ? c[0] : c);
    const mine = ids.map((r, i) => r === region ? i : -1).filter(i => i >= 0);
    const i = mine[Math.floor(mine.length / 2)];
    const L = gd._fullLayout, box = gd.getBoundingClientRect();
    return {x: box.left + L._size.l + L.xaxis.d2p(t.x[i]),
            y: box.top + L._size.t + L.yaxis.d2p(t.y[i])};
}"""
#: Page positions of data points ``xs``, ``ys`` in the chart of ``view``.
TO_PAGE = """([view, xs, ys]) => {
    const gd = document.querySelector(`.st-key-map-${view} .js-plotly-plot`);
    const L = gd._fullLayout, box = gd.getBoundingClientRect();
    return xs.map((x, i) => ({x: box.left + L._size.l + L.xaxis.d2p(x),
                              y: box.top + L._size.t + L.yaxis.d2p(ys[i])}));
}"""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def running_app(
    script: str = "app.py", timeout: float = 30.0, *, own_config: bool = True
) -> Iterator[str]:
    """Start ``streamlit run <script>`` (relative to the repository) in its own process group;
    yield its URL; kill the group.

    ``own_config=False`` runs a copy of the script from an empty folder, so Streamlit's
    defaults apply instead of the repository's ``.streamlit/config.toml`` (usage statistics
    stay off).
    """
    port = free_port()
    with contextlib.ExitStack() as stack:
        folder = ROOT
        if not own_config:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            shutil.copy(ROOT / script, folder / Path(script).name)
            script = Path(script).name
        yield stack.enter_context(_served(script, folder, port, timeout))


@contextlib.contextmanager
def _served(script: str, folder: Path, port: int, timeout: float) -> Iterator[str]:
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        script,
        "--server.headless=true",
        "--server.address=127.0.0.1",
        f"--server.port={port}",
        "--browser.gatherUsageStats=false",
    ]
    with serving(command, folder, port, timeout) as url:
        yield url


@contextlib.contextmanager
def serving(
    command: list[str], cwd: Path, port: int, timeout: float, log: Path | None = None
) -> Iterator[str]:
    """Run ``command`` (a Streamlit server on ``port``) in its own session from ``cwd``,
    yield its address once it is healthy, then stop it with SIGTERM; raise
    ``AssertionError`` if it has not stopped 15 s later (it is then killed). The server's
    output goes to the file ``log`` (a temporary one when not given; a pipe that nobody
    reads could fill and stall the server)."""
    with contextlib.ExitStack() as stack:
        if log is None:
            log = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "server.log"
        sink = stack.enter_context(log.open("wb"))
        proc = subprocess.Popen(
            command, cwd=cwd, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
        )
        yield from _served_until_stopped(proc, port, timeout, log)


def _served_until_stopped(
    proc: subprocess.Popen[bytes], port: int, timeout: float, log: Path
) -> Iterator[str]:
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, timeout, log)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise AssertionError("the app did not stop on SIGTERM within 15 s") from None


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float, log: Path) -> None:
    """Poll ``/_stcore/health`` until it answers ``ok``; raise if the server exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = log.read_text(errors="replace")[-4000:]
            raise RuntimeError(f"streamlit exited with code {proc.returncode}: {err}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as resp:
                if resp.read().decode().strip() == "ok":
                    return
        except OSError:
            pass
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=0.2)  # the poll interval; returns early if the server exits
    raise TimeoutError(f"streamlit did not answer at {url} within {timeout:g} s")


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """Yield a Playwright ``Browser`` on ``/usr/bin/chromium`` (a fresh temporary profile)."""
    if not CHROMIUM.exists():
        raise FileNotFoundError(
            f"{CHROMIUM} is missing: install Debian's chromium (`make test` does, or "
            "`apt-get install -y chromium`)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS))
        try:
            yield browser
        finally:
            browser.close()
