"""Billing benchmark: fee_collection's billing run against OCA contract's recurring invoicing.

Driven by ``bench_billing.sh`` (read its header first); each call works on one throwaway
database that has the add-on installed and no benchmark data yet:

    bench_billing.py -c CONF -d DB fee --n N --services K --date D --out JSON [--profile PREFIX]
        N subscribers, each with K active monthly fee.subscription starting on D, made in
        batches through the ORM (create(vals_list), then action_activate()); then times
        fee.billing.run.create({"date": D}).action_run() up to its commit: N posted invoices
        of K lines each.
    bench_billing.py -c CONF -d DB oca --n N --services K --date D --out JSON [--profile PREFIX]
        N partners, each with one contract.contract (customer, monthly from D) of K lines
        priced from the pricelist (automatic_price), through the ORM; then times the
        scheduled action contract.contract.cron_recurring_create_invoice(D) (N draft invoices)
        and action_post() on those invoices, each up to its commit.
    bench_billing.py table JSON...
        the comparison table (Markdown).

Both systems bill the same products: K service fee items at 30.00, 45.00, ... with the
company's default sales tax, priced through the partner's (default) pricelist. The runs
start on a cold cache after a commit, as a scheduled action in a new transaction does, and
run as the superuser (the crons' user). Queries are every statement sent by Odoo's cursors
during the run (Odoo's own per-thread query hook); "SQL s" is the time spent in them.
"""

import argparse
import contextlib
import cProfile
import datetime
import io
import json
import multiprocessing
import os
import pstats
import re
import select
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

PRICES = [30.0, 45.0, 60.0, 75.0]
BATCH = 2000  # records per create() while generating the data
SETUP_CONTEXT = {
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "mail_notrack": True,
}


# ----------------------------------------------------------------------
# Odoo plumbing
# ----------------------------------------------------------------------


class QueryStats:
    """Statements sent by Odoo's cursors in this thread: count and time, optionally by
    shape (literals and lists of values folded)."""

    def __init__(self):
        self.count = 0
        self.seconds = 0.0
        self.shapes = None

    def hook(self, cr, query, params, start, delay):
        self.count += 1
        self.seconds += delay
        if self.shapes is not None:
            text = query.decode() if isinstance(query, bytes) else str(query)
            shape = self.shapes[statement_shape(text)]
            shape[0] += 1
            shape[1] += delay


def statement_shape(text):
    text = re.sub(r"'[^']*'|\b\d+\b", "?", text)
    text = re.sub(r"\((?:\s*\?\s*,)+\s*\?\s*\)", "(?, ...)", text)
    text = re.sub(r"(\(\?, \.\.\.\)\s*,\s*)+", "", text)
    return re.sub(r"\s+", " ", text).strip()[:200]


STATS = QueryStats()


@contextlib.contextmanager
def environment(conf, db):
    import odoo
    from odoo.tools import config

    config.parse_config(["-c", conf, "--log-level=warn"])
    from odoo.modules.registry import Registry

    threading.current_thread().query_hooks = [STATS.hook]
    registry = Registry(db)
    with registry.cursor() as cr:
        yield odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})


def measure(env, func, profile=None, statements=None):
    """Run ``func()`` on a cold cache and commit; returns (seconds, queries, SQL seconds,
    Python CPU seconds, result). With ``profile`` (a path prefix) it runs under cProfile
    and writes the top functions beside it; with ``profile`` or ``statements`` (a path
    prefix) it also writes the statements by shape, the slowest in total first."""
    env.flush_all()
    env.cr.commit()
    env.invalidate_all()
    statements = statements or profile
    profiler = cProfile.Profile() if profile else None
    STATS.shapes = defaultdict(lambda: [0, 0.0]) if statements else None
    queries, sql_seconds = STATS.count, STATS.seconds
    start, cpu_start = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    result = func()
    env.flush_all()
    env.cr.commit()
    if profiler:
        profiler.disable()
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start
    queries, sql_seconds = STATS.count - queries, STATS.seconds - sql_seconds
    if profiler:
        write_profile(profiler, profile)
    if statements:
        write_statements(STATS.shapes, statements)
        STATS.shapes = None
    return seconds, queries, sql_seconds, cpu_seconds, result


def write_statements(shapes, prefix, limit=60):
    ranked = sorted(shapes.items(), key=lambda item: -item[1][1])[:limit]
    Path(f"{prefix}-statements.txt").write_text(
        "   count  total s  avg ms  statement\n"
        + "".join(
            f"{count:8d} {total:8.2f} {1000 * total / count:7.3f}  {shape}\n"
            for shape, (count, total) in ranked
        )
    )


