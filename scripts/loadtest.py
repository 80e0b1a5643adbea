"""Load test of the pain map at the protocol level: N simulated users tapping at a human pace.

    python scripts/loadtest.py [--users 10,25,50,100] [--seconds 20] [--replicas 2]

Each user speaks Streamlit's own protocol (BackMsg / ForwardMsg protobufs over the
``/_stcore/stream`` WebSocket), as a browser does: it opens the pain map (half of the users
with a shared link of three regions), then taps a new region every 1-3 s on the view that
shows it, as the chart component reports a tap: every chart's numbered log of taps (its
state, in the fragment the charts belong to), as a browser sends all widget states with
each rerun. It measures, per step of N users:

- tap → ranking: from sending the tap to receiving the ranking's Markdown of the run it
  started (p50 / p95 / max);
- lost taps: users whose final drawing (the ``drawing=`` link the page last wrote) is not
  the shared link's regions plus every region they tapped;
- bytes of messages per tap (received, and sent: the rerun request), and the server's CPU
  (% of one core over the step) and resident memory (all its processes).

Like a browser, each user keeps Streamlit's message cache (:class:`MessageCache`): it lists
the hashes of the large elements it holds with every rerun request, and the server sends an
unchanged one as a reference to it.

Every step runs against one app process (``referral app``) and against the replicated
deployment (``referral serve --replicas K``, nginx with sticky sessions), which the script
starts and stops itself on free ports of 127.0.0.1. Bounded: at most 200 users and 120 s
a step; only loopback addresses. The client runs on the same machine as the server and
takes CPU from it (reported as ``client_cpu``). Prints one JSON object per step.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect

from referral import cli
from referral.deploy import free_port, healthy
from referral.drawing import Drawing
from referral.regions import load_regions

MAX_USERS = 200
MAX_SECONDS = 120
RANKING_HEADING = "Best-matching levels"
SHARED = ("left-groin", "left-iliac-crest", "left-low-back")


class MessageCache:
    """The browser's cache of element messages, as Streamlit's frontend keeps it
    (``ForwardMessageCache``): a message the server marks ``cacheable`` is kept under its
    hash; a ``ref_hash`` message is answered from it; after each script run that the
    frontend counts (one that was not stopped early for a rerun and sent ``new_session``),
    a message not used for more than ``max_age`` runs is dropped (for a fragment's run, only
    that fragment's messages age)."""

    def __init__(self, max_age: int = 2) -> None:
        self.max_age = max_age
        self.runs = 0
        self.session_seen = False
        self.messages: dict[str, tuple[bytes, int, str]] = {}  # hash -> (message, run, fragment)

    def hashes(self) -> list[str]:
        """What a rerun request lists (``ClientState.cached_message_hashes``)."""
        return list(self.messages)

    def receive(self, msg: ForwardMsg) -> ForwardMsg:
        """The message itself, or the cached message a reference stands for."""
        kind = msg.WhichOneof("type")
        if kind == "ref_hash":
            encoded, _, fragment = self.messages[msg.ref_hash]  # KeyError: a cache miss
            self.messages[msg.ref_hash] = (encoded, self.runs, fragment)
            full = ForwardMsg()
            full.ParseFromString(encoded)
            full.metadata.CopyFrom(msg.metadata)
            return full
        if kind == "new_session":
            self.session_seen = True
            self.max_age = msg.new_session.config.max_cached_message_age or self.max_age
        elif kind == "script_finished":
            self._finished(msg)
        if msg.metadata.cacheable and msg.hash not in self.messages:
            fragment = msg.delta.fragment_id if kind == "delta" else ""
            self.messages[msg.hash] = (msg.SerializeToString(), self.runs, fragment)
        return msg

    def rerun_requested(self) -> None:
        self.session_seen = False

    def _finished(self, msg: ForwardMsg) -> None:
        if msg.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN or not self.session_seen:
            return
        self.runs += 1
        fragments = set(msg.metadata.run.fragment_ids)
        for key, (_, run, fragment) in list(self.messages.items()):
            if fragments and fragment not in fragments:
                continue
            if self.runs - run > self.max_age:
                del self.messages[key]


@dataclass
class User:
    """One simulated browser on the pain map."""

    number: int
    url: str
    shared: bool
    taps: list[str]
    latencies: list[float] = field(default_factory=list)
    bytes: list[int] = field(default_factory=list)
    link: str = ""
    charts: dict[str, tuple[str, str]] = field(default_factory=dict)  # view -> (id, fragment)
    page_hash: str = ""
    tapped: list[str] = field(default_factory=list)
    error: str = ""
    logs: dict[str, list[dict[str, object]]] = field(default_factory=dict)  # view -> its log
    cache: MessageCache = field(default_factory=MessageCache)
    sent_bytes: list[int] = field(default_factory=list)


def tap_message(user: User, view: str, region: str, sequence: int, query: str) -> bytes:
    """A rerun carrying every chart's log of taps, the new one appended to ``view``'s."""
    _, fragment = user.charts[view]
    entry = {"seq": sequence, "selection": {"points": [{"customdata": region}]}}
    user.logs.setdefault(view, []).append(entry)
    msg = BackMsg()
    state = msg.rerun_script
    state.query_string = query
    state.page_script_hash = user.page_hash
    state.fragment_id = fragment
    for shown, log in user.logs.items():
        widget = state.widget_states.widgets.add()
        widget.id = user.charts[shown][0]
        widget.json_value = json.dumps({"log": log})
    state.cached_message_hashes.extend(user.cache.hashes())
    user.cache.rerun_requested()
    return bytes(msg.SerializeToString())


def first_message(query: str) -> bytes:
    msg = BackMsg()
    msg.rerun_script.query_string = query
    return bytes(msg.SerializeToString())


async def run_user(user: User, views: Mapping[str, str], deadline: float, start_at: float) -> None:
    await asyncio.sleep(max(0.0, start_at - time.monotonic()))
    host = user.url.split("//", 1)[1]
    query = (
        f"drawing={quote(Drawing.from_regions(SHARED, REGIONS).to_text())}" if user.shared else ""
    )
    cookie = ""
    with contextlib.suppress(OSError):
        request = urllib.request.Request(user.url + "/_stcore/health")
        with urllib.request.urlopen(request, timeout=10) as resp:
            cookie = "; ".join(c.split(";")[0] for c in resp.headers.get_all("Set-Cookie") or [])
    pending: dict[str, Any] = {"sent": None, "bytes": 0}
    try:
        async with connect(
            f"ws://{host}/_stcore/stream",
            subprotocols=["streamlit"],  # type: ignore[list-item]
            additional_headers={"Origin": user.url, **({"Cookie": cookie} if cookie else {})},
            max_size=None,
            open_timeout=60,
        ) as ws:
            await ws.send(first_message(query))
            reader = asyncio.create_task(read(ws, user, pending))
            wanted = set(views.values())
            ready_by = time.monotonic() + 90
            while not wanted <= set(user.charts):  # the first run's charts
                if reader.done() or time.monotonic() > ready_by:
                    raise RuntimeError(f"the charts did not arrive ({sorted(user.charts)})")
                await asyncio.sleep(0.05)
            for sequence, region in enumerate(user.taps, start=1):
                if time.monotonic() > deadline:
                    break
                await asyncio.sleep(random.uniform(1.0, 3.0))
                current = user.link or query
                pending["sent"], pending["bytes"], pending["counting"] = time.monotonic(), 0, True
                message = tap_message(user, views[region], region, sequence, current)
                user.sent_bytes.append(len(message))
                await ws.send(message)
                user.tapped.append(region)
            await asyncio.sleep(5.0)  # the last runs finish (under load: longer, below)
            settle = time.monotonic() + 30
            while pending["sent"] is not None and time.monotonic() < settle:
                await asyncio.sleep(0.2)
            reader.cancel()
    except Exception as exc:  # a user's failure is counted, not fatal
        user.error = f"{exc.__class__.__name__}: {exc}"[:200]


async def read(ws: Any, user: User, pending: dict[str, Any]) -> None:
    """Read the server's messages: the page's hash, the link, the charts' ids, and when the
    ranking arrives (the first element after the heading "Best-matching levels")."""
    heading = False
    async for frame in ws:
        msg = ForwardMsg()
        msg.ParseFromString(frame)
        pending["bytes"] += len(frame)
        msg = user.cache.receive(msg)
        kind = msg.WhichOneof("type")
        if kind == "navigation":
            user.page_hash = msg.navigation.page_script_hash  # the page's, as a browser sends
        elif kind == "page_info_changed":
            user.link = msg.page_info_changed.query_string
        elif kind == "script_finished" and pending.get("counting"):
            user.bytes.append(pending["bytes"])  # the whole run a tap started
            pending["counting"] = False
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            which = element.WhichOneof("type")
            if which == "bidi_component":
                match = re.search(r"chart-([a-z-]+)$", element.bidi_component.id)
                if match:
                    user.charts[match[1]] = (element.bidi_component.id, msg.delta.fragment_id)
            elif which == "heading":
                heading = element.heading.body.startswith(RANKING_HEADING)
            elif heading and which in ("markdown", "alert"):
                heading = False
                if pending["sent"] is not None:
                    user.latencies.append(time.monotonic() - pending["sent"])
                    pending["sent"] = None


def expected(user: User) -> frozenset[str]:
    return frozenset((SHARED if user.shared else ()) + tuple(user.tapped))


def final_drawing(user: User) -> frozenset[str] | None:
    texts = parse_qs(user.link).get("drawing")
    if not texts:
        return frozenset()
    try:
        return Drawing.from_text(texts[-1], REGIONS).regions
    except Exception:
        return None


def tree(pid: int) -> list[int]:
    """``pid`` and every process below it."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rpartition(")")[2].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [pid], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return round(total / 1024, 1)


@contextlib.contextmanager
def server(replicas: int) -> Iterator[tuple[str, int]]:
    """Start one app process (``replicas`` = 0) or the replicated deployment; yield its URL
    and the pid whose process tree is the server."""
    port = free_port()
    if replicas == 0:
        command = cli.app_command(port, "127.0.0.1")
    else:
        command = [sys.executable, "-m", "referral", "serve", "--replicas", str(replicas),
                   "--port", str(port), "--address", "127.0.0.1"]  # fmt: skip
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while not healthy(url):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start: {command}")
            time.sleep(0.3)
        yield url, proc.pid
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def step(url: str, pid: int, users: int, seconds: float) -> dict[str, Any]:
    rng = random.Random(users)
    ids = [rid for rid in REGIONS.ids() if rid not in SHARED]
    views = {rid: REGIONS.home_view(rid) for rid in ids}
    people = [
        User(number=i, url=url, shared=i % 2 == 0, taps=rng.sample(ids, min(len(ids), 60)))
        for i in range(users)
    ]
    pids = tree(pid)
    cpu0, own0, t0 = cpu_seconds(pids), time.process_time(), time.monotonic()
    deadline = t0 + seconds + 3  # users start over 3 s
    peak = 0.0

    async def all_users() -> None:
        nonlocal peak
        tasks = [
            asyncio.create_task(run_user(u, views, deadline, t0 + 3 * i / max(1, users)))
            for i, u in enumerate(people)
        ]
        while not all(t.done() for t in tasks):
            peak = max(peak, rss_mb(tree(pid)))
            await asyncio.sleep(1.0)

    asyncio.run(all_users())
    elapsed = time.monotonic() - t0
    cpu = cpu_seconds(tree(pid)) - cpu0
    latencies = sorted(x for u in people for x in u.latencies)
    sent = sum(len(u.tapped) for u in people)
    wrong = [u.number for u in people if not u.error and final_drawing(u) != expected(u)]
    sizes = [b for u in people for b in u.bytes]
    requests = [b for u in people for b in u.sent_bytes]

    def ms(q: float) -> float:
        return round(1000 * latencies[min(len(latencies) - 1, int(q * len(latencies)))], 1)

    return {
        "users": users,
        "taps_sent": sent,
        "taps_answered": len(latencies),
        "tap_to_ranking_ms": (
            {"p50": ms(0.5), "p95": ms(0.95), "max": ms(1.0)} if latencies else None
        ),
        "users_with_wrong_drawing": len(wrong),
        "users_failed": sum(1 for u in people if u.error),
        "errors": sorted({u.error for u in people if u.error})[:3],
        "message_bytes_per_tap_median": int(statistics.median(sizes)) if sizes else None,
        "request_bytes_per_tap_median": int(statistics.median(requests)) if requests else None,
        "server_cpu_percent_of_one_core": round(100 * cpu / elapsed, 1),
        "server_rss_mb_peak": peak,
        "client_cpu_percent_of_one_core": round(100 * (time.process_time() - own0) / elapsed, 1),
        "seconds": round(elapsed, 1),
    }


REGIONS = load_regions()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", default="10,25,50,100", help="comma-separated user counts")
    parser.add_argument("--seconds", type=float, default=20, help="tapping time of a step")
    parser.add_argument("--replicas", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--only", choices=["single", "replicated"], default=None)
    args = parser.parse_args(argv)
    counts = [int(n) for n in args.users.split(",")]
    if not all(1 <= n <= MAX_USERS for n in counts) or not 1 <= args.seconds <= MAX_SECONDS:
        parser.error(f"users 1-{MAX_USERS}, seconds 1-{MAX_SECONDS}")
    targets = {"single": 0, "replicated": args.replicas}
    if args.only:
        targets = {args.only: targets[args.only]}
    for name, replicas in targets.items():
        with server(replicas) as (url, pid):
            for n in counts:
                result = {
                    "deployment": name,
                    "replicas": max(1, replicas),
                    **step(url, pid, n, args.seconds),
                }
                print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
