"""End-to-end fixtures: a real Odoo server on a free local port, driven over JSON-RPC.

scripts/test prepares the databases (FEE_E2E_DB, FEE_E2E_WORKERS_DB, FEE_E2E_COUNTER_DB,
FEE_E2E_NUMBERING_DB: copies of a fresh install, one per test that commits) and the
config (FEE_ODOO_CONF)."""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def e2e_database(variable):
    """The database scripts/test made for a test, and the Odoo config."""
    db, conf = os.environ.get(variable), os.environ.get("FEE_ODOO_CONF")
    if not (db and conf):
        pytest.fail(
            f"end-to-end tests need their databases ({variable}) and FEE_ODOO_CONF: run "
            "them with scripts/test"
        )
    return db, conf


def _serve(variable, *options):
    """Start ``odoo`` on the database named by ``variable`` and a free port; yields its
    URL once it answers.

    Started from a script file, not ``python -c``: a server with workers starts its
    websocket process as ``<python> <argv[0]> gevent``, which with ``-c`` fails and is
    started again in a loop. Its output goes to a file: a pipe nobody reads fills up,
    and a process writing a warning to it then waits for ever."""
    db, conf = e2e_database(variable)
    directory = Path(tempfile.mkdtemp(prefix="fee_e2e_"))
    launcher = directory / "odoo_server.py"
    launcher.write_text("import odoo.cli\n\nodoo.cli.main()\n")
    log = directory / "server.log"
    port = _free_port()
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                os.environ.get("FEE_PYTHON", sys.executable),
                str(launcher),
                "-c",
                conf,
                "-d",
                db,
                f"--db-filter=^{db}$",
                "--http-interface=127.0.0.1",
                f"--http-port={port}",
                f"--gevent-port={_free_port()}",
                "--log-level=warn",
                *options,
            ],
            stdout=subprocess.DEVNULL,
            stderr=output,
            start_new_session=True,
        )

    def stop():
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)

    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/web/health", timeout=5) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                stop()
                pytest.fail(f"the Odoo server did not start: {log.read_text()[-2000:]}")
            time.sleep(0.5)
        yield {"url": url, "db": db}
    finally:
        stop()


@pytest.fixture(scope="session")
def server():
    """The server alone, without scheduled jobs."""
    yield from _serve("FEE_E2E_DB", "--max-cron-threads=0")


@pytest.fixture(scope="session")
def server_with_workers():
    """The server as deployed: worker processes, two of them for scheduled jobs (Odoo's
    default), on a database of its own."""
    yield from _serve("FEE_E2E_WORKERS_DB", "--workers=2", "--max-cron-threads=2")


@pytest.fixture(scope="session")
def server_with_http_workers():
    """Two worker processes serving requests side by side, no scheduled jobs, on a
    database of its own."""
    yield from _serve("FEE_E2E_COUNTER_DB", "--workers=2", "--max-cron-threads=0")