def write_profile(profiler, prefix):
    profiler.dump_stats(f"{prefix}.pstats")
    for order in ("cumulative", "tottime"):
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text)
        stats.sort_stats(order).print_stats(60)
        Path(f"{prefix}-{order}.txt").write_text(text.getvalue())


def phase_profile(prefix, name):
    return f"{prefix}-{name}" if prefix else None


def batches(items, size=BATCH):
    for index in range(0, len(items), size):
        yield items[index : index + size]


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
    for chunk in batches(vals_list):
        partners |= Partner.create(chunk)
        env.flush_all()
    return partners


def analyze(env):
    """Planner statistics for the new data, as autovacuum gives a database in use."""
    env.flush_all()
    env.cr.commit()
    env.cr.execute("ANALYZE")


def run_scheduler(env, run):
    """Process the scheduler's ready jobs in this process, as Odoo's cron thread does (a
    transaction and a commit per batch), until ``run`` is done: a run larger than the
    add-on bills at once is queued for them. Used when profiling."""
    env.cr.commit()
    IrCron = env.registry["ir.cron"]
    while True:
        IrCron._process_jobs(env.cr.dbname)
        env.cr.rollback()  # a new snapshot, to see what the jobs committed
        env.invalidate_all()
        if run.state == "done":
            return
        if not ready_jobs(env):
            raise RuntimeError(f"{run.name} is {run.state} and no job is ready")


def ready_jobs(env):
    return env["ir.cron.trigger"].search_count([]) or env["ir.cron"].search_count(
        [("nextcall", "<=", datetime.datetime.now())]
    )


class CronWorkers:
    """Odoo's cron worker processes, as a server started with --workers runs them (two by
    default, max_cron_threads): each loads the registry first, then, once started,
    processes the ready jobs (ir.cron._process_jobs, what Odoo's cron worker calls) until
    the run is done. Their queries and CPU time are added to the benchmark's."""

    def __init__(self, conf, db, count):
        context = multiprocessing.get_context("spawn")
        self.go = context.Event()
        self.run_id = context.Value("i", 0)
        self.figures = context.Queue()
        readies = [context.Event() for _index in range(count)]
        self.processes = [
            context.Process(
                target=cron_worker,
                args=(conf, db),
                kwargs={
                    "ready": ready,
                    "go": self.go,
                    "run_id": self.run_id,
                    "figures": self.figures,
                },
            )
            for ready in readies
        ]
        for process in self.processes:
            process.start()
        for ready in readies:
            ready.wait()

    def run(self, run_id):
        """Let the workers bill ``run_id``; returns their (queries, SQL s, CPU s)."""
        self.run_id.value = run_id
        self.go.set()
        figures = [self.figures.get() for _process in self.processes]
        for process in self.processes:
            process.join()
        if any(process.exitcode for process in self.processes):
            raise RuntimeError("a cron worker failed")
        return tuple(sum(values) for values in zip(*figures, strict=True))


def cron_worker(conf, db, *, ready, go, run_id, figures):
    import odoo.sql_db

    with environment(conf, db) as env:
        IrCron = env.registry["ir.cron"]
        ready.set()
        go.wait()
        queries, sql_seconds, cpu_start = (
            STATS.count,
            STATS.seconds,
            time.process_time(),
        )
        run = env["fee.billing.run"].browse(run_id.value)
        # Woken by the scheduler's notifications, as Odoo's cron workers are.
        with odoo.sql_db.db_connect("postgres").cursor() as listener:
            listener.execute("LISTEN cron_trigger")
            listener.commit()
            connection = listener._cnx
            idle_since = time.monotonic()
            while True:
                IrCron._process_jobs(db)
                env.cr.rollback()
                env.invalidate_all()
                if run.state == "done":
                    break
                if ready_jobs(env):
                    idle_since = time.monotonic()
                elif time.monotonic() - idle_since > 120:
                    raise RuntimeError(f"{run.name} is {run.state}, no job is ready")
                select.select([connection], [], [], 1.0)
                connection.poll()
                connection.notifies.clear()
        figures.put(
            (
                STATS.count - queries,
                STATS.seconds - sql_seconds,
                time.process_time() - cpu_start,
            )
        )


def expected_total(env, n, products):
    """Untaxed total billed: each partner once per product."""
    return round(n * sum(products.mapped("lst_price")), 2)


