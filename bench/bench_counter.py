"""Counter benchmark: a payment at fee_collection's counter against Odoo's payment wizard,
and the backfill of paper receipts.

Driven by ``bench_counter.sh`` (read its header first); each sub-command works on one
database that has the add-on installed:

    bench_counter.py -c CONF -d DB generate --n N --samples S --date D
        N subscribers, each with an active service (BENCH-NNNNNN) and monthly invoices of
        one 30.00 line: S of them (spread evenly) have 12 open invoices (the last 12
        months); the others 5, the last one open and the 4 before paid, each by its own
        payment in the cash journal, with its receipt. A cashier (bench_cashier) and an
        accountant (bench_accountant, who has Odoo's Billing rights). One
        template of each record (invoice, payment, reconciliation, receipt) is made
        through the ORM, the copies by SQL (all columns of the template row, ids, names,
        numbers, dates and partners replaced), so that they are what Odoo would have
        written.
    bench_counter.py -c CONF -d DB payments --n N --payments P --date D --out JSON
        P payments of different subscribers with 12 open invoices for each system, each a
        request (new cursor and environment, committed), taken in turn: the counter by
        the cashier, Odoo's wizard by the accountant:
          counter  fee.counter.payment.create({"search_text": service number}) (look-up,
                   open invoices, dues), then action_pay() (payment posted, reconciled,
                   receipt numbered)
          wizard   account.payment.register on the 12 invoices, cash journal, one
                   payment (group_payment), _create_payments()
          wizard-default  the same with the wizard's default for 12 invoices: one
                   payment per invoice
        after a few warm-up requests of each. --profile P / --statements P profile them.
    bench_counter.py -c CONF -d DB backfill --rows R --date D --out JSON
        A CSV of R paper receipts (paper_number, date, service_number, amount, method =
        the cash journal's code, cashier) of R subscribers with one open invoice, imported
        by the cashier: create + action_check() (phase "check"), action_post() (phase
        "post"), then the same file again: create + action_check() + action_post()
        (phase "again", which must post nothing).
    bench_counter.py table JSON...
        the tables (Markdown).

Timing, query counting and profiles are the harness's (``harness.py``).
"""

import base64
import csv
import dataclasses
import datetime
import io
import json
import sys
import time
from pathlib import Path

import harness

AMOUNT = 30.0
MONTHS = 5  # invoices of a subscriber without a sample's arrears, the last one open
SAMPLE_MONTHS = 12  # open invoices of a sampled subscriber
CASHIER = "bench_cashier"
# Odoo's payment wizard is an accountant's: cashiers have no Billing rights.
ACCOUNTANT = "bench_accountant"
WARM_UP = 3  # requests of each system before the measured ones
SYSTEMS = {
    "counter": "fee_collection counter",
    "wizard": "Odoo wizard, one payment",
    "wizard-default": "Odoo wizard, default (a payment per invoice)",
}
TARGET_QUERIES = 60

# ----------------------------------------------------------------------
# Data
# ----------------------------------------------------------------------


def make_templates(env, date):
    """Through the ORM, for one template subscriber: its service, an open invoice and a
    paid one with its payment, reconciliation and receipt; and the cashier."""

    cash = cash_journal(env)
    _product, partner, subscription, invoices = harness.template_subscriber(
        env, date, AMOUNT, invoices=2
    )
    cashier = harness.bench_user(
        env, "Bench Cashier", CASHIER, "fee_collection.group_fee_cashier"
    )
    harness.bench_user(
        env, "Bench Accountant", ACCOUNTANT, "fee_collection.group_fee_accountant"
    )
    open_invoice, paid_invoice = invoices
    # The backfill's check reads the payment methods' labels in Chinese too, which Odoo
    # refuses unless the language is active (as it is where the add-on is used).
    env["res.lang"]._activate_lang("zh_CN")
    receipt = partner._fee_collect(
        AMOUNT, cash, channel="online", invoices=paid_invoice, user=cashier
    )
    env.flush_all()
    assert paid_invoice.payment_state == "paid", paid_invoice.payment_state
    assert open_invoice.payment_state == "not_paid", open_invoice.payment_state
    return harness.receipt_templates(env, partner, subscription, invoices, receipt)


