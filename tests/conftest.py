"""End-to-end fixtures: a real Odoo server on a free local port, driven over JSON-RPC.

scripts/test prepares the databases (FEE_E2E_DB, FEE_E2E_WORKERS_DB) and the config
(FEE_ODOO_CONF)."""

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(db, *options):
    """Start ``odoo`` on ``db`` and a free port; yields its URL once it answers."""
    conf = os.environ.get("FEE_ODOO_CONF")
    if not (db and conf):
        pytest.fail(
            "end-to-end tests need their databases and FEE_ODOO_CONF: run them with "
            "scripts/test"
        )
    port = _free_port()
    process = subprocess.Popen(
        [
            os.environ.get("FEE_PYTHON", sys.executable),
            "-c",
            "import odoo.cli; odoo.cli.main()",
            "-c",
            conf,
            "-d",
            db,
            f"--db-filter=^{db}$",
            f"--http-port={port}",
            "--log-level=warn",
            *options,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"{url}/web/health", timeout=5) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(
                f"the Odoo server did not start: {process.stderr.read().decode()[-2000:]}"
            )
        time.sleep(0.5)
    yield url
    process.terminate()
    process.wait(timeout=30)


@pytest.fixture(scope="session")
def server():
    """The server alone, without scheduled jobs."""
    db = os.environ.get("FEE_E2E_DB")
    for url in _serve(db, "--max-cron-threads=0"):
        yield {"url": url, "db": db}


@pytest.fixture(scope="session")
def server_with_workers():
    """The server as deployed: worker processes, two of them for scheduled jobs (Odoo's
    default), on a database of its own."""
    db = os.environ.get("FEE_E2E_WORKERS_DB")
    for url in _serve(db, "--workers=2", "--max-cron-threads=2"):
        yield {"url": url, "db": db}
