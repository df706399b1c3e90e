"""A run too large for the user's request, billed by the scheduler's two worker processes
of a server deployed with workers."""

import datetime
import time

from jsonrpc import Session, accountant_session

# One more than the add-on bills in the user's request (SYNC_RUN_MAX_SERVICES).
SERVICES = 1001


def test_scheduler_workers_bill_a_large_run_together(server_with_workers):
    server = server_with_workers
    accountant = accountant_session(server, "e2e_scheduled_accountant")
    admin = Session(server["url"], server["db"], "admin", "admin")
    today = datetime.date.today().isoformat()
    item_id = accountant("product.product", "search", [("is_fee_item", "=", True)])[0]
    partner_ids = accountant(
        "res.partner",
        "create",
        [
            {"name": f"Subscriber {index:04d}", "is_subscriber": True}
            for index in range(SERVICES)
        ],
    )
    service_ids = accountant(
        "fee.subscription",
        "create",
        [
            {
                "partner_id": partner_id,
                "product_id": item_id,
                "service_number": f"E2E-{index:04d}",
                "date_start": today,
            }
            for index, partner_id in enumerate(partner_ids)
        ],
    )
    accountant("fee.subscription", "action_activate", service_ids)
    run_id = accountant("fee.billing.run", "create", {"date": today})

    notification = accountant("fee.billing.run", "action_run", [run_id])
    assert notification["tag"] == "display_notification"
    deadline = time.monotonic() + 600
    while accountant("fee.billing.run", "read", [run_id], ["state"])[0]["state"] != (
        "done"
    ):
        assert time.monotonic() < deadline, "the scheduler did not finish the run"
        time.sleep(1)

    invoices = accountant(
        "account.move",
        "search_read",
        [("fee_billing_run_id", "=", run_id)],
        ["partner_id", "state", "amount_total", "sequence_prefix", "sequence_number"],
    )
    assert sorted(invoice["partner_id"][0] for invoice in invoices) == sorted(
        partner_ids
    ), "one invoice per subscriber"
    assert {(i["state"], i["amount_total"]) for i in invoices} == {("posted", 26.0)}
    assert len({invoice["sequence_prefix"] for invoice in invoices}) == 1
    assert sorted(invoice["sequence_number"] for invoice in invoices) == list(
        range(1, SERVICES + 1)
    ), "numbers shared by the two workers without a gap or a duplicate"
    jobs = admin(
        "ir.cron",
        "read",
        [
            admin.ref("fee_collection.ir_cron_fee_billing"),
            admin.ref("fee_collection.ir_cron_fee_billing_helper"),
        ],
        ["lastcall", "failure_count"],
    )
    assert all(job["lastcall"] for job in jobs), "both workers ran"
    assert [job["failure_count"] for job in jobs] == [0, 0]
