"""Billing benchmark: fee_collection's billing run against OCA contract's recurring invoicing.

Driven by ``bench_billing.sh`` (read its header first); each call works on one throwaway
database that has the add-on installed and no benchmark data yet:

    bench_billing.py -c CONF -d DB fee --n N --services K --date D --out JSON [--profile P]
        N subscribers, each with K active monthly fee.subscription starting on D, made in
        batches through the ORM (create(vals_list), then action_activate()); then times
        fee.billing.run.create({"date": D}).action_run() up to its commit (phase "run"):
        N posted invoices of K lines each. A run queued for the scheduler is billed by
        --cron-workers processes (0, and always with --profile or --statements: in this
        process).
    bench_billing.py -c CONF -d DB oca --n N --services K --date D --out JSON [--profile P]
        N partners, each with one contract.contract (customer, monthly from D) of K lines
        priced from the pricelist (automatic_price), through the ORM; then times the
        scheduled action contract.contract.cron_recurring_create_invoice(D) (phase
        "create": N draft invoices) and action_post() on those invoices (phase "post").
    bench_billing.py table JSON...
        the comparison table (Markdown).

Both systems bill the same products: K service fee items at 30.00, 45.00, ... with the
company's default sales tax, priced through the partner's (default) pricelist. Timing,
query counting and profiles are the harness's (``harness.py``); queries per invoice are
the run's queries over the invoices it made.
"""

import time

import harness

PRICES = [30.0, 45.0, 60.0, 75.0]
BATCH = 2000  # records per create() while generating the data
SETUP_CONTEXT = {
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "mail_notrack": True,
}

# ----------------------------------------------------------------------
# Data, the same in both databases
# ----------------------------------------------------------------------


def make_products(env, services):
    Product = env["product.product"]
    fee_item = {"is_fee_item": True} if "is_fee_item" in Product._fields else {}
    return Product.create(
        [
            {
                "name": f"Bench service {index + 1}",
                "type": "service",
                "lst_price": PRICES[index % len(PRICES)],
                **fee_item,
            }
            for index in range(services)
        ]
    )


def make_partners(env, n):
    Partner = env["res.partner"].with_context(**SETUP_CONTEXT)
    subscriber = {"is_subscriber": True} if "is_subscriber" in Partner._fields else {}
    vals_list = [
        {
            "name": f"Bench Subscriber {index:06d}",
            "email": f"subscriber{index:06d}@example.com",
            "mobile": f"139{index:08d}",
            **subscriber,
        }
        for index in range(1, n + 1)
    ]
    partners = Partner.browse()
    for chunk in harness.batches(vals_list, BATCH):
        partners |= Partner.create(chunk)
        env.flush_all()
    return partners


def check(result, env, moves, products):
    """N posted invoices of K product lines, billing each partner once per product."""
    n, services = result["n"], len(products)
    groups = env["account.move"]._read_group(
        [("id", "in", moves.ids)],
        ["state"],
        ["__count", "amount_untaxed:sum", "amount_total:sum"],
    )
    result.update(
        services=services,
        states={state: count for state, count, _untaxed, _total in groups},
        amount_untaxed=round(sum(untaxed for *_x, untaxed, _t in groups), 2),
        amount_total=round(sum(total for *_x, total in groups), 2),
        product_lines=env["account.move.line"].search_count(
            [("move_id", "in", moves.ids), ("display_type", "=", "product")]
        ),
    )
    untaxed = round(n * sum(products.mapped("lst_price")), 2)
    problems = []
    if result["states"] != {"posted": n}:
        problems.append(f"invoices by state {result['states']}, expected {n} posted")
    if result["product_lines"] != n * services:
        problems.append(
            f"{result['product_lines']} invoice lines, expected {n * services}"
        )
    if abs(result["amount_untaxed"] - untaxed) > 0.005:
        problems.append(f"untaxed total {result['amount_untaxed']}, expected {untaxed}")
    harness.check(result, problems, f"N={n} K={services}")
    return result


# ----------------------------------------------------------------------
# fee_collection
# ----------------------------------------------------------------------


def billed(env, run_id):
    """Whether the scheduler has billed run ``run_id`` (``harness.Scheduler``)."""
    return env["fee.billing.run"].browse(run_id).state == "done"


