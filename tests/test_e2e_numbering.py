"""Numbering a billing batch keeps Odoo's own safeguards: a manual invoice posted in the
same sales journal, on the same date, while a batch is numbered in another transaction
gets a number of its own, and the journal's numbers stay unique and gapless.

Two real transactions on committed data: a copy of the end-to-end database, driven by
this file run as a script in a process of its own (pytest already runs Odoo in-process
for the add-on's tests, on another database). Each scenario holds one transaction open
after it numbered, until the other one, started meanwhile, is seen waiting on it:

* batch first: a billing run numbers a batch; a manual invoice is posted meanwhile;
* manual first: a manual invoice is posted; a billing run numbers a batch meanwhile.
"""

import datetime
import json
import os
import subprocess
import sys
import threading
import time
import traceback

import pytest

from conftest import e2e_database

BATCH = 5
MARK = "NUMBERING-RESULT "
# Every wait is bounded: the scenario can never hang.
WAIT = 60
SCENARIOS = ("batch_first", "manual_first")


# ----------------------------------------------------------------------------------
# The two transactions (run in a process of its own: python3 <this file> <conf> <db>)
# ----------------------------------------------------------------------------------


def _prepare(registry, scenario, subscribers=BATCH):
    """Commit ``subscribers`` subscribers with a service due today, and a customer for
    the manual invoice."""
    from odoo import SUPERUSER_ID, Command, api

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        item = env["product.product"].search(
            [("default_code", "=", "E2E-NUMBERING")], limit=1
        ) or env["product.product"].create(
            {
                "name": "Cable TV (numbering)",
                "default_code": "E2E-NUMBERING",
                "type": "service",
                "is_fee_item": True,
                "list_price": 26.0,
                "taxes_id": [Command.clear()],
            }
        )
        partners = env["res.partner"].create(
            [
                {"name": f"{scenario} subscriber {index}", "is_subscriber": True}
                for index in range(subscribers)
            ]
        )
        services = env["fee.subscription"].create(
            [
                {
                    "partner_id": partner.id,
                    "product_id": item.id,
                    "service_number": f"NUM-{scenario}-{index}",
                    "date_start": datetime.date.today(),
                }
                for index, partner in enumerate(partners)
            ]
        )
        services.action_activate()
        customer = env["res.partner"].create({"name": f"{scenario} walk-in customer"})
        return {"item": item.id, "customer": customer.id}


def _manual_invoice(env, journal_id, customer_id, item_id):
    from odoo import Command

    move = env["account.move"].create(
        {
            "move_type": "out_invoice",
            "journal_id": journal_id,
            "partner_id": customer_id,
            "invoice_date": datetime.date.today(),
            "invoice_line_ids": [
                Command.create(
                    {"product_id": item_id, "quantity": 1, "price_unit": 50.0}
                )
            ],
        }
    )
    move.action_post()
    return [{"id": move.id, "name": move.name, "seq": move.sequence_number}]


def _bill_batch(env):
    run = env["fee.billing.run"].create({"date": datetime.date.today()})
    run.action_run()
    return [
        {"id": move.id, "name": move.name, "seq": move.sequence_number}
        for move in run.invoice_ids.sorted("sequence_number")
    ]


def _race(registry, admin_id, holder, contender):
    """Run ``holder`` in a transaction kept open once done, start ``contender`` in a
    second one, wait until the contender waits on a lock (or is done), then commit the
    holder. Returns what each did, whether the contender waited, and any error."""
    from odoo import api

    held, release = threading.Event(), threading.Event()
    result = {"errors": {}}

    def transaction(name, job, holds):
        threading.current_thread().dbname = registry.db_name
        try:
            if not holds and not held.wait(WAIT):
                raise TimeoutError("the first transaction never got its numbers")
            with registry.cursor() as cr:
                cr.execute("SET LOCAL lock_timeout = %s", [f"{WAIT}s"])
                cr.execute("SELECT pg_backend_pid()")
                result[f"{name}_pid"] = cr.fetchone()[0]
                env = api.Environment(cr, admin_id, {})
                result[name] = job(env)
                env.flush_all()
                if holds:
                    held.set()
                    if not release.wait(WAIT):
                        raise TimeoutError("never released")
            result[f"{name}_committed_at"] = time.monotonic()
        except Exception:  # reported to the test
            result["errors"][name] = traceback.format_exc()
        finally:
            held.set()

    threads = {
        "holder": threading.Thread(target=transaction, args=("holder", holder, True)),
        "contender": threading.Thread(
            target=transaction, args=("contender", contender, False)
        ),
    }
    for thread in threads.values():
        thread.daemon = True
        thread.start()
    result["contender_waited"] = None
    deadline = time.monotonic() + WAIT
    held.wait(WAIT)
    with registry.cursor() as monitor:
        while time.monotonic() < deadline and threads["contender"].is_alive():
            pid = result.get("contender_pid")
            if pid:
                monitor.execute(
                    "SELECT wait_event_type, wait_event FROM pg_stat_activity "
                    "WHERE pid = %s",
                    [pid],
                )
                row = monitor.fetchone()
                # pg_stat_activity is read once per transaction: a new one each time.
                monitor.rollback()
                if row and row[0] == "Lock":
                    result["contender_waited"] = f"{row[0]}:{row[1]}"
                    break
            time.sleep(0.05)
    result["released_at"] = time.monotonic()
    release.set()
    for name, thread in threads.items():
        thread.join(WAIT)
        if thread.is_alive():
            result["errors"][name] = "still running"
    result["contender_done_after_release"] = (
        result.get("contender_committed_at", 0) > result["released_at"]
    )
    return result