def invoice_figures(env, moves):
    groups = env["account.move"]._read_group(
        [("id", "in", moves.ids)],
        ["state"],
        ["__count", "amount_untaxed:sum", "amount_total:sum"],
    )
    lines = env["account.move.line"].search_count(
        [("move_id", "in", moves.ids), ("display_type", "=", "product")]
    )
    return {
        "states": {state: count for state, count, _untaxed, _total in groups},
        "amount_untaxed": round(sum(untaxed for *_x, untaxed, _t in groups), 2),
        "amount_total": round(sum(total for *_x, total in groups), 2),
        "product_lines": lines,
    }


def check(result, n, services, untaxed):
    problems = []
    if result["states"] != {"posted": n}:
        problems.append(f"invoices by state {result['states']}, expected {n} posted")
    if result["product_lines"] != n * services:
        problems.append(
            f"{result['product_lines']} invoice lines, expected {n * services}"
        )
    if abs(result["amount_untaxed"] - untaxed) > 0.005:
        problems.append(f"untaxed total {result['amount_untaxed']}, expected {untaxed}")
    result["problems"] = problems
    for problem in problems:
        print(
            f"CHECK FAILED: {result['system']} N={n} K={services}: {problem}",
            file=sys.stderr,
        )


# ----------------------------------------------------------------------
# fee_collection
# ----------------------------------------------------------------------


def fee_bench(
    env, n, services, date, *, conf, cron_workers, profile=None, statements=None
):
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
    for chunk in batches(vals_list):
        Subscription.create(chunk).action_activate()
        env.flush_all()
    analyze(env)
    setup_s = time.perf_counter() - started

    # Only the billing jobs may run: the scheduler's other jobs would blur the timing.
    billing_jobs = env.ref("fee_collection.ir_cron_fee_billing") | env.ref(
        "fee_collection.ir_cron_fee_billing_helper"
    )
    env["ir.cron"].search([("id", "not in", billing_jobs.ids)]).active = False
    env.cr.commit()
    workers = CronWorkers(conf, env.cr.dbname, cron_workers) if cron_workers else None
    worker_figures = (0, 0.0, 0.0)
    processes = 1

    def bill():
        nonlocal worker_figures, processes
        run = env["fee.billing.run"].create({"date": date})
        if isinstance(run.action_run(), dict) and workers:  # queued
            processes = cron_workers
        if workers:
            env.cr.commit()
            worker_figures = workers.run(run.id)  # they stop at once if it is done
            env.invalidate_all()
        else:
            run_scheduler(env, run)
        return run

    seconds, queries, sql_s, cpu_s, run = measure(env, bill, profile, statements)
    queries, sql_s, cpu_s = (
        own + theirs
        for own, theirs in zip((queries, sql_s, cpu_s), worker_figures, strict=True)
    )
    result = {
        "system": "fee_collection",
        "n": n,
        "services": services,
        "date": str(date),
        "setup_s": setup_s,
        "load_average": os.getloadavg(),
        "seconds": seconds,
        "queries": queries,
        "sql_s": sql_s,
        "cpu_s": cpu_s,
        "phases": {"run": [seconds, queries, sql_s, cpu_s]},
        "processes": processes,
        "invoices": run.invoice_count,
        "issues": run.issue_count,
        "run_state": run.state,
        **invoice_figures(env, run.invoice_ids),
    }
    check(result, n, services, expected_total(env, n, products))
    return result


# ----------------------------------------------------------------------
# OCA contract
# ----------------------------------------------------------------------


