"""Serve the app as K processes behind Debian's nginx: ``referral serve`` / ``make serve``.

One Streamlit process uses one core (a tap costs ≈ 30 ms of its CPU), so a lecture hall
needs several. :func:`serve` starts ``replicas`` app processes on free ports of 127.0.0.1
(``referral app``), waits until each answers ``/_stcore/health``, then runs nginx in the
foreground on ``address:port`` in front of them (:func:`nginx_config`):

- **Sticky sessions.** A Streamlit session lives in the process that holds its WebSocket;
  the files a session uploads and the downloads it offers (``/_stcore/upload_file``,
  ``/media/``) live there too, and a reconnecting page must find it again. nginx gives
  every browser a random cookie (``referral_replica``) on its first response and chooses the
  process by a consistent hash of it, so all of a browser's requests go to one process
  (ip_hash would send a whole lecture hall behind one NAT address to one process).
- **WebSockets** are proxied (HTTP/1.1 with ``Upgrade``), without timeouts for idle pages.
- **Health:** ``http://address:port/_stcore/health`` answers through nginx; a process
  that stops answering is taken out of the rotation for 10 s (``max_fails``).
- **Clean stop:** SIGINT (Ctrl-C) or SIGTERM stops nginx and every app process and waits
  for them (SIGKILL after 10 s); if any of them exits on its own, the rest are stopped and
  the command fails.

Nothing here imports Streamlit; nginx is Debian's (``/usr/sbin/nginx``, installed by
``make serve``), run as the calling user with its files in a temporary folder.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from referral import cli

NGINX = "/usr/sbin/nginx"
#: Seconds an app process may take to answer its health check after it starts.
START_TIMEOUT = 60.0
#: Seconds a process may take to stop after SIGTERM before it is killed.
STOP_TIMEOUT = 10.0
COOKIE = "referral_replica"


def free_port(address: str = "127.0.0.1") -> int:
    """A TCP port on ``address`` that nothing listens on right now."""
    with socket.socket() as s:
        s.bind((address, 0))
        return int(s.getsockname()[1])


def nginx_config(folder: Path, address: str, port: int, upstreams: Sequence[int]) -> str:
    """nginx's configuration: ``address:port`` in front of the app processes on
    ``127.0.0.1:<upstreams>``, sticky by cookie, WebSockets proxied; its files in ``folder``.

    >>> "hash $sticky consistent;" in nginx_config(Path("/tmp/x"), "127.0.0.1", 80, [1, 2])
    True
    """
    servers = "\n".join(
        f"        server 127.0.0.1:{p} max_fails=3 fail_timeout=10s;" for p in upstreams
    )
    listen = f"[{address}]:{port}" if ":" in address else f"{address}:{port}"
    return f"""# Written by referral.deploy for one run; see that module.
worker_processes 1;
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    # A browser without the cookie gets a random one; its requests then all hash alike.
    map $cookie_{COOKIE} $sticky {{
        "" $request_id;
        default $cookie_{COOKIE};
    }}
    map $cookie_{COOKIE} $set_sticky {{
        "" "{COOKIE}=$request_id; Path=/; HttpOnly; SameSite=Lax";
        default "";
    }}
    map $http_upgrade $connection_upgrade {{
        default upgrade;
        "" close;
    }}
    upstream referral {{
        hash $sticky consistent;
{servers}
    }}
    server {{
        listen {listen};
        # The pain map's link can be 6,000 characters of drawing (referral.drawing).
        large_client_header_buffers 4 16k;
        client_max_body_size 10m;
        location / {{
            proxy_pass http://referral;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_read_timeout 1d;
            proxy_send_timeout 1d;
            proxy_buffering off;
            add_header Set-Cookie $set_sticky;
            # Which process answered (for the tests and for debugging stickiness).
            add_header X-Referral-Replica $upstream_addr;
        }}
    }}
}}
"""


def healthy(url: str, timeout: float = 1.0) -> bool:
    """Whether ``url/_stcore/health`` answers ``ok``."""
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=timeout) as resp:
            return bool(resp.read().decode().strip() == "ok")
    except OSError:
        return False


class Stopped(Exception):
    """SIGINT or SIGTERM arrived."""


def _raise_stopped(signum: int, _frame: object) -> None:
    raise Stopped(signal.Signals(signum).name)


def _die_with_parent() -> None:
    """In a child, before exec: ask Linux to send it SIGTERM if this process dies (even by
    SIGKILL), so that no app process or nginx outlives the command."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _start(command: list[str]) -> subprocess.Popen[bytes]:
    """Start ``command`` in its own session (a Ctrl-C in the terminal reaches only this
    process, which stops the others in order)."""
    return subprocess.Popen(
        command, stdout=subprocess.DEVNULL, start_new_session=True, preexec_fn=_die_with_parent
    )


def _stop(processes: Sequence[subprocess.Popen[bytes]]) -> None:
    """SIGTERM every process that still runs, wait, SIGKILL what has not stopped."""
    for proc in processes:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    for proc in processes:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def serve(replicas: int, port: int, address: str = "0.0.0.0") -> int:
    """Run ``replicas`` app processes behind nginx on ``address:port`` until SIGINT or
    SIGTERM (status 0) or until one of them exits (status 1)."""
    if not Path(NGINX).exists():
        print(f"referral: error: {NGINX} is missing (apt-get install nginx)", file=sys.stderr)
        return 1
    stops = (signal.SIGINT, signal.SIGTERM)
    previous = {sig: signal.signal(sig, _raise_stopped) for sig in stops}
    folder = Path(tempfile.mkdtemp(prefix="referral-serve-"))
    processes: list[subprocess.Popen[bytes]] = []
    status = 0
    try:
        ports = [free_port() for _ in range(replicas)]
        for p in ports:
            command = cli.app_command(p, "127.0.0.1")
            processes.append(_start(command))
        deadline = time.monotonic() + START_TIMEOUT
        for p, proc in zip(ports, processes, strict=True):
            while not healthy(f"http://127.0.0.1:{p}"):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"app process on port {p} did not start")
                time.sleep(0.2)
        config = folder / "nginx.conf"
        config.write_text(nginx_config(folder, address, port, ports), encoding="utf-8")
        log = folder / "error.log"
        processes.append(_start([NGINX, "-p", str(folder), "-e", str(log), "-c", str(config)]))
        shown = "localhost" if address in ("0.0.0.0", "::", "127.0.0.1") else address
        print(
            f"referral: {replicas} app processes behind nginx on http://{shown}:{port} "
            f"(health: /_stcore/health); Ctrl-C stops them",
            flush=True,
        )
        while True:
            for proc in processes:
                if proc.poll() is not None:
                    name = Path(str(proc.args[0])).name  # type: ignore[index]
                    raise RuntimeError(f"{name} (pid {proc.pid}) exited with {proc.returncode}")
            time.sleep(0.5)
    except Stopped:
        status = 0
    except RuntimeError as exc:
        log = folder / "error.log"
        said = log.read_text(errors="replace").strip()[-300:] if log.exists() else ""
        said = " ".join(said.split())  # one line
        print(f"referral: error: {exc}" + (f"; nginx: {said}" if said else ""), file=sys.stderr)
        status = 1
    finally:
        # A second Ctrl-C while stopping must not leave processes behind.
        for sig in previous:
            signal.signal(sig, signal.SIG_IGN)
        _stop(processes)
        shutil.rmtree(folder, ignore_errors=True)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return status


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m referral.deploy``: the same as ``referral serve``."""
    return cli.main(["serve", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