def run_scenarios(conf, db):
    import odoo
    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(["-c", conf, "-d", db, "--log-level=warn"])
    threading.current_thread().dbname = db
    registry = Registry(db)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        admin_id = env.ref("base.user_admin").id
        journal = env["fee.billing.run"].with_user(admin_id)._default_journal_id()
        journal_id = journal.id
        output = {"journal": journal.name, "scenarios": {}}
    # A posted invoice opens the period, as in a journal in use. In an empty period Odoo
    # numbers the first draft when it is created: a draft made while another transaction
    # posts that period's first number fails to post (two manual invoices as well).
    seed = _prepare(registry, "seed", subscribers=0)
    with registry.cursor() as cr:
        output["seed"] = _manual_invoice(
            api.Environment(cr, admin_id, {}),
            journal_id,
            seed["customer"],
            seed["item"],
        )
    for scenario in SCENARIOS:
        data = _prepare(registry, scenario)

        def manual(env, data=data):
            return _manual_invoice(env, journal_id, data["customer"], data["item"])

        batch_first = scenario == "batch_first"
        race = _race(
            registry,
            admin_id,
            _bill_batch if batch_first else manual,
            manual if batch_first else _bill_batch,
        )
        race["batch"] = race.pop("holder" if batch_first else "contender", None)
        race["manual"] = race.pop("contender" if batch_first else "holder", None)
        output["scenarios"][scenario] = race
    with registry.cursor() as cr:
        cr.execute(
            """
            SELECT name, sequence_prefix, sequence_number
              FROM account_move
             WHERE journal_id = %s AND state = 'posted'
             ORDER BY sequence_prefix, sequence_number
            """,
            [journal_id],
        )
        output["posted"] = cr.fetchall()
    return output


# ----------------------------------------------------------------------------------
# The test: a database of its own, the scenarios in a process of their own
# ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def numbering_db():
    """The database scripts/test made for this test, never served."""
    db, conf = e2e_database("FEE_E2E_NUMBERING_DB")
    return {
        "conf": conf,
        "db": db,
        "python": os.environ.get("FEE_PYTHON", sys.executable),
    }


@pytest.fixture(scope="module")
def numbering(numbering_db):
    process = subprocess.run(
        [numbering_db["python"], __file__, numbering_db["conf"], numbering_db["db"]],
        capture_output=True,
        text=True,
        timeout=WAIT * 6,
        check=False,
    )
    lines = [line for line in process.stdout.splitlines() if line.startswith(MARK)]
    assert process.returncode == 0 and lines, (
        f"the scenarios failed (exit {process.returncode}):\n{process.stderr[-4000:]}"
    )
    output = json.loads(lines[-1][len(MARK) :])
    print(_summary(output))
    return output


def _summary(output):
    lines = [f"\nJournal {output['journal']}:"]
    for scenario, race in output["scenarios"].items():
        batch, manual = race["batch"] or [], race["manual"] or []
        order = ["batch", "manual"]
        first, second = order if scenario == "batch_first" else order[::-1]
        lines.append(
            f"  {scenario}: batch {' '.join(move['name'] for move in batch)}; manual "
            f"{' '.join(move['name'] for move in manual)}; the {second} waited on the "
            f"{first}: {race['contender_waited'] or 'no'}; errors: "
            f"{', '.join(race['errors']) or 'none'}"
        )
    numbers = [seq for _name, _prefix, seq in output["posted"]]
    lines.append(f"  posted sequence numbers: {numbers}")
    return "\n".join(lines)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_a_manual_invoice_posted_while_a_batch_is_numbered(numbering, scenario):
    race = numbering["scenarios"][scenario]
    assert not race["errors"], race["errors"]
    batch, manual = race["batch"], race["manual"]
    assert len(batch) == BATCH, "the run billed every subscriber due"
    assert [move["seq"] for move in batch] == list(
        range(batch[0]["seq"], batch[0]["seq"] + BATCH)
    ), "a batch is numbered in one go"
    (manual,) = manual
    assert manual["name"] and manual["name"] != "/", "the manual invoice is numbered"
    assert race["contender_waited"], (
        "the second transaction waited on the first one's numbers"
    )
    assert race["contender_done_after_release"], (
        "the second transaction finished once the first one committed"
    )
    if scenario == "batch_first":
        assert manual["seq"] == batch[-1]["seq"] + 1, (
            "the manual invoice steps over the batch's numbers"
        )
    else:
        assert batch[0]["seq"] == manual["seq"] + 1, (
            "the batch steps over the manual invoice's number"
        )


def test_the_journal_numbers_are_unique_and_gapless(numbering):
    posted = numbering["posted"]
    assert len({prefix for _name, prefix, _seq in posted}) == 1, posted
    assert len({name for name, _prefix, _seq in posted}) == len(posted), posted
    assert [seq for _name, _prefix, seq in posted] == list(
        range(1, 1 + 1 + 2 * (BATCH + 1))
    ), posted


if __name__ == "__main__":
    print(MARK + json.dumps(run_scenarios(*sys.argv[1:3]), default=str), flush=True)
    # A transaction left hanging cannot keep the process alive.
    os._exit(0)