def oca_bench(env, n, services, date, *, profile=None, statements=None):
    from odoo import Command

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
    for chunk in batches(vals_list, BATCH // services):
        contracts |= Contract.create(chunk)
        env.flush_all()
    due = contracts.filtered(lambda contract: contract.recurring_next_date == date)
    assert len(due) == n, f"{len(due)} contracts due on {date}, expected {n}"
    analyze(env)
    setup_s = time.perf_counter() - started
    Move = env["account.move"]

    def create_invoices():
        env["contract.contract"].cron_recurring_create_invoice(date)

    def post_invoices():
        moves = Move.search(
            [
                ("move_type", "=", "out_invoice"),
                ("state", "=", "draft"),
                ("invoice_line_ids.contract_line_id", "!=", False),
            ]
        )
        moves.action_post()
        return moves

    create = measure(
        env,
        create_invoices,
        phase_profile(profile, "create"),
        phase_profile(statements, "create"),
    )
    post = measure(
        env,
        post_invoices,
        phase_profile(profile, "post"),
        phase_profile(statements, "post"),
    )
    moves = post[4]
    result = {
        "system": "OCA contract",
        "n": n,
        "services": services,
        "date": str(date),
        "setup_s": setup_s,
        "load_average": os.getloadavg(),
        "seconds": create[0] + post[0],
        "queries": create[1] + post[1],
        "sql_s": create[2] + post[2],
        "cpu_s": create[3] + post[3],
        "phases": {"create": list(create[:4]), "post": list(post[:4])},
        "invoices": len(moves),
        **invoice_figures(env, moves),
    }
    check(result, n, services, expected_total(env, n, products))
    return result


# ----------------------------------------------------------------------
# Report
# ----------------------------------------------------------------------


def print_table(paths):
    rows = [json.loads(Path(path).read_text()) for path in paths]
    rows.sort(key=lambda r: (r["services"], r["n"], r["system"] != "fee_collection"))
    print(
        "| system | subscribers | services each | processes | invoices (lines) | total s "
        "| invoices/s | queries/invoice | in SQL s | Python CPU s | load avg | checks |"
    )
    print("|---" * 12 + "|")
    for row in rows:
        phases = " + ".join(
            f"{name} {phase[0]:.1f}" for name, phase in row["phases"].items()
        )
        detail = f" ({phases})" if len(row["phases"]) > 1 else ""
        print(
            f"| {row['system']} | {row['n']:,} | {row['services']} "
            f"| {row.get('processes', 1)} | {row['invoices']:,} ({row['product_lines']:,}) "
            f"| {row['seconds']:.1f}{detail} | **{row['invoices'] / row['seconds']:,.1f}** "
            f"| {row['queries'] / row['invoices']:.2f} | {row['sql_s']:.1f} "
            f"| {row['cpu_s']:.1f} | {row['load_average'][0]:.1f} "
            f"| {'ok' if not row['problems'] else '; '.join(row['problems'])} |"
        )
    by_key = {(r["system"], r["services"], r["n"]): r for r in rows}
    print()
    for (system, services, n), row in sorted(by_key.items()):
        oca = by_key.get(("OCA contract", services, n))
        if system == "fee_collection" and oca:
            print(
                f"- N={n:,}, {services} service(s) each: fee_collection bills "
                f"{oca['seconds'] / row['seconds']:.1f}x as fast as OCA contract"
            )
    for system in ("fee_collection", "OCA contract"):
        for services in sorted({r["services"] for r in rows}):
            sizes = sorted(
                (
                    r
                    for r in rows
                    if r["system"] == system and r["services"] == services
                ),
                key=lambda r: r["n"],
            )
            if len(sizes) > 1:
                small, large = sizes[0], sizes[-1]
                per_small = small["seconds"] / small["invoices"] * 1000
                per_large = large["seconds"] / large["invoices"] * 1000
                print(
                    f"- {system}, {services} service(s) each: {per_small:.1f} ms/invoice "
                    f"at N={small['n']:,}, {per_large:.1f} ms/invoice at "
                    f"N={large['n']:,} (x{per_large / per_small:.2f}; 1.00 is linear)"
                )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-c", "--config")
    parser.add_argument("-d", "--database")
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("fee", "oca"):
        run = commands.add_parser(name)
        run.add_argument("--n", type=int, required=True)
        run.add_argument("--services", type=int, default=1)
        run.add_argument("--date", type=datetime.date.fromisoformat, required=True)
        run.add_argument("--out", required=True)
        run.add_argument("--profile", help="cProfile into PREFIX-*.pstats/.txt")
        run.add_argument("--statements", help="SQL by shape into PREFIX-statements.txt")
    commands.choices["fee"].add_argument(
        "--cron-workers",
        type=int,
        default=2,
        help="cron worker processes that bill a queued run (0: in this process)",
    )
    table = commands.add_parser("table")
    table.add_argument("paths", nargs="+")
    args = parser.parse_args()
    if args.command == "table":
        print_table(args.paths)
        return
    options = {"profile": args.profile, "statements": args.statements}
    if args.command == "fee":
        bench = fee_bench
        # cProfile sees this process only: a profile bills with the jobs run in it.
        workers = 0 if args.profile else args.cron_workers
        options.update(conf=args.config, cron_workers=workers)
    else:
        bench = oca_bench
    with environment(args.config, args.database) as env:
        result = bench(env, args.n, args.services, args.date, **options)
    Path(args.out).write_text(json.dumps(result, indent=2))
    print(
        f"{result['system']} N={args.n} K={args.services}: {result['invoices']} invoices "
        f"in {result['seconds']:.1f}s ({result['invoices'] / result['seconds']:.0f}/s), "
        f"{result['queries']} queries ({result['queries'] / result['invoices']:.2f}/invoice), "
        f"data set-up {result['setup_s']:.1f}s",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
