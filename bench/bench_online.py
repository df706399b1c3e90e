"""Online payment benchmark: a provider's notification of a subscriber's payment, from
its arrival to the receipt booked (dunning's reaction included), beside Odoo's own
handling of a transaction of no subscriber; and the same notification sent twice at
once.

Driven by ``bench_online.sh`` (read its header first); each sub-command works on one
database that has fee_collection and payment_demo installed:

    bench_online.py -c CONF -d DB generate --n N --twins T --date D
        The demo provider in test mode, published, in a bank journal of its own; a fee
        item at 30.00; 2N + T subscribers, each with one invoice of 30.00 overdue since
        30 days, all at the first level of a dunning policy (a reminder without
        message, reached by a dunning run); and a draft transaction of the demo
        provider for each invoice, as the pay page starts it: N + T of subscribers
        (``fee_subscriber_id``, the invoice), N of no subscriber (Odoo's own, the
        invoice only). Made through the ORM.
    bench_online.py -c CONF -d DB notify --n N --date D --out JSON
        For each of the N transactions of each kind, in turn, each a request (a new
        transaction and environment, up to its commit) of the public user in sudo mode,
        as the provider's webhook runs:
          online        the notification of a subscriber's payment
                        (``_handle_notification_data('demo', ...)``): the transaction
                        done, the receipt booked, the dunning level lowered;
          again         the same notification again: nothing more;
          post-process  the post-processing the status page or the scheduler runs;
          odoo          the notification of a transaction of no subscriber;
          odoo post-process  its post-processing, where Odoo makes its payment and
                        reconciles it with the invoice;
        after a few warm-up requests of each. Then the T twins: two processes each
        send the notification of each of the T transactions, at once, through Odoo's
        retry of a request that hits a lock or a serialization failure (as two server
        workers would). Checks: one receipt per transaction of a subscriber, whatever
        was sent twice; its payment the transaction's; every invoice paid; every
        subscriber paid online below the first dunning level.
    bench_online.py table JSON...
        the tables (Markdown).

Timing, query counting and profiles are the harness's (``harness.py``).
"""

import datetime
import itertools

import harness

AMOUNT = 30.0
WARM_UP = 3
OPERATIONS = {
    "online": "a subscriber's payment notified (receipt booked)",
    "again": "the same notification again",
    "post-process": "its post-processing (status page)",
    "odoo": "Odoo: a transaction of no subscriber notified",
    "odoo post-process": "Odoo: its post-processing (payment made)",
}
REFERENCES = {"online": "BENCH-ONL-", "odoo": "BENCH-ODOO-", "twin": "BENCH-TWIN-"}

# ----------------------------------------------------------------------
# Data
# ----------------------------------------------------------------------


def provider(env):
    return env.ref("payment.payment_provider_demo")


def generate(env, args):
    from odoo import Command

    n, twins, date = args.n, args.twins, args.date
    company = env.company
    if env["payment.transaction"].search_count([("reference", "=like", "BENCH-%")]):
        raise SystemExit("generate: this database already has bench transactions")
    journal = env["account.journal"].create(
        {"name": "Online Payments (bench)", "code": "OPAY", "type": "bank"}
    )
    demo = provider(env)
    demo.write({"state": "test", "is_published": True, "journal_id": journal.id})
    product = env["product.product"].create(
        {
            "name": "Cable TV (online bench)",
            "type": "service",
            "is_fee_item": True,
            "lst_price": AMOUNT,
            "taxes_id": [Command.clear()],
        }
    )
    policy = env["fee.dunning.policy"].create(
        {
            "name": "Online bench",
            "level_ids": [
                Command.create({"sequence": 1, "name": "Reminder", "days_overdue": 1})
            ],
        }
    )
    company.dunning_policy_id = policy
    count = 2 * n + twins
    partners = env["res.partner"].create(
        [
            {
                "name": f"Online Subscriber {index:06d}",
                "is_subscriber": True,
                "mobile": f"139{index:08d}",
            }
            for index in range(count)
        ]
    )
    invoices = env["account.move"].create(
        [
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": date - datetime.timedelta(days=40),
                "invoice_date_due": date - datetime.timedelta(days=30),
                "invoice_line_ids": [
                    Command.create(
                        {"product_id": product.id, "quantity": 1, "price_unit": AMOUNT}
                    )
                ],
            }
            for partner in partners
        ]
    )
    invoices.action_post()
    run = env["fee.dunning.run"].create({"date": date})
    run.action_compute()
    while run._execute_next_batch():
        pass
    kinds = ["online"] * n + ["odoo"] * n + ["twin"] * twins
    counters = {kind: itertools.count(1) for kind in REFERENCES}
    env["payment.transaction"].create(
        [
            {
                "provider_id": demo.id,
                "payment_method_id": demo.payment_method_ids[:1].id,
                "reference": f"{REFERENCES[kind]}{next(counters[kind]):06d}",
                "amount": AMOUNT,
                "currency_id": company.currency_id.id,
                "partner_id": invoice.partner_id.id,
                "operation": "online_direct",
                "invoice_ids": [Command.set(invoice.ids)],
                "fee_subscriber_id": invoice.partner_id.id if kind != "odoo" else False,
            }
            for kind, invoice in zip(kinds, invoices, strict=True)
        ]
    )
    harness.analyze(env)
    levelled = env["res.partner"].search_count(
        [("id", "in", partners.ids), ("dunning_level_id", "!=", False)]
    )
    assert levelled == count, f"{levelled} of {count} subscribers at a dunning level"
    print(f"generate: {count} subscribers, invoices and transactions")