def fee_bench(env, args):
    n, services, date = args.n, args.services, args.date
    # cProfile and the statements' shapes see this process only.
    cron_workers = harness.cron_workers(args)
    started = time.perf_counter()
    products = make_products(env, services)
    partners = make_partners(env, n)
    Subscription = env["fee.subscription"].with_context(**SETUP_CONTEXT)
    vals_list = [
        {
            "partner_id": partner.id,
            "product_id": product.id,
            "service_number": f"BENCH-{index:06d}-{slot}",
            "billing_period": "month",
            "date_start": date,
        }
        for index, partner in enumerate(partners, 1)
        for slot, product in enumerate(products, 1)
    ]
    for chunk in harness.batches(vals_list, BATCH):
        Subscription.create(chunk).action_activate()
        env.flush_all()
    harness.analyze(env)
    setup_s = time.perf_counter() - started

    # Only the billing jobs may run: the scheduler's other jobs would blur the timing.
    harness.scheduler_only(
        env,
        "fee_collection.ir_cron_fee_billing",
        "fee_collection.ir_cron_fee_billing_helper",
    )
    # Odoo's cron worker processes, as a server started with --workers runs them (two
    # by default, max_cron_threads), started (registry loaded) before the timing.
    scheduler = harness.Scheduler(args.config, env.cr.dbname, cron_workers, billed)
    processes = 1

    def bill():
        nonlocal processes
        run = env["fee.billing.run"].create({"date": date})
        if isinstance(run.action_run(), dict):  # queued
            processes = scheduler.processes
        scheduler.run(env, run.id)  # at once if it is done
        return run

    measurement = harness.Measurement(env, args.profile, args.statements)
    run = measurement("run", bill)
    result = measurement.result(
        "fee_collection",
        n,
        "invoice",
        run.invoice_count,
        date=str(date),
        setup_s=setup_s,
        processes=processes,
        issues=run.issue_count,
        run_state=run.state,
    )
    return check(result, env, run.invoice_ids, products)


# ----------------------------------------------------------------------
# OCA contract
# ----------------------------------------------------------------------


def oca_bench(env, args):
    from odoo import Command

    n, services, date = args.n, args.services, args.date
    started = time.perf_counter()
    products = make_products(env, services)
    partners = make_partners(env, n)
    Contract = env["contract.contract"].with_context(**SETUP_CONTEXT)
    recurrence = {
        "recurring_rule_type": "monthly",
        "recurring_interval": 1,
        "recurring_invoicing_type": "pre-paid",
        "date_start": date,
    }
    vals_list = [
        {
            "name": f"Bench contract {index:06d}",
            "partner_id": partner.id,
            "contract_type": "sale",
            # recurrence on the lines: with the contract's recurrence (computed onto
            # the lines), contract.create() of contracts with 2 lines fails ("You must
            # supply a date of next invoice") in contract 18.0.2.6.2
            "line_recurrence": True,
            **recurrence,
            "contract_line_ids": [
                Command.create(
                    {
                        "product_id": product.id,
                        "name": product.name,
                        "quantity": 1.0,
                        "uom_id": product.uom_id.id,
                        "automatic_price": True,
                        **recurrence,
                    }
                )
                for product in products
            ],
        }
        for index, partner in enumerate(partners, 1)
    ]
    contracts = Contract.browse()
    for chunk in harness.batches(vals_list, BATCH // services):
        contracts |= Contract.create(chunk)
        env.flush_all()
    due = contracts.filtered(lambda contract: contract.recurring_next_date == date)
    assert len(due) == n, f"{len(due)} contracts due on {date}, expected {n}"
    harness.analyze(env)
    setup_s = time.perf_counter() - started

    def post_invoices():
        moves = env["account.move"].search(
            [
                ("move_type", "=", "out_invoice"),
                ("state", "=", "draft"),
                ("invoice_line_ids.contract_line_id", "!=", False),
            ]
        )
        moves.action_post()
        return moves

    measurement = harness.Measurement(env, args.profile, args.statements)
    measurement(
        "create",
        lambda: env["contract.contract"].cron_recurring_create_invoice(date),
    )
    moves = measurement("post", post_invoices)
    result = measurement.result(
        "OCA contract",
        n,
        "invoice",
        len(moves),
        date=str(date),
        setup_s=setup_s,
        processes=1,
    )
    return check(result, env, moves, products)


# ----------------------------------------------------------------------
# Command line and report
# ----------------------------------------------------------------------


def run_arguments(parser, cron_workers=False):
    harness.run_arguments(parser)
    parser.add_argument("--services", type=int, default=1)
    if cron_workers:
        harness.cron_workers_argument(parser, default=2)


def report(rows):
    harness.report(
        rows,
        [
            ("services each", lambda row: str(row["services"])),
            ("processes", lambda row: str(row["processes"])),
            (
                "invoices (lines)",
                lambda row: f"{row['units']:,} ({row['product_lines']:,})",
            ),
            *(harness.phase_column(name) for name in ("run", "create", "post")),
        ],
        group=lambda row: row["services"],
        label=lambda row: f"{row['services']} service(s) each",
        ours="fee_collection",
        theirs="OCA contract",
        unit="invoice",
    )


if __name__ == "__main__":
    harness.main(
        __doc__,
        {
            "fee": (lambda parser: run_arguments(parser, cron_workers=True), fee_bench),
            "oca": (run_arguments, oca_bench),
        },
        report,
    )
