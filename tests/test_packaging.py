"""What a self-hoster installs: `python -m build` makes a wheel and an sdist that carry the licence
and its notice; the wheel, installed into a fresh virtualenv outside the checkout, runs `hirebridge
demo` -- migrations and the sandbox ship in the package -- until /ready answers and a page of
applications comes back; `hirebridge --version` prints the one version the package has."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import httpx
import pytest

import hirebridge
from tests.commands import Running, free_port

REPO = Path(__file__).resolve().parents[1]


def clean_environment() -> dict[str, str]:
    """The environment of a user's shell: none of the suite's HIREBRIDGE_* settings, no PYTHONPATH
    pointing into the checkout."""
    return {k: v for k, v in os.environ.items() if not k.startswith("HIREBRIDGE_") and k != "PYTHONPATH"}


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    built = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(REPO)],
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    return out


def only(directory: Path, pattern: str) -> Path:
    (found,) = directory.glob(pattern)
    return found


def test_the_wheel_and_the_sdist_carry_the_licence_and_the_one_version(dist: Path) -> None:
    version = hirebridge.__version__
    wheel = only(dist, f"hirebridge-{version}-py3-none-any.whl")
    sdist = only(dist, f"hirebridge-{version}.tar.gz")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = archive.read(f"hirebridge-{version}.dist-info/METADATA").decode()
    assert {f"hirebridge-{version}.dist-info/licenses/{name}" for name in ("LICENSE", "NOTICE")} <= names
    assert f"\nVersion: {version}\n" in metadata and "\nLicense-Expression: Apache-2.0\n" in metadata
    # What the demo reads at run time besides code: every migration and the Alembic script template.
    migrations = sorted(p.name for p in (REPO / "src/hirebridge/store/migrations/versions").glob("*.py"))
    assert migrations and {f"hirebridge/store/migrations/versions/{m}" for m in migrations} <= names
    assert "hirebridge/store/migrations/script.py.mako" in names
    with tarfile.open(sdist) as archive:
        members = set(archive.getnames())
    assert {f"hirebridge-{version}/{name}" for name in ("LICENSE", "NOTICE", "pyproject.toml")} <= members
    changelog = (REPO / "CHANGELOG.md").read_text()
    assert re.search(rf"^## \[{re.escape(version)}\] - \d{{4}}-\d{{2}}-\d{{2}}$", changelog, re.M)
    licence = (REPO / "LICENSE").read_text()
    assert "Apache License" in licence and "Version 2.0, January 2004" in licence


def test_the_wheel_runs_the_demo_from_outside_the_checkout(dist: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    wheel = only(dist, "hirebridge-*.whl")
    installed = subprocess.run(
        [str(venv / "bin/python"), "-m", "pip", "install", "--quiet", str(wheel)],
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert installed.returncode == 0, installed.stderr[-3000:]
    elsewhere = tmp_path / "somewhere"
    elsewhere.mkdir()

    def run(*args: str) -> str:
        done = subprocess.run(
            args, cwd=elsewhere, env=clean_environment(), capture_output=True, text=True, timeout=120, check=True
        )
        return done.stdout.strip()

    where = Path(run(str(venv / "bin/python"), "-c", "import hirebridge; print(hirebridge.__file__)"))
    assert venv in where.parents  # the installed package, not the checkout
    assert run(str(venv / "bin/hirebridge"), "--version") == f"hirebridge {hirebridge.__version__}"

    port = free_port()
    demo = Running(
        ["demo", "--port", str(port), "--applications", "20"],
        clean_environment(),
        cwd=elsewhere,
        command=[str(venv / "bin/hirebridge")],
    )
    try:
        demo.wait_for(url=f"http://127.0.0.1:{port}/ready", timeout=300)
        ready = httpx.get(f"http://127.0.0.1:{port}/ready", trust_env=False)
        assert ready.status_code == 200 and ready.json()["status"] == "ok", ready.text
        demo.wait_for("HireBridge demo is ready")
        key = re.search(r"API key:\s+(hb_[A-Za-z0-9_-]+)", demo.output)
        integration = re.search(r"Integration id:\s+(sandbox:[A-Za-z0-9]+)", demo.output)
        assert key is not None and integration is not None, demo.output
        page = httpx.get(
            f"http://127.0.0.1:{port}/v1/ats/applications",
            params={"page_size": "5"},
            headers={"Authorization": f"Bearer {key.group(1)}", "X-Integration-Id": integration.group(1)},
            trust_env=False,
        )
        assert page.status_code == 200, page.text
        assert page.json()["status"] == "success" and len(page.json()["data"]["results"]) == 5
    finally:
        demo.stop()
    assert (elsewhere / "hirebridge.db").exists()  # the demo's database went where it was started