# ----------------------------------------------------------------------
# Notifications
# ----------------------------------------------------------------------


def notification(reference):
    return {
        "reference": reference,
        "payment_details": "4242",
        "simulated_state": "done",
    }


def notify_request(reference):
    """A request's function: the provider's notification of ``reference``, handled as
    the webhook's route does (public user, sudo)."""

    def notify(request_env):
        request_env(su=True)["payment.transaction"]._handle_notification_data(
            "demo", notification(reference)
        )
        requests_step("notification")

    return notify


def post_process_request(reference):
    def post_process(request_env):
        tx = request_env(su=True)["payment.transaction"].search(
            [("reference", "=", reference)]
        )
        tx._post_process()
        requests_step("post-process")

    return post_process


_requests = None


def requests_step(label):
    _requests.step(label)


def references(env, kind):
    env.cr.execute(
        "SELECT reference FROM payment_transaction WHERE reference LIKE %s "
        "ORDER BY reference",
        [REFERENCES[kind] + "%"],
    )
    return [reference for (reference,) in env.cr.fetchall()]


def notify_twins(env, twin_references):
    """A worker's task: the notification of each of ``twin_references``, each a request
    through Odoo's retry on a lock or serialization failure, as a server's worker
    runs it. Returns (requests, tries)."""
    from odoo.service.model import retrying

    public = env.ref("base.public_user")
    tries = 0
    for reference in twin_references:

        def notify(reference=reference):
            nonlocal tries
            tries += 1
            request_env = env(user=public.id, su=True)
            request_env["payment.transaction"]._handle_notification_data(
                "demo", notification(reference)
            )

        retrying(notify, env)
        env.invalidate_all()
    return len(twin_references), tries


def notify(env, args):
    global _requests  # noqa: PLW0603
    public = env.ref("base.public_user")
    online, odoo_refs, twins = (
        references(env, kind) for kind in ("online", "odoo", "twin")
    )
    count = min(args.n, len(online), len(odoo_refs))
    if count <= WARM_UP:
        raise SystemExit(f"notify: {count} transactions of each kind, too few")
    counts = {
        "receipts_before": env["fee.receipt"].search_count([]),
        "transactions": len(online) + len(odoo_refs) + len(twins),
    }
    env.cr.commit()
    _requests = harness.Requests(env.registry, args.profile, args.statements)
    context = {"lang": "en_US"}
    for index in range(count):
        keep = index >= WARM_UP
        for name, function in (
            ("online", notify_request(online[index])),
            ("again", notify_request(online[index])),
            ("post-process", post_process_request(online[index])),
            ("odoo", notify_request(odoo_refs[index])),
            ("odoo post-process", post_process_request(odoo_refs[index])),
        ):
            _requests(name, public.id, context, function, keep=keep)
    _requests.write_profiles()
    twin_result = {}
    if twins:
        workers = harness.Workers(args.config, env.cr.dbname, 2, notify_twins)
        figures, outcomes = harness.measure(env, lambda: workers.run(twins))
        twin_result = {
            "transactions": len(twins),
            "seconds": figures.seconds,
            "requests": sum(requests for requests, _tries in outcomes),
            "tries": sum(tries for _requests_made, tries in outcomes),
        }
    env.invalidate_all()
    result = _requests.result(
        "fee_collection",
        count,
        kind="notifications",
        date=str(args.date),
        data=counts,
        warm_up=WARM_UP,
        twins=twin_result,
    )
    problems = check(env, online[:count], odoo_refs[:count], twins)
    harness.check(result, problems, f"N={count}")
    return result


