"""Dunning benchmark helper: fee_collection's dunning run against OCA account_credit_control.

Driven by ``bench_dunning.sh`` (read its header first); each sub-command works on one database:

    bench_dunning.py -c CONF -d DB generate --n N --date D
        N subscribers (is_subscriber, mobile, e-mail), each with one posted customer invoice
        of 120.00 due 1-200 days before D (uniformly), every second one with an active
        fee.subscription. One template of each record is made through the ORM, the N copies
        by SQL (all columns of the template row, with the partner, names, dates and ids
        replaced), so that the receivable lines are exactly what a posted invoice has.
    bench_dunning.py -c CONF -d DB fee-run --n N --date D [--day 2] --out JSON [--profile P]
        fee.dunning.run: action_compute() then action_execute(), each timed and its SQL
        queries counted (commit included).
    bench_dunning.py -c CONF -d DB oca-setup
        an account_credit_control policy equivalent to the retail dunning policy.
    bench_dunning.py -c CONF -d DB oca-run --n N --date D [--day 2] --out JSON [--exec-max K]
        credit.control.run generate_credit_lines() (compute), then the marker wizard and
        run_channel_action() (execute) on at most K lines (the rest extrapolated).
    bench_dunning.py table JSON...
        the comparison table.
"""

import argparse
import contextlib
import cProfile
import datetime
import io
import json
import pstats
import re
import sys
import time
from collections import Counter
from pathlib import Path

AMOUNT = 120.0
MAX_DAYS = 200
SUBSCRIBED_EVERY = 2  # every second subscriber has an active service
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
# Odoo plumbing
# ----------------------------------------------------------------------


class QueryCounter:
    """Counts every SQL statement sent through Odoo's cursors; with ``statements`` set to a
    Counter, also counts them by shape (literals and whitespace normalised)."""

    count = 0
    statements = None

    @classmethod
    def install(cls):
        from odoo import sql_db

        original = sql_db.Cursor.execute

        def execute(self, query, *args, **kwargs):
            cls.count += 1
            if cls.statements is not None:
                cls.statements[statement_shape(query)] += 1
            return original(self, query, *args, **kwargs)

        sql_db.Cursor.execute = execute


def statement_shape(query):
    text = str(getattr(query, "code", query))
    text = re.sub(r"'[^']*'|\b\d+\b", "?", text)
    return re.sub(r"\s+", " ", text).strip()[:160]


def top_statements(counter, limit=15):
    return [[count, shape] for shape, count in counter.most_common(limit)]


@contextlib.contextmanager
def environment(conf, db):
    import odoo
    from odoo.tools import config

    config.parse_config(["-c", conf, "--log-level=warn"])
    from odoo.modules.registry import Registry

    QueryCounter.install()
    registry = Registry(db)
    with registry.cursor() as cr:
        # the root user, as the scheduled actions of both modules run
        yield odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})


def measure(env, func, profile=None):
    """Wall-clock seconds and SQL queries of ``func()`` up to its commit, on a cold cache
    (as a scheduled action that runs in a new transaction). With ``profile`` (a path
    prefix), runs it under cProfile and counts the statements by shape too."""
    env.flush_all()
    env.cr.commit()
    env.invalidate_all()
    profiler = cProfile.Profile() if profile else None
    QueryCounter.statements = Counter() if profile else None
    queries, start = QueryCounter.count, time.perf_counter()
    if profiler:
        profiler.enable()
    func()
    env.flush_all()
    env.cr.commit()
    if profiler:
        profiler.disable()
    seconds = time.perf_counter() - start
    queries = QueryCounter.count - queries
    if profile:
        write_profile(profiler, profile)
        Path(f"{profile}-statements.txt").write_text(
            "".join(
                f"{count:8d}  {shape}\n"
                for count, shape in top_statements(QueryCounter.statements, 40)
            )
        )
        QueryCounter.statements = None
    return seconds, queries


def write_profile(profiler, prefix):
    profiler.dump_stats(f"{prefix}.pstats")
    for order in ("cumulative", "tottime"):
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats(order).print_stats(40)
        Path(f"{prefix}-{order}.txt").write_text(text.getvalue())


def phase(prefix, name):
    return f"{prefix}-{name}" if prefix else None


# ----------------------------------------------------------------------
# Data
# ----------------------------------------------------------------------


def table_columns(cr, table):
    cr.execute(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position",
        [table],
    )
    return [name for (name,) in cr.fetchall()]


