"""End-to-end fixtures: a real Odoo server on a free local port, driven over JSON-RPC.

scripts/test prepares the database (FEE_E2E_DB) and the config (FEE_ODOO_CONF)."""

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


@pytest.fixture(scope="session")
def server():
    db, conf = os.environ.get("FEE_E2E_DB"), os.environ.get("FEE_ODOO_CONF")
    if not (db and conf):
        pytest.fail(
            "end-to-end tests need FEE_E2E_DB and FEE_ODOO_CONF: run them with scripts/test"
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
            "--max-cron-threads=0",
            "--log-level=warn",
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
    yield {"url": url, "db": db}
    process.terminate()
    process.wait(timeout=30)