def check(env, online, odoo_refs, twins):
    """One receipt per transaction of a subscriber, its payment the transaction's;
    Odoo's transactions a payment each and no receipt; every invoice paid; the
    subscribers who paid online below the dunning level."""
    Tx = env["payment.transaction"]
    problems = []
    subscribers = Tx.search([("reference", "in", online + twins)])
    for tx in subscribers:
        receipts = env["fee.receipt"].search([("partner_id", "=", tx.partner_id.id)])
        if (
            tx.state != "done"
            or len(receipts) != 1
            or tx.fee_receipt_id != receipts
            or tx.payment_id != receipts.payment_id
            or receipts.channel != "online"
            or receipts.amount != AMOUNT
        ):
            problems.append(
                f"{tx.reference}: {tx.state}, {len(receipts)} receipt(s) "
                f"{receipts.mapped('name')}"
            )
        if tx.partner_id.dunning_level_id:
            problems.append(f"{tx.reference}: subscriber still at a dunning level")
    for tx in Tx.search([("reference", "in", odoo_refs)]):
        if tx.state != "done" or not tx.payment_id or tx.fee_receipt_id:
            problems.append(f"{tx.reference}: Odoo's payment {tx.payment_id}")
    unpaid = (Tx.search([("reference", "in", online + odoo_refs + twins)])).filtered(
        lambda tx: tx.invoice_ids.payment_state not in ("paid", "in_payment")
    )
    problems += [f"{tx.reference}: invoice not paid" for tx in unpaid]
    payments = env["account.payment"].search_count(
        [("payment_transaction_id", "in", subscribers.ids)]
    )
    if payments != len(subscribers):
        problems.append(f"{payments} payments for {len(subscribers)} transactions")
    return problems


# ----------------------------------------------------------------------
# Command line and report
# ----------------------------------------------------------------------


def generate_arguments(parser):
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--twins", type=int, default=50)
    parser.add_argument("--date", type=datetime.date.fromisoformat, required=True)


def ms(value):
    return f"{1000 * value:,.1f}"


def report(rows):
    for row in sorted(rows, key=lambda row: row["n"]):
        twins = row.get("twins") or {}
        print(
            f"N={row['n']:,} notifications of each kind, after {row['warm_up']} "
            f"warm-up ones; load average {row['load_average'][0]:.1f}; checks: "
            f"{'; '.join(row['problems']) or 'ok'}."
        )
        print()
        harness.print_table(
            list(row["requests"].items()),
            [
                ("request", lambda item: OPERATIONS[item[0]]),
                ("count", lambda item: str(item[1]["count"])),
                ("median ms", lambda item: ms(item[1]["seconds"]["median"])),
                ("p95 ms", lambda item: ms(item[1]["seconds"]["p95"])),
                ("median queries", lambda item: f"{item[1]['queries']['median']:g}"),
                ("p95 queries", lambda item: str(item[1]["queries"]["p95"])),
                ("median SQL ms", lambda item: ms(item[1]["sql_s"]["median"])),
            ],
        )
        requests = row["requests"]
        if {"online", "post-process", "odoo", "odoo post-process"} <= requests.keys():
            ours = median_total(requests, "online", "post-process")
            odoo = median_total(requests, "odoo", "odoo post-process")
            print(
                f"\n- notification to receipt (notification + post-processing, "
                f"medians): {ms(ours)} ms; Odoo's own transaction to payment: "
                f"{ms(odoo)} ms"
            )
        if twins:
            print(
                f"- {twins['transactions']} notifications each sent twice at once by "
                f"two processes ({twins['requests']} requests, {twins['tries']} tries "
                f"with Odoo's retries) in {twins['seconds']:.1f} s: one receipt each"
                f"{'' if not row['problems'] else ' NOT MET'}"
            )
        print()


def median_total(requests, *names):
    """The sum of the median times of requests ``names``."""
    return sum(requests[name]["seconds"]["median"] for name in names)


def notify_arguments(parser):
    harness.run_arguments(parser)


if __name__ == "__main__":
    harness.main(
        __doc__,
        {
            "generate": (generate_arguments, generate),
            "notify": (notify_arguments, notify),
        },
        report,
    )
