"""``make serve REPLICAS=2 PORT=N``: two app processes behind Debian's nginx, sticky by
cookie, WebSockets through the proxy, a health check on PORT, and a clean stop on SIGTERM
and on Ctrl-C (no process left behind)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import harness
import pytest
from catalogue import pain_map_text

from referral.deploy import nginx_config

ROOT = Path(__file__).resolve().parent.parent


def descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (read from /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


def get(url: str, cookie: str | None = None) -> tuple[str, dict[str, str]]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(request, timeout=5) as resp:
        return resp.read().decode(), {k.lower(): v for k, v in resp.headers.items()}


def wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"make serve exited with {proc.returncode}"
        try:
            if get(f"{url}/_stcore/health")[0] == "ok":
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"no health answer through nginx at {url} within {timeout} s")


@pytest.fixture
def serving() -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = harness.free_port()
    proc = subprocess.Popen(
        [
            "make",
            "--no-print-directory",
            "serve",
            "REPLICAS=2",
            f"PORT={port}",
            "ADDRESS=127.0.0.1",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        yield f"http://127.0.0.1:{port}", proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def stop_and_check(proc: subprocess.Popen[bytes], url: str, how: str) -> None:
    below = descendants(proc.pid)
    assert len(below) >= 5, below  # the supervisor, 2 apps, nginx's master and worker
    if how == "SIGTERM":
        proc.send_signal(signal.SIGTERM)  # to make alone, as a service manager would
    else:
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C: the terminal's whole foreground group
    proc.wait(timeout=30)
    deadline = time.monotonic() + 5
    while any(alive(pid) for pid in below) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [pid for pid in below if alive(pid)] == []
    with pytest.raises(OSError):
        get(f"{url}/_stcore/health")


@pytest.mark.browser
def test_two_replicas_behind_nginx_serve_the_pain_map_and_stop_cleanly(serving, browser):
    url, proc = serving
    wait_healthy(url, proc)
    # Sticky: one browser (one cookie) always reaches the same process; new browsers are
    # spread over both.
    _, first = get(f"{url}/_stcore/health")
    cookie = first["set-cookie"].split(";")[0]
    assert cookie.startswith("referral_replica=")
    same = {get(f"{url}/_stcore/health", cookie)[1]["x-referral-replica"] for _ in range(10)}
    assert len(same) == 1
    spread = {get(f"{url}/_stcore/health")[1]["x-referral-replica"] for _ in range(30)}
    assert len(spread) == 2
    # A page through the proxy: its WebSocket works (the ranking arrives, the charts draw).
    text = pain_map_text(browser, url)
    assert "T12" in text or "L1" in text, text[:300]
    stop_and_check(proc, url, "SIGTERM")


def test_ctrl_c_stops_every_process(serving):
    url, proc = serving
    wait_healthy(url, proc)
    stop_and_check(proc, url, "SIGINT")


def test_the_nginx_config_is_sticky_and_proxies_websockets(tmp_path):
    config = nginx_config(tmp_path, "0.0.0.0", 8080, [9001, 9002])
    assert "listen 0.0.0.0:8080;" in config
    assert "server 127.0.0.1:9001" in config and "server 127.0.0.1:9002" in config
    assert "hash $sticky consistent;" in config
    assert "proxy_set_header Upgrade $http_upgrade;" in config
    path = tmp_path / "nginx.conf"
    path.write_text(config)
    checked = subprocess.run(
        [
            "/usr/sbin/nginx",
            "-t",
            "-p",
            str(tmp_path),
            "-e",
            str(tmp_path / "e.log"),
            "-c",
            str(path),
        ],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr
