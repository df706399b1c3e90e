"""Dunning benchmark: fee_collection's dunning run against OCA account_credit_control.

Driven by ``bench_dunning.sh`` (read its header first); each sub-command works on one database:

    bench_dunning.py -c CONF -d DB generate --n N --date D
        N subscribers (is_subscriber, mobile, e-mail), each with one posted customer invoice
        of 120.00 due 1-200 days before D (uniformly), every second one with an active
        fee.subscription. One template of each record is made through the ORM, the N copies
        by SQL (all columns of the template row, with the partner, names, dates and ids
        replaced), so that the receivable lines are exactly what a posted invoice has.
    bench_dunning.py -c CONF -d DB fee-run --n N --date D [--day 2] --out JSON [--profile P]
        fee.dunning.run: action_compute() (phase "compute") then action_execute() (phase
        "execute"), each timed up to its commit. A run of more lines than the add-on
        executes in the request (SYNC_RUN_MAX_LINES) is queued: the execute phase lasts
        until Odoo's scheduler has executed it, in --cron-workers processes (1; 0, and
        always with --profile or --statements: in this process) with its other jobs
        switched off. D must be the scheduler's today (day 1) or the day after today's
        run (day 2): the job that executes a queued run also makes and computes today's.
    bench_dunning.py -c CONF -d DB oca-setup
        an account_credit_control policy equivalent to the retail dunning policy.
    bench_dunning.py -c CONF -d DB oca-run --n N --date D [--day 2] --out JSON [--exec-max K]
        credit.control.run generate_credit_lines() (phase "compute"), then the marker wizard
        and run_channel_action() (phase "execute") on at most K lines (the rest
        extrapolated linearly).
    bench_dunning.py table JSON...
        the comparison table (Markdown).

Timing, query counting and profiles are the harness's (``harness.py``); queries per
partner are the run's queries over the N partners.
"""

import datetime
import time

import harness

AMOUNT = 120.0
MAX_DAYS = 200
SUBSCRIBED_EVERY = 2  # every second subscriber has an active service
OCA_SYSTEM = "OCA account_credit_control"
OCA_POLICY = "Bench: retail levels (1/10/30/60/90/180 days)"
OCA_LEVELS = [
    (1, "SMS reminder", 1),
    (2, "Phone call", 10),
    (3, "Visit and payment notice", 30),
    (4, "Suspension", 60),
    (5, "Disconnection and lawyer's letter", 90),
    (6, "Legal hand-over", 180),
]


# ----------------------------------------------------------------------
# Data
# ----------------------------------------------------------------------


def generate(env, args):
    n, date = args.n, args.date

    cr = env.cr
    company = env.ref("base.main_company")
    if env["res.partner"].search_count([("name", "=like", "Bench Subscriber %")]):
        raise SystemExit("generate: this database already has bench subscribers")
    started = time.perf_counter()
    product, partner, subscription, invoice = harness.template_subscriber(
        env, date, AMOUNT
    )
    product_line = harness.move_line(invoice, "product")
    term_line = harness.move_line(invoice, "payment_term")
    assert len(invoice.line_ids) == 2 and product_line and term_line

    cr.execute(
        f"""
        CREATE TEMP TABLE bench_gen ON COMMIT DROP AS
        SELECT g AS i,
               nextval('res_partner_id_seq') AS partner_id,
               nextval('account_move_id_seq') AS move_id,
               nextval('account_move_line_id_seq') AS product_line_id,
               nextval('account_move_line_id_seq') AS term_line_id,
               CASE WHEN mod(g, %(every)s) = 0
                    THEN nextval('fee_subscription_id_seq') END AS subscription_id,
               %(date)s::date - (1 + mod(g * 37, %(days)s))::int AS due,
               {harness.padded("g", 6)} AS num,
               NULL::date AS invoice_date, NULL::varchar AS prefix,
               NULL::int AS seq, NULL::varchar AS name
          FROM generate_series(1, %(n)s) g
        """,
        {"n": n, "date": date, "days": MAX_DAYS, "every": SUBSCRIBED_EVERY},
    )
    cr.execute("UPDATE bench_gen SET invoice_date = due - 15")
    harness.number_moves(
        cr,
        invoice.journal_id.id,
        "INV",
        date="invoice_date",
        prefix="prefix",
        seq="seq",
        name="name",
    )
    counts = {}
    counts["partners"] = harness.clone_rows(
        cr,
        "res_partner",
        partner.id,
        {
            "id": "g.partner_id",
            "commercial_partner_id": "g.partner_id",
            **harness.subscriber_overrides(),
        },
    )
    counts["invoices"] = harness.clone_rows(
        cr, "account_move", invoice.id, harness.invoice_overrides()
    )
    line = harness.invoice_line_overrides()
    counts["subscriptions"] = harness.clone_rows(
        cr,
        "fee_subscription",
        subscription.id,
        {
            "id": "g.subscription_id",
            "partner_id": "g.partner_id",
            "service_number": "'BENCH-' || g.num",
            **harness.STAMPS,
        },
        where="g.subscription_id IS NOT NULL",
    )
    harness.clone_rows(
        cr,
        "account_move_line",
        product_line.id,
        {"id": "g.product_line_id", "subscription_id": "g.subscription_id", **line},
    )
    counts["receivable_lines"] = harness.clone_rows(
        cr,
        "account_move_line",
        term_line.id,
        {
            "id": "g.term_line_id",
            "name": "g.name",
            "date_maturity": "g.due",
            **line,
        },
    )
    cr.execute("DROP TABLE bench_gen")
    env.invalidate_all()
    harness.analyze(
        env, "res_partner", "account_move", "account_move_line", "fee_subscription"
    )
    seconds = time.perf_counter() - started

    # The copies must read like real posted invoices, through the ORM and the overdue query
    figures = env["fee.overdue"]._get_overdue_data(date, company)
    sample = env["account.move"].search(
        [("partner_id.name", "=like", "Bench Subscriber %")], limit=3
    )
    for move in sample:
        assert move.state == "posted" and move.payment_state == "not_paid", move
        assert move.amount_residual == AMOUNT and move.line_ids.mapped("parent_state")
        assert figures[move.partner_id.id]["move_ids"] == move.ids
    assert len(figures) == n, (len(figures), n)
    days = sorted((date - overdue["oldest_due"]).days for overdue in figures.values())
    print(
        f"generate: {counts} in {seconds:.1f}s; overdue partners {len(figures)}, "
        f"days {days[0]}-{days[-1]}"
    )


# ----------------------------------------------------------------------
# fee_collection
# ----------------------------------------------------------------------


def executed(env, run_id):
    """Whether the scheduler has executed run ``run_id`` (``harness.Scheduler``): the run
    is done, or none of its lines is left to execute (the job's call that executes the
    last ones leaves the run in progress: see the check in ``fee_run``)."""
    return env["fee.dunning.run"].browse(run_id).state == "done" or not env[
        "fee.dunning.line"
    ].search_count([("run_id", "=", run_id), ("state", "=", "draft")])


def fee_run(env, args):
    from odoo import fields

    from odoo.addons.fee_collection.models.fee_dunning_run import SYNC_RUN_MAX_LINES

    company = env.ref("base.main_company")
    Run = env["fee.dunning.run"]
    run = Run.create({"date": args.date, "company_id": company.id})
    # Only the dunning job may run: the scheduler's other jobs would blur the timing.
    harness.scheduler_only(env, "fee_collection.ir_cron_fee_dunning")
    measurement = harness.Measurement(env, args.profile, args.statements)
    measurement("compute", run.action_compute)
    states = dict(
        env["fee.dunning.line"]._read_group(
            [("run_id", "=", run.id)], ["state"], ["__count"]
        )
    )
    # Odoo's cron worker process(es), started (registry loaded) before the timing, for a
    # run that the add-on queues: one job, one company lock, so one worker does it all.
    queues = states.get("draft", 0) > SYNC_RUN_MAX_LINES
    today = fields.Date.context_today(Run)
    if queues and not Run.search_count(
        [("company_id", "=", company.id), ("date", "=", today)]
    ):
        raise SystemExit(
            f"fee-run: the scheduler that executes a queued run also makes and computes "
            f"today's ({today}); run {args.date} on that day (day 1) or the day after it"
        )
    scheduler = harness.Scheduler(
        args.config,
        env.cr.dbname,
        harness.cron_workers(args) if queues else 0,
        executed,
    )
    executed_by = "request"

    def execute():
        nonlocal executed_by
        if isinstance(run.action_execute(), dict) or scheduler.workers:
            executed_by = f"scheduler ({scheduler.processes} process)"
            scheduler.run(env, run.id)  # at once if it is done

    measurement("execute", execute)
    actions = {
        f"{kind}:{state}": count
        for kind, state, count in env["fee.dunning.action"]._read_group(
            [("line_id.run_id", "=", run.id)], ["action_type", "state"], ["__count"]
        )
    }
    levels = {
        level.name: count
        for level, count in env["fee.dunning.line"]._read_group(
            [("run_id", "=", run.id), ("state", "=", "done")], ["level_id"], ["__count"]
        )
    }
    result = measurement.result(
        "fee_collection",
        args.n,
        "partner",
        args.n,
        day=args.day,
        date=str(args.date),
        lines=states.get("draft", 0),
        skipped=states.get("skipped", 0),
        executed=states.get("draft", 0),
        levels=levels,
        actions=actions,
        state=run.state,
        executed_by=executed_by,
        scheduler_wait_s=scheduler.waited,
        scheduler_calls=env["ir.cron.progress"].search_count(
            [
                ("cron_id", "=", env.ref("fee_collection.ir_cron_fee_dunning").id),
                ("create_date", ">=", run.create_date),
            ]
        ),
        runs_made=Run.search_count([("id", ">", run.id)]),
    )
    problems = []
    if run.state != "done":
        left = " after its last line" if states.get("draft") else ""
        problems.append(f"run {run.state}{left}, expected done")
    if result["runs_made"]:
        problems.append(f"{result['runs_made']} other run(s) made, expected none")
    return check(result, problems, sum(levels.values()))


def check(result, problems, done):
    """Every line to execute is done (``done`` lines are), a line a partner on day 1."""
    lines, executed, n = result["lines"], result["executed"], result["n"]
    if done != executed:
        problems.append(f"{done} lines done, expected {executed}")
    if result["day"] == 1 and lines != n:
        problems.append(f"{lines} lines on day 1, expected {n}")
    if not lines:
        problems.append("no lines")
    harness.check(result, problems, f"N={n} day {result['day']}")
    return result


# ----------------------------------------------------------------------
# OCA account_credit_control
# ----------------------------------------------------------------------


def oca_setup(env, args):
    """A policy with the retail levels, every level by e-mail. The e-mail template is the
    module's own without its PDF summary: fee_collection's levels queue a message or
    record a letter to print, they render no PDF during the run either."""
    from odoo import Command

    company = env.ref("base.main_company")
    template = env.ref(
        "account_credit_control.email_template_credit_control_base"
    ).copy(
        {"name": "Credit Control Email (bench, no PDF)", "report_template_ids": False}
    )
    receivables = env["account.account"].search(
        [("account_type", "=", "asset_receivable"), ("company_ids", "in", company.ids)]
    )
    policy = env["credit.control.policy"].create(
        {
            "name": OCA_POLICY,
            "company_id": company.id,
            "account_ids": [Command.set(receivables.ids)],
            "level_ids": [
                Command.create(
                    {
                        "name": name,
                        "level": level,
                        "computation_mode": "net_days",
                        "delay_days": days,
                        "channel": "email",
                        "email_template_id": template.id,
                        "custom_text": f"{name}: please pay the amount overdue.",
                        "custom_mail_text": f"<p>{name}: please pay the amount overdue.</p>",
                    }
                )
                for level, name, days in OCA_LEVELS
            ],
        }
    )
    company.credit_policy_id = policy
    env.cr.commit()
    print(f"oca-setup: policy {policy.id}, accounts {receivables.mapped('code')}")


def oca_run(env, args):
    from odoo import Command

    errors = {"error", "email_error"}
    # e-mails are queued, not sent during the run (fee_collection's SMS are queued too)
    env = env(context=dict(env.context, mail_notify_force_send=False))
    company = env.ref("base.main_company")
    policy = env["credit.control.policy"].search([("name", "=", OCA_POLICY)])
    run = env["credit.control.run"].create(
        {
            "date": args.date,
            "company_id": company.id,
            "policy_ids": [Command.set(policy.ids)],
        }
    )
    measurement = harness.Measurement(env, args.profile, args.statements)
    measurement("compute", run.generate_credit_lines)
    lines = env["credit.control.line"].search(
        [("run_id", "=", run.id), ("state", "=", "draft")], order="id"
    )
    to_send = lines[: args.exec_max] if args.exec_max else lines

    def execute():
        marker = env["credit.control.marker"].create(
            {"name": "to_be_sent", "line_ids": [Command.set(to_send.ids)]}
        )
        marker.mark_lines()
        run.run_channel_action()

    measurement("execute", execute)
    if len(to_send) < len(lines):  # it handles one communication at a time: linear
        measurement.extrapolate("execute", len(lines) / len(to_send))
    levels = {
        level.name: count
        for level, count in env["credit.control.line"]._read_group(
            [("run_id", "=", run.id)], ["policy_level_id"], ["__count"]
        )
    }
    states = dict(
        env["credit.control.line"]._read_group(
            [("run_id", "=", run.id)], ["state"], ["__count"]
        )
    )
    result = measurement.result(
        OCA_SYSTEM,
        args.n,
        "partner",
        args.n,
        day=args.day,
        date=str(args.date),
        lines=len(lines),
        executed=len(to_send),
        levels=levels,
        states=states,
        communications=env["credit.control.communication"].search_count(
            [("credit_control_line_ids.run_id", "=", run.id)]
        ),
        mails_queued=env["mail.mail"].search_count(
            [("model", "=", "credit.control.communication")]
        ),
    )
    problems = [f"{states[state]} lines in {state}" for state in errors & set(states)]
    if not result["communications"]:
        problems.append("no communications")
    return check(result, problems, states.get("queued", 0) + states.get("sent", 0))


# ----------------------------------------------------------------------
# Command line and report
# ----------------------------------------------------------------------


def run_arguments(parser, exec_max=False, cron_workers=False):
    harness.run_arguments(parser)
    parser.add_argument("--day", type=int, default=1)
    if exec_max:
        parser.add_argument("--exec-max", type=int, default=0)
    if cron_workers:
        harness.cron_workers_argument(parser, default=1)


def generate_arguments(parser):
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--date", type=datetime.date.fromisoformat, required=True)


def report(rows):
    harness.report(
        rows,
        [
            ("run", lambda row: f"day {row['day']}"),
            ("lines", lambda row: f"{row['lines']:,}"),
            ("executed by", lambda row: row.get("executed_by", "request")),
            harness.phase_column("compute"),
            harness.phase_column("execute"),
        ],
        group=lambda row: row["day"],
        label=lambda row: f"day {row['day']}",
        ours="fee_collection",
        theirs=OCA_SYSTEM,
        unit="partner",
    )
    extrapolated = [row for row in rows if row["extrapolated"]]
    if extrapolated:
        print(
            "\n* OCA execute measured on the first "
            + ", ".join(
                f"{row['executed']:,} of {row['lines']:,} lines at N={row['n']:,}"
                for row in extrapolated
            )
            + ", extrapolated linearly to all lines."
        )


if __name__ == "__main__":
    harness.main(
        __doc__,
        {
            "generate": (generate_arguments, generate),
            "fee-run": (
                lambda parser: run_arguments(parser, cron_workers=True),
                fee_run,
            ),
            "oca-setup": (lambda parser: None, oca_setup),
            "oca-run": (lambda parser: run_arguments(parser, exec_max=True), oca_run),
        },
        report,
    )