def clone_rows(cr, table, template_id, overrides, where="TRUE"):
    """Insert one copy of row ``template_id`` of ``table`` per row of ``bench_gen``
    matching ``where``, with ``overrides`` (column: SQL expression over t and g)."""
    columns = table_columns(cr, table)
    unknown = set(overrides) - set(columns)
    assert not unknown, f"{table} has no column {unknown}"
    names = ", ".join(f'"{column}"' for column in columns)
    values = ", ".join(overrides.get(column, f't."{column}"') for column in columns)
    cr.execute(
        f"INSERT INTO {table} ({names}) SELECT {values}"  # trusted table names
        f" FROM {table} t CROSS JOIN bench_gen g WHERE t.id = %s AND {where}",
        [template_id],
    )
    return cr.rowcount


def generate(env, n, date):
    from odoo import Command

    cr = env.cr
    company = env.ref("base.main_company")
    if env["res.partner"].search_count([("name", "=like", "Bench Subscriber %")]):
        raise SystemExit("generate: this database already has bench subscribers")
    started = time.perf_counter()
    product = env["product.product"].create(
        {
            "name": "Cable TV (bench)",
            "type": "service",
            "is_fee_item": True,
            "lst_price": AMOUNT,
            "taxes_id": [Command.clear()],
        }
    )
    partner = env["res.partner"].create(
        {
            "name": "Bench template subscriber",
            "is_subscriber": True,
            "mobile": "13900000000",
            "email": "bench.template@example.com",
        }
    )
    # due after the benchmark's runs: the template itself is never overdue
    invoice = env["account.move"].create(
        {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "invoice_date": date,
            "invoice_date_due": date + datetime.timedelta(days=60),
            "invoice_line_ids": [
                Command.create(
                    {"product_id": product.id, "quantity": 1, "price_unit": AMOUNT}
                )
            ],
        }
    )
    invoice.action_post()
    subscription = env["fee.subscription"].create(
        {"partner_id": partner.id, "product_id": product.id, "service_number": "TPL"}
    )
    subscription.action_activate()
    env.flush_all()
    product_line = invoice.line_ids.filtered(
        lambda line: line.display_type == "product"
    )
    term_line = invoice.line_ids.filtered(
        lambda line: line.display_type == "payment_term"
    )
    assert len(invoice.line_ids) == 2 and product_line and term_line

    cr.execute(
        """
        CREATE TEMP TABLE bench_gen ON COMMIT DROP AS
        SELECT g AS i,
               nextval('res_partner_id_seq') AS partner_id,
               nextval('account_move_id_seq') AS move_id,
               nextval('account_move_line_id_seq') AS product_line_id,
               nextval('account_move_line_id_seq') AS term_line_id,
               CASE WHEN mod(g, %(every)s) = 0
                    THEN nextval('fee_subscription_id_seq') END AS subscription_id,
               %(date)s::date - (1 + mod(g * 37, %(days)s))::int AS due,
               lpad(g::text, 6, '0') AS num,
               NULL::date AS invoice_date, NULL::varchar AS prefix,
               NULL::int AS seq, NULL::varchar AS name
          FROM generate_series(1, %(n)s) g
        """,
        {"n": n, "date": date, "days": MAX_DAYS, "every": SUBSCRIBED_EVERY},
    )
    cr.execute(
        """
        UPDATE bench_gen SET invoice_date = due - 15,
                             prefix = 'INV/' || extract(year FROM due - 15)::int || '/';
        WITH numbered AS (
            SELECT i, row_number() OVER (PARTITION BY prefix ORDER BY invoice_date, i) AS rn
              FROM bench_gen
        )
        UPDATE bench_gen b
           SET seq = n.rn + COALESCE((SELECT max(sequence_number) FROM account_move m
                                       WHERE m.journal_id = %(journal)s
                                         AND m.sequence_prefix = b.prefix), 0)
          FROM numbered n WHERE n.i = b.i;
        UPDATE bench_gen SET name = prefix || lpad(seq::text, 5, '0');
        """,
        {"journal": invoice.journal_id.id},
    )
    now = "(now() AT TIME ZONE 'UTC')"
    stamps = {"create_date": now, "write_date": now}
    name = "'Bench Subscriber ' || g.num"
    mobile = "'139' || lpad(g.i::text, 8, '0')"
    email = "'subscriber' || g.num || '@example.com'"
    counts = {}
    counts["partners"] = clone_rows(
        cr,
        "res_partner",
        partner.id,
        {
            "id": "g.partner_id",
            "name": name,
            "complete_name": name,
            "commercial_partner_id": "g.partner_id",
            "mobile": mobile,
            "phone_sanitized": mobile,
            "email": email,
            "email_normalized": email,
            **stamps,
        },
    )
    invoice_partner = {
        "partner_id": "g.partner_id",
        "date": "g.invoice_date",
        "invoice_date": "g.invoice_date",
        **stamps,
    }
    counts["invoices"] = clone_rows(
        cr,
        "account_move",
        invoice.id,
        {
            "id": "g.move_id",
            "name": "g.name",
            "sequence_prefix": "g.prefix",
            "sequence_number": "g.seq",
            "payment_reference": "g.name",
            "commercial_partner_id": "g.partner_id",
            "partner_shipping_id": "g.partner_id",
            "invoice_partner_display_name": name,
            "invoice_date_due": "g.due",
            **invoice_partner,
        },
    )
    line = {"move_id": "g.move_id", "move_name": "g.name", **invoice_partner}
    counts["subscriptions"] = clone_rows(
        cr,
        "fee_subscription",
        subscription.id,
        {
            "id": "g.subscription_id",
            "partner_id": "g.partner_id",
            "service_number": "'BENCH-' || g.num",
            **stamps,
        },
        where="g.subscription_id IS NOT NULL",
    )
    clone_rows(
        cr,
        "account_move_line",
        product_line.id,
        {"id": "g.product_line_id", "subscription_id": "g.subscription_id", **line},
    )
    counts["receivable_lines"] = clone_rows(
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
    env.cr.commit()
    for table in (
        "res_partner",
        "account_move",
        "account_move_line",
        "fee_subscription",
    ):
        cr.execute(f"ANALYZE {table}")  # trusted table names
    cr.commit()
    seconds = time.perf_counter() - started

    # The copies must read like real posted invoices, through the ORM and the overdue query
    figures = env["res.partner"]._get_overdue_data(date, company)
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


def fee_run(env, date, n, day, *, profile=None):
    company = env.ref("base.main_company")
    run = env["fee.dunning.run"].create({"date": date, "company_id": company.id})
    compute_s, compute_q = measure(env, run.action_compute, phase(profile, "compute"))
    states = dict(
        env["fee.dunning.line"]._read_group(
            [("run_id", "=", run.id)], ["state"], ["__count"]
        )
    )
    execute_s, execute_q = measure(env, run.action_execute, phase(profile, "execute"))
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
    return {
        "system": "fee_collection",
        "n": n,
        "day": day,
        "date": str(date),
        "compute_s": compute_s,
        "execute_s": execute_s,
        "compute_queries": compute_q,
        "execute_queries": execute_q,
        "lines": states.get("draft", 0),
        "skipped": states.get("skipped", 0),
        "executed": sum(levels.values()),
        "levels": levels,
        "actions": actions,
        "state": run.state,
    }


# ----------------------------------------------------------------------
# OCA account_credit_control
# ----------------------------------------------------------------------


def oca_setup(env):
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


def oca_run(env, date, n, day, *, exec_max=None, profile=None):
    from odoo import Command

    # e-mails are queued, not sent during the run (fee_collection's SMS are queued too)
    env = env(context=dict(env.context, mail_notify_force_send=False))
    company = env.ref("base.main_company")
    policy = env["credit.control.policy"].search([("name", "=", OCA_POLICY)])
    run = env["credit.control.run"].create(
        {
            "date": date,
            "company_id": company.id,
            "policy_ids": [Command.set(policy.ids)],
        }
    )
    compute_s, compute_q = measure(
        env, run.generate_credit_lines, phase(profile, "compute")
    )
    lines = env["credit.control.line"].search(
        [("run_id", "=", run.id), ("state", "=", "draft")], order="id"
    )
    to_send = lines[:exec_max] if exec_max else lines

    def execute():
        marker = env["credit.control.marker"].create(
            {"name": "to_be_sent", "line_ids": [Command.set(to_send.ids)]}
        )
        marker.mark_lines()
        run.run_channel_action()

    execute_s, execute_q = measure(env, execute, phase(profile, "execute"))
    ratio = len(lines) / len(to_send) if to_send else 1.0
    levels = {
        level.name: count
        for level, count in env["credit.control.line"]._read_group(
            [("run_id", "=", run.id)], ["policy_level_id"], ["__count"]
        )
    }
    return {
        "system": "OCA account_credit_control",
        "n": n,
        "day": day,
        "date": str(date),
        "compute_s": compute_s,
        "execute_s": execute_s * ratio,
        "compute_queries": compute_q,
        "execute_queries": round(execute_q * ratio),
        "lines": len(lines),
        "executed": len(to_send),
        "execute_measured_s": execute_s,
        "execute_extrapolated": len(to_send) < len(lines),
        "levels": levels,
        "communications": env["credit.control.communication"].search_count(
            [("credit_control_line_ids.run_id", "=", run.id)]
        ),
        "mails_queued": env["mail.mail"].search_count(
            [("model", "=", "credit.control.communication")]
        ),
    }


# ----------------------------------------------------------------------
# Report
# ----------------------------------------------------------------------


def print_table(paths):
    rows = [json.loads(Path(path).read_text()) for path in paths]
    rows.sort(key=lambda row: (row["n"], row["day"], row["system"] != "fee_collection"))
    header = (
        "| system | N | run | lines | compute s | execute s | total s | partners/s "
        "| queries/partner |"
    )
    print(header)
    print("|---" * 9 + "|")
    for row in rows:
        total = row["compute_s"] + row["execute_s"]
        queries = (row["compute_queries"] + row["execute_queries"]) / row["n"]
        mark = "*" if row.get("execute_extrapolated") else ""
        print(
            f"| {row['system']} | {row['n']:,} | day {row['day']} | {row['lines']:,} "
            f"| {row['compute_s']:.1f} | {row['execute_s']:.1f}{mark} "
            f"| {total:.1f}{mark} | {row['n'] / total:,.0f}{mark} "
            f"| {queries:.2f}{mark} |"
        )
    if any(row.get("execute_extrapolated") for row in rows):
        print(
            "\n* OCA execute measured on the first "
            + ", ".join(
                f"{row['executed']:,} of {row['lines']:,} lines at N={row['n']:,}"
                for row in rows
                if row.get("execute_extrapolated")
            )
            + ", extrapolated linearly to all lines."
        )
    by_key = {(row["system"], row["n"], row["day"]): row for row in rows}
    for (system, n, day), row in sorted(by_key.items()):
        oca = by_key.get(("OCA account_credit_control", n, day))
        if system == "fee_collection" and oca:
            fee_total = row["compute_s"] + row["execute_s"]
            oca_total = oca["compute_s"] + oca["execute_s"]
            print(
                f"N={n:,} day {day}: fee_collection {oca_total / fee_total:.1f}x the "
                f"OCA throughput"
            )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-c", "--config")
    parser.add_argument("-d", "--database")
    commands = parser.add_subparsers(dest="command", required=True)
    gen = commands.add_parser("generate")
    gen.add_argument("--n", type=int, required=True)
    gen.add_argument("--date", type=datetime.date.fromisoformat, required=True)
    for name in ("fee-run", "oca-run"):
        run = commands.add_parser(name)
        run.add_argument("--date", type=datetime.date.fromisoformat, required=True)
        run.add_argument("--n", type=int, required=True)
        run.add_argument("--day", type=int, default=1)
        run.add_argument("--out", required=True)
        run.add_argument(
            "--profile", help="write cProfile stats to PREFIX-*.pstats/.txt"
        )
        if name == "oca-run":
            run.add_argument("--exec-max", type=int, default=0)
    commands.add_parser("oca-setup")
    table = commands.add_parser("table")
    table.add_argument("paths", nargs="+")
    args = parser.parse_args()
    if args.command == "table":
        print_table(args.paths)
        return
    with environment(args.config, args.database) as env:
        if args.command == "generate":
            generate(env, args.n, args.date)
        elif args.command == "oca-setup":
            oca_setup(env)
        else:
            if args.command == "fee-run":
                result = fee_run(env, args.date, args.n, args.day, profile=args.profile)
            else:
                result = oca_run(
                    env,
                    args.date,
                    args.n,
                    args.day,
                    exec_max=args.exec_max,
                    profile=args.profile,
                )
            Path(args.out).write_text(json.dumps(result, indent=2))
            total = result["compute_s"] + result["execute_s"]
            print(
                f"{result['system']} N={args.n} day {args.day}: "
                f"compute {result['compute_s']:.1f}s ({result['compute_queries']} q), "
                f"execute {result['execute_s']:.1f}s ({result['execute_queries']} q), "
                f"total {total:.1f}s; lines {result['lines']}",
                file=sys.stderr,
            )


if __name__ == "__main__":
    main()
