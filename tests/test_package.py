"""The wheel works on its own: built from this tree, installed into a clean virtualenv, and
run from another folder (the CLI, ``python -m referral``, and the app through ``referral app``).

Building and installing take ≈ 30 s (the clean virtualenv installs the dependencies from
the package index pip is configured with, usually from its cache); the tests share one
installation. Any failure here fails ``make test``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path
from urllib.parse import urlparse

import harness
import pytest
from catalogue import pain_map_text

ROOT = Path(__file__).resolve().parent.parent

#: What the wheel must carry besides the code, by where the source tree keeps it.
CARRIED = {
    "data/regions.geojson": "referral/data/regions.geojson",
    "data/zones.geojson": "referral/data/zones.geojson",
    "data/sources.csv": "referral/data/sources.csv",
    "data/published-cases.json": "referral/data/published-cases.json",
    "assets/body_outlines/posterior.geojson": "referral/body_outlines/posterior.geojson",
    "static/plotly-basic-4.1.1.min.js": "referral/app/static/plotly-basic-4.1.1.min.js",
    "assets/app/icon.png": "referral/app/assets/icon.png",
    ".streamlit/config.toml": "referral/app/settings/config.toml",
    "referral/app/plot.js": "referral/app/plot.js",
    "referral/app/plot_loader.js": "referral/app/plot_loader.js",
    "referral/app/pages/painmap.py": "referral/app/pages/painmap.py",
    "referral/app/text/painmap.md": "referral/app/text/painmap.md",
}


def _run(command: list[str], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise AssertionError(
            f"{' '.join(command)} exited with {result.returncode}:\n"
            f"{result.stdout}\n{result.stderr}"
        )
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)], ROOT)
    (found,) = out.glob("referral_map-*.whl")
    return found


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clean virtualenv (no system site-packages) with the wheel installed; its bin/."""
    venv = tmp_path_factory.mktemp("venv")
    _run([sys.executable, "-m", "venv", str(venv)], venv)
    _run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)], venv, 600)
    return venv / "bin"


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """An empty folder outside the source tree to run from."""
    assert ROOT not in tmp_path.parents
    return tmp_path


def test_the_wheel_carries_the_data_the_bundle_and_the_component(wheel):
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        for source, inside in CARRIED.items():
            assert inside in names, f"{inside} missing from the wheel"
            assert z.read(inside) == (ROOT / source).read_bytes(), inside
    # Nothing lands outside the package (a top-level data/ would clash with other wheels).
    dist_info = "-".join(wheel.name.split("-")[:2]) + ".dist-info"
    assert {n.split("/")[0] for n in names} == {"referral", dist_info}


def test_the_installed_cli_reads_its_data_from_the_package(installed, elsewhere):
    where = _run(
        [str(installed / "python"), "-c", "import referral.schema as s; print(s.DATA_DIR)"],
        elsewhere,
    ).stdout.strip()
    assert Path(where).is_relative_to(installed.parent), where
    result = _run(
        [str(installed / "referral"), "match", "--regions", "left-groin", "--json"], elsewhere
    )
    ranking = json.loads(result.stdout)["ranking"]
    assert ranking and ranking[0]["level"] in {"L1", "L2", "T12"}, ranking[:1]
    alike = json.loads(result.stdout)["published_cases"]  # data/published-cases.json read
    assert [c["id"] for c in alike] == ["schwarzer-1995-sacroiliac"], alike
    validate = _run([str(installed / "python"), "-m", "referral", "validate"], elsewhere)
    assert validate.stdout.startswith("validate: ok"), validate.stdout


@pytest.mark.browser
@pytest.mark.parametrize("how", ["referral", "python -m referral"])
def test_the_installed_app_serves_the_pain_map(installed, elsewhere, browser, how, tmp_path):
    port = harness.free_port()
    start = (
        [str(installed / "referral")]
        if how == "referral"
        else [str(installed / "python"), "-m", "referral"]
    )
    command = [*start, "app", "--port", str(port), "--address", "127.0.0.1"]
    requests: list[str] = []
    log = tmp_path / "server.log"
    with harness.serving(command, elsewhere, port, 60, log) as url:
        text = pain_map_text(browser, url, requests)
    assert "T12" in text or "L1" in text, text[:500]
    # Every setting was taken (a list given as Python's repr was refused on every rerun).
    assert "Failed to parse" not in log.read_text(), log.read_text()[-2000:]
    # The plotly bundle came from the package's static folder, and nothing left the machine
    # (usage statistics are off: the settings travelled with the wheel).
    assert any(urlparse(u).path.endswith("/app/static/plotly-basic-4.1.1.min.js") for u in requests)
    away = [
        u
        for u in requests
        if urlparse(u).scheme not in {"data", "blob", "about"}
        and (urlparse(u).hostname, urlparse(u).port) != ("127.0.0.1", port)
    ]
    assert away == []


def test_server_flags_carry_every_setting(tmp_path):
    from referral import cli

    settings = tmp_path / "config.toml"
    settings.write_text(
        '[browser]\ngatherUsageStats = false\n[server]\nport = 9\naddress = "x"\n'
        '[theme]\nheadingFontSizes = ["2rem", "1rem"]\n'
    )
    assert cli.server_flags(settings) == [
        "--browser.gatherUsageStats=false",
        "--server.port=9",
        "--server.address=x",
        '--theme.headingFontSizes=["2rem", "1rem"]',
    ]
    assert "--server.enableStaticServing=true" in cli.server_flags()