def generate(env, args):
    n, samples, date = args.n, args.samples, args.date
    cr = env.cr
    if env["res.partner"].search_count([("name", "=like", "Bench Subscriber %")]):
        raise SystemExit("generate: this database already has bench subscribers")
    started = time.perf_counter()
    t = make_templates(env, date)
    step = max(n // samples, 1)
    cr.execute(
        f"""
        CREATE TEMP TABLE bench_partner ON COMMIT DROP AS
        SELECT s AS i, {harness.padded("s", 6)} AS num,
               nextval('res_partner_id_seq') AS partner_id,
               nextval('fee_subscription_id_seq') AS subscription_id,
               (mod(s, %(step)s) = 0 AND s / %(step)s <= %(samples)s) AS sample
          FROM generate_series(1, %(n)s) s;
        CREATE TEMP TABLE bench_gen ON COMMIT DROP AS
        SELECT row_number() OVER (ORDER BY p.i, k) AS i, p.partner_id,
               p.subscription_id, p.num, (NOT p.sample AND k > 1) AS paid,
               (date_trunc('month', %(date)s::date)
                - (k - 1) * interval '1 month')::date AS invoice_date
          FROM bench_partner p,
               generate_series(1, CASE WHEN p.sample THEN %(sample_months)s
                                       ELSE %(months)s END) k;
        ALTER TABLE bench_gen
            ADD COLUMN due date, ADD COLUMN pay_date date,
            {harness.PAID_COLUMNS};
        UPDATE bench_gen
           SET due = invoice_date + 15, pay_date = invoice_date + 10,
               move_id = nextval('account_move_id_seq'),
               product_line_id = nextval('account_move_line_id_seq'),
               term_line_id = nextval('account_move_line_id_seq');
        {harness.PAID_IDS};
        """,
        {
            "n": n,
            "step": step,
            "samples": samples,
            "date": date,
            "months": MONTHS,
            "sample_months": SAMPLE_MONTHS,
        },
    )
    # Invoices and payments numbered as Odoo does, after the templates' numbers.
    harness.number_invoices_and_payments(cr, t)
    harness.number_receipts(cr, t["sequence"])
    counts = harness.clone_paid_subscribers(cr, t)
    harness.advance_sequence(cr, t["sequence"], counts["receipts"])
    cr.execute("DROP TABLE bench_gen; DROP TABLE bench_partner")
    env.invalidate_all()
    harness.analyze(env)
    seconds = time.perf_counter() - started
    verify(env, counts)
    print(f"generate: {counts} in {seconds:.1f}s")


def verify(env, counts):
    """The copies read like what Odoo writes: through the ORM, the counter's look-up and
    dues, reconciliation and balances."""
    company = env.company
    samples = harness.sampled_subscribers(env, SAMPLE_MONTHS)
    assert samples, "no subscriber with 12 open invoices"
    partner = env["res.partner"].browse(samples[0])
    number = harness.service_numbers(env, samples[:1])[partner.id]
    counter = env["fee.counter.payment"].new({"search_text": number})
    assert counter.partner_id._origin == partner, (counter.partner_id, partner)
    assert len(counter.line_ids) == SAMPLE_MONTHS, counter.line_ids
    assert counter.total_due == SAMPLE_MONTHS * AMOUNT, counter.total_due
    assert counter.amount == SAMPLE_MONTHS * AMOUNT and not counter.credit
    regular = env["res.partner"].browse(open_once(env, 1)[0][0])
    invoices = env["account.move"].search(
        [("partner_id", "=", regular.id), ("move_type", "=", "out_invoice")],
        order="invoice_date",
    )
    assert invoices.mapped("payment_state") == ["paid"] * (MONTHS - 1) + ["not_paid"]
    for invoice in invoices[:-1]:
        payment = invoice._get_reconciled_payments()
        assert len(payment) == 1 and payment.state == "in_process", payment
        assert payment.reconciled_invoice_ids == invoice
        assert env["fee.receipt"].search([("payment_id", "=", payment.id)]).name
    balance = env["fee.overdue"]._get_balance(regular, company)
    assert balance == AMOUNT, balance
    sequence = env["fee.receipt"]._get_sequence(company)
    last = env["fee.receipt"].search([], order="id desc", limit=1)
    assert int(last.name.rsplit("/", 1)[1]) < sequence.number_next_actual, last.name
    counts["invoices"] = counts["open_invoices"] + counts["paid_invoices"]
    counts["sampled"] = len(samples)


def cash_journal(env):
    journals = env.company._fee_get_payment_journals()
    return journals.filtered(lambda journal: journal.fee_payment_method == "cash")[:1]


def open_once(env, limit):
    """Subscribers with one open invoice and no backfilled receipt: (partner id,
    service number, amount due)."""
    env.cr.execute(
        """
        SELECT m.partner_id, s.service_number, m.amount_residual
          FROM account_move m
          JOIN fee_subscription s ON s.partner_id = m.partner_id
         WHERE m.move_type = 'out_invoice' AND m.state = 'posted'
           AND m.payment_state = 'not_paid' AND s.service_number LIKE 'BENCH-%%'
           AND NOT EXISTS (SELECT FROM account_move o
                            WHERE o.partner_id = m.partner_id AND o.id != m.id
                              AND o.move_type = 'out_invoice'
                              AND o.payment_state = 'not_paid')
           AND NOT EXISTS (SELECT FROM fee_receipt r
                            WHERE r.partner_id = m.partner_id AND r.channel = 'import')
         ORDER BY m.partner_id LIMIT %s
        """,
        [limit],
    )
    return env.cr.fetchall()


def data_counts(env):
    """The size of the database the run measures on."""
    cr = env.cr
    counts = {}
    for key, query in (
        ("subscribers", "SELECT count(*) FROM res_partner WHERE is_subscriber"),
        (
            "invoices",
            "SELECT count(*) FROM account_move WHERE move_type = 'out_invoice'",
        ),
        (
            "invoice_lines",
            "SELECT count(*) FROM account_move_line l JOIN account_move m"
            " ON m.id = l.move_id WHERE m.move_type = 'out_invoice'",
        ),
        ("journal_items", "SELECT count(*) FROM account_move_line"),
        ("payments", "SELECT count(*) FROM account_payment"),
        ("receipts", "SELECT count(*) FROM fee_receipt"),
    ):
        cr.execute(query)
        [(counts[key],)] = cr.fetchall()
    return counts


# ----------------------------------------------------------------------
# Payments, one request each
# ----------------------------------------------------------------------


def payments(env, args):
    company = env.company
    cash = cash_journal(env)
    cashier = env["res.users"].search([("login", "=", CASHIER)])
    accountant = env["res.users"].search([("login", "=", ACCOUNTANT)])
    Session = env["fee.cash.session"].with_user(cashier)
    if not Session.search_count([("user_id", "=", cashier.id), ("state", "=", "open")]):
        Session.create({"opening_cash": 0.0})
    context = {
        **env["res.users"].with_user(cashier).context_get(),
        "allowed_company_ids": company.ids,
    }
    systems = args.systems.split(",")
    per_system = args.payments + WARM_UP
    samples = harness.sampled_subscribers(env, SAMPLE_MONTHS)
    if len(samples) < per_system * len(systems):
        raise SystemExit(
            f"payments: {len(samples)} subscribers with 12 open invoices left, "
            f"{per_system * len(systems)} needed"
        )
    numbers = harness.service_numbers(env, samples)
    env.cr.execute(
        """
        SELECT partner_id, array_agg(id ORDER BY id) FROM account_move
         WHERE partner_id = ANY(%s) AND move_type = 'out_invoice'
         GROUP BY partner_id
        """,
        [samples],
    )
    invoices = dict(env.cr.fetchall())
    counts = data_counts(env)
    env.cr.commit()

    requests = harness.Requests(env.registry, args.profile, args.statements)

    def counter(partner_id):
        return harness.counter_payment(requests, numbers[partner_id])

    def wizard(partner_id, grouped):
        def pay(request_env):
            vals = {"journal_id": cash.id}
            if grouped:
                vals["group_payment"] = True
            register = (
                request_env["account.payment.register"]
                .with_context(
                    active_model="account.move", active_ids=invoices[partner_id]
                )
                .create(vals)
            )
            request_env.flush_all()
            requests.step("wizard")
            paid = register._create_payments()
            requests.step("pay")
            return paid.ids

        return pay

    operations = {
        "counter": counter,
        "wizard": lambda partner_id: wizard(partner_id, grouped=True),
        "wizard-default": lambda partner_id: wizard(partner_id, grouped=False),
    }
    paid = {system: {} for system in systems}
    queue = iter(samples)
    # In turn, so that the systems share whatever the machine does meanwhile.
    for index in range(per_system):
        for system in systems:
            partner_id = next(queue)
            paid[system][partner_id] = requests(
                system,
                (cashier if system == "counter" else accountant).id,
                context,
                operations[system](partner_id),
                keep=index >= WARM_UP,
            )
    requests.write_profiles()
    env.invalidate_all()
    result = requests.result(
        "payments",
        args.n,
        kind="payments",
        date=str(args.date),
        data=counts,
        payments=args.payments,
        warm_up=WARM_UP,
        context={key: str(value) for key, value in context.items()},
    )
    problems = check_payments(env, paid, invoices)
    if {"counter", "wizard"} <= result["requests"].keys():
        ours = result["requests"]["counter"]
        theirs = result["requests"]["wizard"]
        result["targets"] = {
            "queries": ours["queries"]["median"] <= TARGET_QUERIES,
            "time": ours["seconds"]["median"] <= theirs["seconds"]["median"],
        }
    harness.check(result, problems, f"N={result['n']}")
    return result


def check_payments(env, paid, invoices):
    """Every invoice paid, by one receipt of 12 lines (counter) or the payments made
    (wizard); the counter's receipts numbered without a gap."""
    problems = []
    for system, by_partner in paid.items():
        for partner_id, result in by_partner.items():
            moves = env["account.move"].browse(invoices[partner_id])
            states = set(moves.mapped("payment_state"))
            if states - {"paid", "in_payment"}:
                problems.append(f"{system}: invoices of {partner_id} are {states}")
            if system == "counter":
                receipt = env["fee.receipt"].browse(result)
                if (
                    len(receipt.line_ids) != SAMPLE_MONTHS
                    or receipt.amount != SAMPLE_MONTHS * AMOUNT
                    or receipt.balance_after
                ):
                    problems.append(f"receipt {receipt.name} of {partner_id}")
            elif len(result) != (1 if system == "wizard" else SAMPLE_MONTHS):
                problems.append(f"{system}: {len(result)} payments for {partner_id}")
    if "counter" in paid:
        receipts = env["fee.receipt"].browse(paid["counter"].values()).sorted("id")
        numbers = [int(name.rsplit("/", 1)[1]) for name in receipts.mapped("name")]
        if numbers != list(range(numbers[0], numbers[0] + len(numbers))):
            problems.append(f"receipt numbers with gaps: {numbers[0]}..{numbers[-1]}")
    return problems


# ----------------------------------------------------------------------
# Backfill of paper receipts
# ----------------------------------------------------------------------


def backfilled(env, import_id):
    """Whether import ``import_id`` is posted (``harness.Scheduler``)."""
    return env["fee.receipt.import"].browse(import_id).state != "posting"


def backfill(env, args):
    rows, date = args.rows, args.date
    if args.after:
        smaller = json.loads(Path(args.after).read_text())
        ratio = rows / smaller["rows"]
        estimate = smaller["phases"]["post"]["seconds"] * ratio
        if estimate > args.max_seconds:
            print(
                f"backfill: {rows} rows would post in about {estimate:.0f} s (from "
                f"{smaller['rows']} rows), above {args.max_seconds} s: extrapolated",
                file=sys.stderr,
            )
            return extrapolated_backfill(smaller, rows, ratio)
    cash = cash_journal(env)
    cashier = env["res.users"].search([("login", "=", CASHIER)])
    subscribers = open_once(env, rows)
    if len(subscribers) < rows:
        raise SystemExit(
            f"backfill: {len(subscribers)} subscribers left, {rows} needed"
        )
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(
        ["paper_number", "date", "service_number", "amount", "method", "cashier"]
    )
    for index, (partner_id, number, amount) in enumerate(subscribers, 1):
        writer.writerow(
            [
                f"PB-{partner_id}",  # a subscriber is backfilled once
                date - datetime.timedelta(days=1 + index % 7),
                number,
                f"{amount:.2f}",
                cash.code,
                CASHIER,
            ]
        )
    data = base64.b64encode(text.getvalue().encode())
    Import = env["fee.receipt.import"].with_user(cashier)
    Receipt = env["fee.receipt"]
    counts = data_counts(env)
    measurement = harness.Measurement(env, args.profile, args.statements)

    def check():
        imported = Import.create({"file": data, "file_name": f"paper-{rows}.csv"})
        imported.action_check()
        return imported

    # A file of more than a hundred rows is posted by the scheduler, in batches of a
    # transaction each: timed until it is done, in this process.
    harness.scheduler_only(env, "fee_collection.ir_cron_fee_receipt_import")
    scheduler = harness.Scheduler(args.config, env.cr.dbname, 0, backfilled)

    first = measurement("check", check)

    def post():
        first.action_post()
        scheduler.run(env, first.id)

    measurement("post", post)
    receipts = Receipt.search_count([])

    def again():
        imported = check()
        imported.action_post()
        return imported

    second = measurement("again", again)
    new_receipts = Receipt.search_count([]) - receipts
    # Beside it, the path every row took until the batch path: ``_fee_collect`` a row
    # at a time, in one transaction, on a sample of other subscribers.
    sample = open_once(env, args.one_by_one)

    def one_by_one():
        Partner = env["res.partner"].with_user(cashier)
        for partner_id, _number, amount in sample:
            Partner.browse(partner_id)._fee_collect(
                amount,
                cash,
                channel="import",
                date=date - datetime.timedelta(days=1),
                paper_number=f"PO-{partner_id}",
                user=cashier,
            )

    if sample:
        measurement("one-by-one", one_by_one)
    # And the part of the batch path that is Odoo's own: the payments created as one
    # recordset and posted (their entries, lines and numbers), nothing else: no
    # reconciliation, no receipt. Its rate bounds the batch's.
    alone = open_once(env, args.payments_alone)

    def payments_alone():
        Receipt.sudo()._create_payments(
            [
                {
                    "partner": env["res.partner"].browse(partner_id),
                    "amount": amount,
                    "date": date,
                    "journal": cash,
                    "paper_number": None,
                }
                for partner_id, _number, amount in alone
            ],
            env.company,
        )

    if alone:
        measurement("payments-alone", payments_alone)
    partners = {partner_id for partner_id, _number, _amount in subscribers}
    posted = Receipt.search(
        [("paper_number", "in", [f"PB-{partner_id}" for partner_id in partners])]
    )
    result = measurement.result(
        "backfill",
        args.n,
        "row",
        rows,
        kind="backfill",
        date=str(date),
        data=counts,
        rows=rows,
        one_by_one_rows=len(sample),
        payments_alone_rows=len(alone),
        first={"state": first.state, "posted": first.posted_count},
        again={
            "state": second.state,
            "posted": second.posted_count,
            "known": second.known_count,
            "new_receipts": new_receipts,
        },
    )
    problems = []
    if first.state != "done" or first.posted_count != rows:
        problems.append(f"first import {first.state}, {first.posted_count} posted")
    if new_receipts or second.posted_count or second.known_count != rows:
        problems.append(
            f"second import posted {second.posted_count} ({new_receipts} new "
            f"receipts), {second.known_count} known"
        )
    if len(posted) != rows or set(posted.partner_id.ids) != partners:
        problems.append(f"{len(posted)} receipts of the file, expected {rows}")
    unpaid = env["account.move"].search_count(
        [
            ("partner_id", "in", list(partners)),
            ("move_type", "=", "out_invoice"),
            ("payment_state", "not in", ("paid", "in_payment")),
        ]
    )
    if unpaid:
        problems.append(f"{unpaid} invoices of the file's subscribers still open")
    harness.check(result, problems, f"{rows} rows")
    return result


# ----------------------------------------------------------------------
# Command line and report
# ----------------------------------------------------------------------


def generate_arguments(parser):
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--samples", type=int, default=400)
    parser.add_argument("--date", type=datetime.date.fromisoformat, required=True)


def payments_arguments(parser):
    harness.run_arguments(parser)
    parser.add_argument("--payments", type=int, default=100)
    parser.add_argument(
        "--systems",
        default=",".join(SYSTEMS),
        help=f"comma-separated, of {', '.join(SYSTEMS)}",
    )


def extrapolated_backfill(smaller, rows, ratio):
    """The result of a smaller backfill scaled linearly to ``rows`` (posting is one
    payment after another), marked as such (``extrapolated``: what was measured)."""
    phases = {
        name: harness.Figures(**figures).scaled(ratio)
        for name, figures in smaller["phases"].items()
    }
    total = sum(phases.values(), harness.Figures())
    return {
        **smaller,
        **dataclasses.asdict(total),
        "rows": rows,
        "units": rows,
        "phases": {name: dataclasses.asdict(f) for name, f in phases.items()},
        "extrapolated": smaller["phases"],
        "estimated_from": smaller["rows"],
    }


def backfill_arguments(parser):
    harness.run_arguments(parser)
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument(
        "--after",
        help="the JSON of a smaller backfill: extrapolate from it if posting would "
        "take more than --max-seconds",
    )
    parser.add_argument("--max-seconds", type=float, default=1200.0)
    parser.add_argument(
        "--one-by-one",
        type=int,
        default=500,
        help="rows posted one at a time beside the file, for comparison (0: none)",
    )
    parser.add_argument(
        "--payments-alone",
        type=int,
        default=1000,
        help="payments created and posted alone (Odoo's part of the batch path), for "
        "comparison (0: none)",
    )


def report(rows):
    rows.sort(key=lambda row: (row["kind"], row["n"], row.get("rows", 0)))
    for row in rows:
        if row["kind"] == "payments":
            payments_table(row)
    backfills = [row for row in rows if row["kind"] == "backfill"]
    if backfills:
        backfill_table(backfills)


def ms(value):
    return f"{1000 * value:,.0f}"


def payments_table(row):
    data = row["data"]
    print(
        f"N={row['n']:,} subscribers: {data['invoices']:,} invoices "
        f"({data['invoice_lines']:,} invoice lines), {data['journal_items']:,} journal "
        f"items, {data['payments']:,} payments, {data['receipts']:,} receipts. "
        f"{row['payments']} payments of 12 open invoices each per system (a subscriber "
        f"each), after {row['warm_up']} warm-up ones; load average "
        f"{row['load_average'][0]:.1f}; checks: {'; '.join(row['problems']) or 'ok'}."
    )
    print()
    wizard = row["requests"].get("wizard")

    def ratio(item):
        if not wizard:
            return "-"
        return f"{item[1]['seconds']['median'] / wizard['seconds']['median']:.2f}"

    def steps(item):
        return ", ".join(
            f"{label} {ms(step['seconds']['median'])} / {step['queries']['median']:g}"
            for label, step in item[1]["steps"].items()
        )

    harness.print_table(
        list(row["requests"].items()),
        [
            ("system", lambda item: SYSTEMS[item[0]]),
            ("payments", lambda item: str(item[1]["count"])),
            ("median ms", lambda item: ms(item[1]["seconds"]["median"])),
            ("p95 ms", lambda item: ms(item[1]["seconds"]["p95"])),
            ("median queries", lambda item: f"{item[1]['queries']['median']:g}"),
            ("p95 queries", lambda item: str(item[1]["queries"]["p95"])),
            ("median SQL ms", lambda item: ms(item[1]["sql_s"]["median"])),
            ("time / wizard", ratio),
            ("steps: median ms / queries", steps),
        ],
    )
    targets = row.get("targets")
    if targets:
        print(
            f"\n- at most {TARGET_QUERIES} queries (median): "
            f"{'met' if targets['queries'] else 'NOT MET'}; no slower than the "
            f"wizard's one payment (median): {'met' if targets['time'] else 'NOT MET'}"
        )
    print()


def backfill_table(rows):
    def phase(name):
        return lambda row: f"{row['phases'][name]['seconds']:,.1f}"

    def per_row(row):
        return ", ".join(
            f"{row['phases'][name]['queries'] / row['rows']:.1f}"
            for name in ("check", "post", "again")
        )

    def one_by_one_rate(row):
        figures = row["phases"].get("one-by-one")
        return f"{row['one_by_one_rows'] / figures['seconds']:,.1f}" if figures else "-"

    def one_by_one_queries(row):
        figures = row["phases"].get("one-by-one")
        return f"{figures['queries'] / row['one_by_one_rows']:.1f}" if figures else "-"

    def alone_rate(row):
        figures = row["phases"].get("payments-alone")
        if not figures:
            return "-"
        count = row["payments_alone_rows"]
        return f"{count / figures['seconds']:,.1f}, {figures['queries'] / count:.1f}"

    harness.print_table(
        rows,
        [
            (
                "rows",
                lambda row: f"{row['rows']:,}" + ("*" if row["extrapolated"] else ""),
            ),
            ("check s", phase("check")),
            ("post s", phase("post")),
            (
                "rows posted/s",
                lambda row: f"{row['rows'] / row['phases']['post']['seconds']:,.1f}",
            ),
            ("again s (check + post)", phase("again")),
            ("one by one: rows/s", one_by_one_rate),
            ("one by one: queries/row", one_by_one_queries),
            ("payments alone: rows/s, queries/row", alone_rate),
            ("again: new receipts", lambda row: str(row["again"]["new_receipts"])),
            ("queries/row: check, post, again", per_row),
            ("load avg", lambda row: f"{row['load_average'][0]:.1f}"),
            ("checks", lambda row: "; ".join(row["problems"]) or "ok"),
        ],
    )
    for row in rows:
        if row["extrapolated"]:
            print(
                f"\n* not run: {row['rows']:,} rows would have posted for longer than "
                f"allowed; the figures of {row['estimated_from']:,} rows scaled linearly."
            )


if __name__ == "__main__":
    harness.main(
        __doc__,
        {
            "generate": (generate_arguments, generate),
            "payments": (payments_arguments, payments),
            "backfill": (backfill_arguments, backfill),
        },
        report,
    )
