"""What the benchmarks share: Odoo on a database, timed phases, one query counter,
profiles, results and their table.

A scenario (``bench_billing.py``, ``bench_dunning.py``) makes its data, hands each timed
operation to ``Measurement`` and checks what it did; this module does the rest.

- **Timing.** A phase starts on a cold cache after a commit, as a scheduled action in a
  new transaction does, and ends with its commit: wall clock (``seconds``), Python CPU
  time of the measuring process plus that of its ``Workers`` (``cpu_s``).
- **The scheduler.** Work that the add-on queues for Odoo's scheduler is done by
  ``Scheduler``: cron worker processes, as a server started with ``--workers`` runs them,
  each calling ``ir.cron._process_jobs`` (a transaction and a commit per call of a job)
  until the work is finished; the phase ends when they all have.
- **Queries.** One counter, Odoo's own per-thread SQL hook (``query_hooks``, the one
  Odoo's profiler uses): every statement that an Odoo cursor (``odoo.sql_db.Cursor``)
  executes, in the measuring process and in the worker processes it starts, counted once
  it has run, with the time spent in it (``sql_s``). The ``COMMIT`` and ``ROLLBACK`` of a
  cursor are not statements it executes and are not counted, nor is a statement that
  fails. Each process runs Odoo in its main thread, where the hook is installed.
- **Requests.** Short operations (a payment at the counter) are measured one at a time
  as a server runs requests, each on a new cursor with a new environment, up to its
  commit (``Requests``): median and 95th percentile of time and queries.
- **Profiles.** With a path prefix, a phase (or the requests of one operation) runs
  under cProfile (``PREFIX-PHASE.pstats``, ``-cumulative.txt``, ``-tottime.txt``) and its
  statements are grouped by shape, literals and lists of values folded, each with the
  code that runs it (``PREFIX-PHASE-statements.txt``: the most time first, then the
  queries by the add-on's line that leads to them).
"""

import argparse
import contextlib
import cProfile
import dataclasses
import datetime
import io
import json
import math
import multiprocessing
import os
import pstats
import re
import select
import statistics
import sys
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(__file__).resolve().parent

# ----------------------------------------------------------------------
# Queries
# ----------------------------------------------------------------------


class QueryCounter:
    """Statements executed by Odoo's cursors in this thread: count and time, and by shape
    (with the code that runs them) while ``shapes`` is a ``Shapes``."""

    def __init__(self):
        self.count = 0
        self.seconds = 0.0
        self.shapes = None
        self.captured = None  # a list while ``capture`` runs

    def install(self):
        threading.current_thread().query_hooks = [self.hook]

    def hook(self, cr, query, params, start, delay):
        self.count += 1
        self.seconds += delay
        if self.captured is not None:
            self.captured.append((delay, query, params))
        if self.shapes is not None:
            text = query.decode() if isinstance(query, bytes) else str(query)
            self.shapes.add(statement_shape(text), delay, statement_source())


class Shapes(defaultdict):
    """Statements by shape: [count, seconds, Counter of their sources]."""

    def __init__(self):
        super().__init__(lambda: [0, 0.0, Counter()])

    def add(self, shape, delay, source):
        entry = self[shape]
        entry[0] += 1
        entry[1] += delay
        entry[2][source] += 1


def statement_shape(text):
    text = re.sub(r"'[^']*'|\b\d+\b", "?", text)
    text = re.sub(r"\((?:\s*\?\s*,)+\s*\?\s*\)", "(?, ...)", text)
    text = re.sub(r"(\(\?, \.\.\.\)\s*,\s*)+", "", text)
    text = re.sub(r"%s(?:\s*,\s*%s)+", "%s, ...", text)
    return re.sub(r"\s+", " ", text).strip()[:200]


def statement_source():
    """Where a statement comes from: the innermost line of the add-on's code (this
    repository, outside bench/) and, beneath it, the innermost line of an Odoo module
    (``addons/``) that runs it, as ``ADD-ON LINE > MODULE LINE``."""
    ours = module = None
    frame = sys._getframe(2)
    while frame is not None and ours is None:
        path = frame.f_code.co_filename
        if path.startswith(str(REPOSITORY)) and not path.startswith(str(BENCH_DIR)):
            parts = Path(path).relative_to(REPOSITORY).parts
            if parts[:2] == (".run", "bench-addon"):  # an add-on exported by lib.sh
                parts = parts[3:]
            ours = f"{Path(*parts)}:{frame.f_lineno} {frame.f_code.co_name}"
        elif module is None and "/addons/" in path:
            module = f"{path.rsplit('/addons/', 1)[1]}:{frame.f_lineno} {frame.f_code.co_name}"
        frame = frame.f_back
    return f"{ours or '(no add-on line)'}{f' > {module}' if module else ''}"


QUERIES = QueryCounter()


@contextlib.contextmanager
def capture():
    """The statements executed meanwhile, as (seconds, query, parameters), in a list."""
    QUERIES.captured = captured = []
    try:
        yield captured
    finally:
        QUERIES.captured = None


def explain(cr, query, params):
    """The plan of a captured statement (a query) as PostgreSQL runs it: EXPLAIN
    (ANALYZE, BUFFERS)."""
    text = query.decode() if isinstance(query, bytes) else str(query)
    cr.execute(f"EXPLAIN (ANALYZE, BUFFERS) {text}", params)  # a captured statement
    plan = "\n".join(line for (line,) in cr.fetchall())
    return plan


@contextlib.contextmanager
def environment(conf, db):
    """An environment of the root user (the scheduled actions' user) on ``db``, with the
    query counter installed in this thread."""
    import odoo
    from odoo.tools import config

    config.parse_config(["-c", conf, "--log-level=warn"])
    from odoo.modules.registry import Registry

    QUERIES.install()
    registry = Registry(db)
    with registry.cursor() as cr:
        yield odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})


# ----------------------------------------------------------------------
# Timing
# ----------------------------------------------------------------------


@dataclasses.dataclass
class Figures:
    seconds: float = 0.0
    queries: int = 0
    sql_s: float = 0.0
    cpu_s: float = 0.0

    def __add__(self, other):
        return Figures(*map(sum, zip(self.values(), other.values(), strict=True)))

    def __sub__(self, other):
        return self + other.scaled(-1)

    def values(self):
        return dataclasses.astuple(self)

    def scaled(self, ratio):
        return Figures(
            self.seconds * ratio,
            round(self.queries * ratio),
            self.sql_s * ratio,
            self.cpu_s * ratio,
        )

    @classmethod
    def since(cls, start):
        """Figures of this process since ``start = Figures.now()``."""
        return cls.now() - start

    @classmethod
    def now(cls):
        return cls(
            time.perf_counter(), QUERIES.count, QUERIES.seconds, time.process_time()
        )


_elsewhere = Figures()  # what the workers did during the phase being measured


def measure(env, func, profile=None, statements=None):
    """Run ``func()`` on a cold cache and commit; returns its ``Figures`` and result.

    With ``profile`` (a path prefix) under cProfile, with ``profile`` or ``statements``
    (a path prefix) also counting the statements by shape."""
    global _elsewhere  # noqa: PLW0603
    env.flush_all()
    env.cr.commit()
    env.invalidate_all()
    statements = statements or profile
    profiler = cProfile.Profile() if profile else None
    QUERIES.shapes = Shapes() if statements else None
    _elsewhere = Figures()
    start = Figures.now()
    if profiler:
        profiler.enable()
    result = func()
    env.flush_all()
    env.cr.commit()
    if profiler:
        profiler.disable()
    figures = Figures.since(start) + _elsewhere
    if profiler:
        write_profile(profiler, profile)
    if statements:
        write_statements(QUERIES.shapes, statements)
        QUERIES.shapes = None
    return figures, result


def write_statements(shapes, prefix, limit=60, per=1):
    """The statements by shape, the most time first, then the most frequent first, each
    with its three commonest sources; then the queries by the add-on's line they come
    from. Counts are per ``per`` runs (the requests of an operation: per request)."""
    total_count = sum(count for count, _total, _sources in shapes.values())
    lines = [f"{total_count / per:.1f} statements per run ({per} run(s))\n"]
    for title, key in (("most time", 1), ("most frequent", 0)):
        lines.append(f"\n   count  total s  avg ms  statement ({title} first)\n")
        ranked = sorted(shapes.items(), key=lambda item, key=key: -item[1][key])
        for shape, (count, total, sources) in ranked[:limit]:
            lines.append(
                f"{count / per:8.1f} {total:8.2f} {1000 * total / count:7.3f}  {shape}\n"
            )
            lines.extend(
                f"{'':27}{times / per:6.1f} x {source}\n"
                for source, times in sources.most_common(3)
            )
    by_line = Counter()
    for _count, _total, sources in shapes.values():
        for source, times in sources.items():
            ours = source.split(" > ")[0]
            by_line[source if ours == "(no add-on line)" else ours] += times
    lines.append("\n   count  add-on line (all statements it leads to)\n")
    lines.extend(
        f"{times / per:8.1f}  {source}\n"
        for source, times in by_line.most_common(limit)
    )
    Path(f"{prefix}-statements.txt").write_text("".join(lines))


def write_profile(profiler, prefix, limit=60):
    profiler.dump_stats(f"{prefix}.pstats")
    for order in ("cumulative", "tottime"):
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats(order).print_stats(limit)
        Path(f"{prefix}-{order}.txt").write_text(text.getvalue())


class Measurement:
    """The timed phases of one benchmark run, each measured with ``measure`` and profiled
    into ``PREFIX-PHASE*`` when asked."""

    def __init__(self, env, profile=None, statements=None):
        self.env = env
        self.profile = profile
        self.statements = statements
        self.phases = {}
        self.extrapolated = {}

    def __call__(self, name, func):
        profile, statements = (
            f"{prefix}-{name}" if prefix else None
            for prefix in (self.profile, self.statements)
        )
        figures, result = measure(self.env, func, profile, statements)
        self.phases[name] = figures
        return result

    def extrapolate(self, name, ratio):
        """Phase ``name`` measured on part of the work, scaled to all of it: marked ``*``
        in the table, its measured figures kept beside."""
        self.extrapolated[name] = dataclasses.asdict(self.phases[name])
        self.phases[name] = self.phases[name].scaled(ratio)

    def result(self, system, n, unit, units, **fields):
        """The run's result: its phases, their total, and the number of ``unit``
        (invoice, partner) to divide them by."""
        total = sum(self.phases.values(), Figures())
        return {
            "system": system,
            "n": n,
            "unit": unit,
            "units": units,
            **dataclasses.asdict(total),
            "phases": {name: dataclasses.asdict(f) for name, f in self.phases.items()},
            "extrapolated": self.extrapolated,
            "load_average": os.getloadavg(),
            "problems": [],
            **fields,
        }


class Requests:
    """Short operations measured one at a time, as a server runs requests: each in a new
    transaction, on a new cursor with a new environment (an empty record cache; the
    registry and its caches warm, as in a server that has served a while), up to its
    commit. Their figures are kept per operation; ``step`` splits one into its parts.
    With ``profile`` or ``statements`` (path prefixes), the requests of an operation are
    profiled together into ``PREFIX-OPERATION*`` (see ``measure``)."""

    def __init__(self, registry, profile=None, statements=None):
        self.registry = registry
        self.profile = profile
        self.statements = statements or profile
        self.samples = defaultdict(list)  # operation: [(Figures, {step: Figures})]
        self.profilers = defaultdict(cProfile.Profile)
        self.shapes = defaultdict(Shapes)
        self._steps = self._mark = None

    def __call__(self, name, uid, context, func, *, keep=True):
        """``func(env)`` as a request of user ``uid`` with ``context``, committed; its
        result must not hold records (their cursor is closed). Its figures are kept
        under ``name`` unless ``keep`` is false (a warm-up)."""
        import odoo

        profiler = self.profilers[name] if self.profile and keep else None
        QUERIES.shapes = self.shapes[name] if self.statements and keep else None
        self._steps = {}
        start = self._mark = Figures.now()
        if profiler:
            profiler.enable()
        try:
            with self.registry.cursor() as cr:
                env = odoo.api.Environment(cr, uid, context)
                result = func(env)
                env.flush_all()
                cr.commit()
        finally:
            if profiler:
                profiler.disable()
            QUERIES.shapes = None
        self.step("commit")
        if keep:
            self.samples[name].append((Figures.since(start), self._steps))
        return result

    def step(self, label):
        """End part ``label`` of the current request (the rest is ``commit``)."""
        now = Figures.now()
        self._steps[label] = now - self._mark
        self._mark = now

    def summary(self, name):
        """Median, 95th percentile and maximum of the figures of ``name``'s requests,
        and the median of each step."""
        samples = self.samples[name]
        totals = [figures for figures, _steps in samples]
        result = {"count": len(samples), **distribution(totals)}
        result["steps"] = {
            label: distribution([steps[label] for _figures, steps in samples])
            for label in samples[0][1]
        }
        return result

    def result(self, system, n, **fields):
        """The run's result: each operation's ``summary``."""
        return {
            "system": system,
            "n": n,
            "requests": {name: self.summary(name) for name in self.samples},
            "load_average": os.getloadavg(),
            "problems": [],
            **fields,
        }

    def write_profiles(self):
        for name, profiler in self.profilers.items():
            write_profile(profiler, f"{self.profile}-{name}")
        if self.statements:
            for name, shapes in self.shapes.items():
                write_statements(
                    shapes, f"{self.statements}-{name}", per=len(self.samples[name])
                )


def sampled_subscribers(env, months):
    """The subscribers with ``months`` open invoices and nothing paid (not paid yet by a
    run)."""
    env.cr.execute(
        """
        SELECT partner_id FROM account_move
         WHERE move_type = 'out_invoice' AND state = 'posted'
         GROUP BY partner_id
        HAVING count(*) FILTER (WHERE payment_state = 'not_paid') = %s
           AND count(*) = %s
         ORDER BY partner_id
        """,
        [months, months],
    )
    return [partner_id for (partner_id,) in env.cr.fetchall()]


def service_numbers(env, partner_ids):
    """The service numbers of ``partner_ids``: {partner id: number}."""
    env.cr.execute(
        "SELECT partner_id, service_number FROM fee_subscription"
        " WHERE partner_id = ANY(%s)",
        [list(partner_ids)],
    )
    return dict(env.cr.fetchall())


def counter_payment(requests, number):
    """A request of ``requests``: the counter form (fee.counter.payment) of service
    ``number`` paid, timed in two steps; returns the request's function."""

    def pay(request_env):
        wizard = request_env["fee.counter.payment"].create({"search_text": number})
        request_env.flush_all()  # the subscriber and the dues, as the form shows
        requests.step("look-up and dues")
        action = wizard.action_pay()
        requests.step("pay")
        return action["res_id"]

    return pay


def percentile(values, share):
    """The nearest-rank percentile: the smallest value that ``share`` of them reach."""
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


def distribution(figures):
    """Median, 95th percentile and maximum of each figure of a list of ``Figures``."""
    columns = {
        field.name: [getattr(item, field.name) for item in figures]
        for field in dataclasses.fields(Figures)
    }
    return {
        name: {
            "median": statistics.median(values),
            "p95": percentile(values, 0.95),
            "max": max(values),
        }
        for name, values in columns.items()
    }


def check(result, problems, label):
    """Record the failed checks in the result and say them."""
    result["problems"] = list(problems)
    for problem in result["problems"]:
        print(f"CHECK FAILED: {result['system']} {label}: {problem}", file=sys.stderr)


# ----------------------------------------------------------------------
# Worker processes
# ----------------------------------------------------------------------


class Workers:
    """Processes that each open the database (loading the registry before any phase),
    then, given a task, run ``target(env, *task)``. The queries, SQL and CPU time of a
    task are added to the phase being measured."""

    def __init__(self, conf, db, count, target):
        context = multiprocessing.get_context("spawn")
        self.tasks = context.Queue()
        self.figures = context.Queue()
        readies = [context.Event() for _index in range(count)]
        self.processes = [
            context.Process(
                target=_worker,
                args=(conf, db, target),
                kwargs={"ready": ready, "tasks": self.tasks, "figures": self.figures},
                daemon=True,  # ended with the benchmark if it fails before a task
            )
            for ready in readies
        ]
        for process in self.processes:
            process.start()
        for ready, process in zip(readies, self.processes, strict=True):
            while not ready.wait(1.0):
                if not process.is_alive():
                    raise RuntimeError("a worker failed to start")

    def run(self, *task):
        """Run ``task`` in every worker, wait for them all to end; returns the result of
        ``target`` in each."""
        global _elsewhere  # noqa: PLW0603
        for _process in self.processes:
            self.tasks.put(task)
        outcomes = [self.figures.get() for _process in self.processes]
        for process in self.processes:
            process.join()
        if None in outcomes or any(process.exitcode for process in self.processes):
            raise RuntimeError("a worker failed")
        for values, _result in outcomes:
            _elsewhere += Figures(0.0, *values)
        return [result for _values, result in outcomes]


def _worker(conf, db, target, *, ready, tasks, figures):
    outcome = None
    try:
        with environment(conf, db) as env:
            ready.set()
            task = tasks.get()
            start = Figures.now()
            result = target(env, *task)
            outcome = (Figures.since(start).values()[1:], result)
    finally:
        figures.put(outcome)


# ----------------------------------------------------------------------
# The scheduler
# ----------------------------------------------------------------------

CRON_PATIENCE = 120  # seconds a cron worker process waits for a job to be ready


def scheduler_only(env, *xmlids):
    """Only these scheduled actions may run: the scheduler's other jobs would blur the
    timing. Committed."""
    jobs = [env.ref(xmlid).id for xmlid in xmlids]
    env["ir.cron"].search([("id", "not in", jobs)]).active = False
    env.cr.commit()


def run_scheduler(env, finished, patience=0):
    """Process the scheduler's ready jobs (``ir.cron._process_jobs``, what Odoo's cron
    workers call: a transaction and a commit per call of a job) until ``finished()`` is
    true, read on a new snapshot after each round. With ``patience`` (seconds), as a cron
    worker process: woken by the scheduler's notifications (or after a second without
    one), waiting that long for a job to be ready; else, in this process, it fails as soon
    as none is. Returns the seconds it waited for a notification while a job was ready (a
    job that leaves work for another round without a notification: Odoo's own cron
    workers would wait for their next wake-up, up to a minute)."""
    import odoo.sql_db

    IrCron = env.registry["ir.cron"]
    waited = 0.0
    with contextlib.ExitStack() as stack:
        connection = None
        if patience:
            listener = stack.enter_context(odoo.sql_db.db_connect("postgres").cursor())
            listener.execute("LISTEN cron_trigger")
            listener.commit()
            connection = listener._cnx
        idle_since = time.monotonic()
        while True:
            IrCron._process_jobs(env.cr.dbname)
            env.cr.rollback()  # a new snapshot, to see what the jobs committed
            env.invalidate_all()
            if finished():
                return waited
            ready = env["ir.cron.trigger"].search_count([]) or env[
                "ir.cron"
            ].search_count([("nextcall", "<=", datetime.datetime.now())])
            if ready:
                idle_since = time.monotonic()
            elif time.monotonic() - idle_since >= patience:
                raise RuntimeError("no job is ready, and the work is not finished")
            if connection is not None:
                started = time.monotonic()
                select.select([connection], [], [], 1.0)
                connection.poll()
                connection.notifies.clear()
                if ready:
                    waited += time.monotonic() - started


def cron_worker(env, finished, *args):
    """A cron worker process's task: the scheduler's jobs until ``finished(env, *args)``."""
    return run_scheduler(env, lambda: finished(env, *args), patience=CRON_PATIENCE)


class Scheduler:
    """Odoo's scheduler doing the work queued by a phase: ``count`` cron worker
    processes (``Workers``, started before any phase, as a server started with
    ``--workers`` runs them: two by default) or, with ``count`` 0, this process (cProfile
    sees this process only). ``finished(env, *args)``, a module-level function, says when
    the work is done."""

    def __init__(self, conf, db, count, finished):
        self.finished = finished
        self.workers = Workers(conf, db, count, cron_worker) if count else None
        self.processes = count or 1
        self.waited = 0.0  # seconds waited for a notification while a job was ready

    def run(self, env, *args):
        """Commit, then run the scheduler until the work is finished (at once if it
        is)."""
        env.cr.commit()
        if self.workers:
            waits = self.workers.run(self.finished, *args)
            env.invalidate_all()
        else:
            waits = [run_scheduler(env, lambda: self.finished(env, *args))]
        self.waited += max(waits)


# ----------------------------------------------------------------------
# Data
# ----------------------------------------------------------------------


def batches(items, size):
    for index in range(0, len(items), size):
        yield items[index : index + size]


def analyze(env, *tables):
    """Commit, then planner statistics for the new data (of ``tables``, else all), as
    autovacuum gives a database in use."""
    env.flush_all()
    env.cr.commit()
    env.cr.execute(f"ANALYZE {', '.join(tables)}")  # trusted table names
    env.cr.commit()


# Records made in bulk are copies of a template row made through the ORM: all its
# columns, some replaced by SQL expressions over the template row (t) and a row (g) of a
# temporary table that holds the ids and values of each copy.

NOW = "(now() AT TIME ZONE 'UTC')"
STAMPS = {"create_date": NOW, "write_date": NOW}


def table_columns(cr, table):
    cr.execute(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position",
        [table],
    )
    return [name for (name,) in cr.fetchall()]


def clone_rows(cr, table, template_id, overrides, *, where="TRUE", source="bench_gen"):
    """Insert one copy of row ``template_id`` of ``table`` per row of ``source``
    matching ``where``, with ``overrides`` (column: SQL expression over t and g)."""
    columns = table_columns(cr, table)
    unknown = set(overrides) - set(columns)
    assert not unknown, f"{table} has no column {unknown}"
    names = ", ".join(f'"{column}"' for column in columns)
    values = ", ".join(overrides.get(column, f't."{column}"') for column in columns)
    cr.execute(
        f"INSERT INTO {table} ({names}) SELECT {values}"  # trusted names
        f" FROM {table} t CROSS JOIN {source} g WHERE t.id = %s AND {where}",
        [template_id],
    )
    return cr.rowcount


def bench_user(env, name, login, group):
    """A user of the company in fee collection group ``group`` (xml id), whose password
    is its login; with an e-mail address, which Odoo wants of a message's author."""
    from odoo import Command

    company = env.company
    return env["res.users"].create(
        {
            "name": name,
            "login": login,
            "password": login,
            "email": f"{login}@example.com",
            "company_id": company.id,
            "company_ids": [Command.set(company.ids)],
            "groups_id": [Command.link(env.ref(group).id)],
        }
    )


def template_subscriber(env, date, amount, invoices=1):
    """Through the ORM, what bulk data copies: a fee item at ``amount`` (no tax), a
    subscriber with an active service (TPL) and ``invoices`` posted invoices of one line
    of it, due 60 days after ``date`` (never overdue in a benchmark). Returns (product,
    partner, service, invoices)."""
    from odoo import Command

    product = env["product.product"].create(
        {
            "name": "Cable TV (bench)",
            "type": "service",
            "is_fee_item": True,
            "lst_price": amount,
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
    service = env["fee.subscription"].create(
        {"partner_id": partner.id, "product_id": product.id, "service_number": "TPL"}
    )
    service.action_activate()
    moves = env["account.move"].create(
        [
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": date,
                "invoice_date_due": date + datetime.timedelta(days=60),
                "invoice_line_ids": [
                    Command.create(
                        {"product_id": product.id, "quantity": 1, "price_unit": amount}
                    )
                ],
            }
            for _index in range(invoices)
        ]
    )
    moves.action_post()
    env.flush_all()
    return product, partner, service, moves


def move_line(move, display_type=None, account_type=None):
    """The one line of ``move`` of that display type and account type."""
    [line] = move.line_ids.filtered(
        lambda line: (
            (display_type is None or line.display_type == display_type)
            and (account_type is None or line.account_type == account_type)
        )
    )
    return line


SUBSCRIBER_NAME = "'Bench Subscriber ' || g.num"


def subscriber_overrides():
    """The columns of a copied subscriber (res_partner) that tell it apart, from
    bench_gen's num (its number as text) and i (as an integer)."""
    mobile = f"'139' || {padded('g.i', 8)}"
    email = "'subscriber' || g.num || '@example.com'"
    return {
        "name": SUBSCRIBER_NAME,
        "complete_name": SUBSCRIBER_NAME,
        "mobile": mobile,
        "phone_sanitized": mobile,
        "email": email,
        "email_normalized": email,
        **STAMPS,
    }


INVOICE_PARTNER_DATES = {
    "partner_id": "g.partner_id",
    "date": "g.invoice_date",
    "invoice_date": "g.invoice_date",
    **STAMPS,
}


def invoice_overrides():
    """The columns of a copied customer invoice (account_move), from bench_gen's
    move_id, name, prefix, seq (see ``number_moves``), partner_id, num, invoice_date and
    due; and those of its lines (``invoice_line_overrides``)."""
    return {
        "id": "g.move_id",
        "name": "g.name",
        "sequence_prefix": "g.prefix",
        "sequence_number": "g.seq",
        "payment_reference": "g.name",
        "commercial_partner_id": "g.partner_id",
        "partner_shipping_id": "g.partner_id",
        "invoice_partner_display_name": SUBSCRIBER_NAME,
        "invoice_date_due": "g.due",
        **INVOICE_PARTNER_DATES,
    }


def invoice_line_overrides():
    return {"move_id": "g.move_id", "move_name": "g.name", **INVOICE_PARTNER_DATES}


def term_line_overrides():
    """The columns of a copied invoice's receivable (payment term) line, beside
    ``invoice_line_overrides``: bench_gen's term_line_id, name and due."""
    return {"id": "g.term_line_id", "name": "g.name", "date_maturity": "g.due"}


def fully_reconciled():
    """The columns of a copied receivable line fully reconciled (bench_gen's full_id)."""
    return {"full_reconcile_id": "g.full_id", "matching_number": "g.full_id::text"}


def payment_overrides():
    """The columns of a copied customer payment, by the table its rows go to
    (``payment``: account_payment, ``move``: its entry, ``liquidity`` and
    ``receivable``: its two lines), from bench_gen's payment_id, pay_move_id, pay_name,
    pay_prefix, pay_seq (see ``number_moves``), pay_date, partner_id, liquidity_id and
    pay_term_id. The payment's entry is set once both exist (``link_payment_moves``)."""
    partner = {"partner_id": "g.partner_id", **STAMPS}
    line = {
        "move_id": "g.pay_move_id",
        "move_name": "g.pay_name",
        "payment_id": "g.payment_id",
        "date": "g.pay_date",
        "date_maturity": "g.pay_date",
        **partner,
    }
    return {
        "payment": {
            "id": "g.payment_id",
            "move_id": "NULL",
            "name": "g.pay_name",
            "date": "g.pay_date",
            **partner,
        },
        "move": {
            "id": "g.pay_move_id",
            "name": "g.pay_name",
            "sequence_prefix": "g.pay_prefix",
            "sequence_number": "g.pay_seq",
            "origin_payment_id": "g.payment_id",
            "commercial_partner_id": "g.partner_id",
            "invoice_partner_display_name": SUBSCRIBER_NAME,
            "date": "g.pay_date",
            "invoice_date_due": "g.pay_date",
            **partner,
        },
        "liquidity": {"id": "g.liquidity_id", **line},
        "receivable": {"id": "g.pay_term_id", **line},
    }


def partial_overrides(
    debit="g.term_line_id", credit="g.pay_term_id", date="g.pay_date"
):
    """The columns of a copied partial reconciliation between two copied lines."""
    return {
        "id": "g.partial_id",
        "debit_move_id": debit,
        "credit_move_id": credit,
        "full_reconcile_id": "g.full_id",
        "max_date": date,
        **STAMPS,
    }


def clone_templates(cr, copies):
    """``clone_rows`` for each of ``copies`` (label, table, template record, overrides,
    options of ``clone_rows``), in the order their foreign keys need; returns how many
    rows of each label (unlabelled: not counted)."""
    counts = {}
    for label, table, template, overrides, options in copies:
        copied = clone_rows(cr, table, template.id, overrides, **options)
        if label:
            counts[label] = counts.get(label, 0) + copied
    return counts


def receipt_templates(env, partner, subscription, invoices, receipt):
    """The templates ``clone_paid_subscribers`` copies: the subscriber ``partner``, its
    ``subscription``, its open and paid invoices (``invoices``), the ``receipt`` that paid
    the latter with its payment, their lines and reconciliation, and the receipts'
    sequence of the company."""
    open_invoice, paid_invoice = invoices
    payment = receipt.payment_id
    [partial] = paid_invoice.line_ids.matched_credit_ids
    return {
        "partner": partner,
        "subscription": subscription,
        "open": open_invoice,
        "paid": paid_invoice,
        "product_line": move_line(open_invoice, "product"),
        "open_term": move_line(open_invoice, "payment_term"),
        "paid_term": move_line(paid_invoice, "payment_term"),
        "payment": payment,
        "liquidity": move_line(payment.move_id, account_type="asset_current"),
        "payment_term": move_line(payment.move_id, account_type="asset_receivable"),
        "partial": partial,
        "full": partial.full_reconcile_id,
        "receipt": receipt,
        "sequence": env["fee.receipt"]._get_sequence(env.company),
    }


def clone_paid_subscribers(cr, t, *, subscriber=None, receipt=None):
    """The copies of the templates ``t`` (subscriber, service, open and paid invoices,
    payment, receipt), by SQL, in the order their foreign keys need (a payment gets its
    entry once both exist): returns how many of each. ``subscriber``: more overrides
    of the subscribers and their services; ``receipt``: of the receipts."""
    subscriber = subscriber or {}
    receipt = receipt or {}
    partner = {"partner_id": "g.partner_id", **STAMPS}
    invoice = invoice_overrides()
    invoice_line = invoice_line_overrides()
    term = term_line_overrides()
    reconciled = fully_reconciled()
    payment = payment_overrides()
    partners = {"source": "bench_partner"}
    unpaid = {"where": "NOT g.paid"}
    paid = {"where": "g.paid"}
    copies = [
        (
            "subscribers",
            "res_partner",
            t["partner"],
            {
                "id": "g.partner_id",
                "commercial_partner_id": "g.partner_id",
                **subscriber,
                **subscriber_overrides(),
            },
            partners,
        ),
        (
            "services",
            "fee_subscription",
            t["subscription"],
            {
                "id": "g.subscription_id",
                "service_number": "'BENCH-' || g.num",
                **subscriber,
                **partner,
            },
            partners,
        ),
        ("open_invoices", "account_move", t["open"], invoice, unpaid),
        ("paid_invoices", "account_move", t["paid"], invoice, paid),
        ("", "account_full_reconcile", t["full"], {"id": "g.full_id"}, paid),
        (
            "invoice_lines",
            "account_move_line",
            t["product_line"],
            {
                "id": "g.product_line_id",
                "subscription_id": "g.subscription_id",
                "period_start": "g.invoice_date",
                "period_end": "(g.invoice_date + interval '1 month')::date - 1",
                **invoice_line,
            },
            {},
        ),
        (
            "invoice_lines",
            "account_move_line",
            t["open_term"],
            {**invoice_line, **term},
            unpaid,
        ),
        (
            "invoice_lines",
            "account_move_line",
            t["paid_term"],
            {**invoice_line, **term, **reconciled},
            paid,
        ),
        (
            "payments",
            "account_payment",
            t["payment"],
            {**payment["payment"], "memo": "g.receipt_name"},
            paid,
        ),
        ("", "account_move", t["payment"].move_id, payment["move"], paid),
        (
            "payment_lines",
            "account_move_line",
            t["liquidity"],
            payment["liquidity"],
            paid,
        ),
        (
            "payment_lines",
            "account_move_line",
            t["payment_term"],
            {**payment["receivable"], **reconciled},
            paid,
        ),
        (
            "",
            "account_partial_reconcile",
            t["partial"],
            partial_overrides(),
            paid,
        ),
        (
            "receipts",
            "fee_receipt",
            t["receipt"],
            {
                "id": "g.receipt_id",
                "name": "g.receipt_name",
                "date": "g.pay_date",
                "payment_id": "g.payment_id",
                **receipt,
                **partner,
            },
            paid,
        ),
        (
            "",
            "fee_receipt_line",
            t["receipt"].line_ids,
            {
                "id": "g.receipt_line_id",
                "receipt_id": "g.receipt_id",
                "move_id": "g.move_id",
            },
            paid,
        ),
    ]
    counts = clone_templates(cr, copies)
    link_payment_moves(cr, "g.paid")
    return counts


def link_payment_moves(cr, where="TRUE"):
    """Copied payments get their copied entries (``payment_overrides``)."""
    cr.execute(
        "UPDATE account_payment p SET move_id = g.pay_move_id"  # trusted condition
        f" FROM bench_gen g WHERE {where} AND p.id = g.payment_id"
    )


# bench_gen's columns of the ids and numbers of an invoice and, on its rows ``paid``,
# of its payment, reconciliation and receipt (SQL: the clauses of an ALTER TABLE).
PAID_COLUMNS = """
            ADD COLUMN move_id int, ADD COLUMN product_line_id int,
            ADD COLUMN term_line_id int, ADD COLUMN pay_move_id int,
            ADD COLUMN payment_id int, ADD COLUMN liquidity_id int,
            ADD COLUMN pay_term_id int, ADD COLUMN partial_id int,
            ADD COLUMN full_id int, ADD COLUMN receipt_id int,
            ADD COLUMN receipt_line_id int, ADD COLUMN receipt_name varchar,
            ADD COLUMN prefix varchar, ADD COLUMN seq int, ADD COLUMN name varchar,
            ADD COLUMN pay_prefix varchar, ADD COLUMN pay_seq int,
            ADD COLUMN pay_name varchar"""
# SQL: the ids of the payment, reconciliation and receipt of bench_gen's rows ``paid``.
PAID_IDS = """
        UPDATE bench_gen
           SET pay_move_id = nextval('account_move_id_seq'),
               payment_id = nextval('account_payment_id_seq'),
               liquidity_id = nextval('account_move_line_id_seq'),
               pay_term_id = nextval('account_move_line_id_seq'),
               partial_id = nextval('account_partial_reconcile_id_seq'),
               full_id = nextval('account_full_reconcile_id_seq'),
               receipt_id = nextval('fee_receipt_id_seq'),
               receipt_line_id = nextval('fee_receipt_line_id_seq')
         WHERE paid"""


def number_receipts(cr, sequence):
    """The receipts of bench_gen's rows ``paid`` take the numbers of ``sequence`` after
    its last, in date order."""
    cr.execute(
        f"""
        WITH numbered AS (
            SELECT i, row_number() OVER (ORDER BY pay_date, i) AS rn
              FROM bench_gen WHERE paid
        )
        UPDATE bench_gen b
           SET receipt_name = 'SK/' || extract(year FROM b.pay_date)::int || '/'
                              || {padded("n.rn + %(last)s", 6)}
          FROM numbered n WHERE n.i = b.i
        """,
        {"last": sequence.number_next_actual - 1},
    )


def advance_sequence(cr, sequence, count):
    """``sequence`` (ir.sequence) goes on after the ``count`` numbers the copies took."""
    cr.execute(
        "UPDATE ir_sequence SET number_next = number_next + %s WHERE id = %s",
        [count, sequence.id],
    )


def padded(number, width):
    """SQL: the integer expression ``number`` as text, zero-padded to at least ``width``
    digits (lpad alone cuts longer ones), as Odoo's sequences write numbers."""
    return f"lpad(({number})::text, greatest({width}, length(({number})::text)), '0')"


def number_moves(cr, journal_id, code, *, date, prefix, seq, name, where="TRUE"):
    """Name the copies of journal entries as Odoo numbers them: a yearly prefix
    ``CODE/YYYY/`` by the year of column ``date`` of bench_gen, numbered in date order
    after the journal's last number of that prefix. Fills bench_gen's columns ``prefix``,
    ``seq`` and ``name`` on its rows matching ``where`` (row key ``i``)."""
    cr.execute(
        f"""
        UPDATE bench_gen SET {prefix} = %(code)s || '/' || extract(year FROM {date})::int
                                        || '/'
         WHERE {where};
        WITH numbered AS (
            SELECT i, row_number() OVER (PARTITION BY {prefix} ORDER BY {date}, i) AS rn
              FROM bench_gen WHERE {where}
        )
        UPDATE bench_gen b
           SET {seq} = n.rn + COALESCE((SELECT max(sequence_number) FROM account_move m
                                         WHERE m.journal_id = %(journal)s
                                           AND m.sequence_prefix = b.{prefix}), 0)
          FROM numbered n WHERE n.i = b.i;
        UPDATE bench_gen SET {name} = {prefix} || {padded(seq, 5)}
         WHERE {where};
        """,  # trusted column names
        {"code": code, "journal": journal_id},
    )


def number_templates_copies(cr, numberings):
    """``number_moves`` for each of ``numberings`` (template entry, bench_gen's date
    column, its columns ``(prefix, seq, name)``, condition): the copies of each template
    numbered in the template's journal, by the code of its sequence prefix."""
    for move, date_column, columns, where in numberings:
        prefix, seq, name = columns
        number_moves(
            cr,
            move.journal_id.id,
            move.sequence_prefix.split("/")[0],
            date=date_column,
            prefix=prefix,
            seq=seq,
            name=name,
            where=where,
        )


def number_invoices_and_payments(cr, t):
    """The copies of the open invoice ``t["open"]`` (all rows) and of the payment entry
    of ``t["liquidity"]`` (rows ``paid``) numbered as Odoo does, after the templates'
    numbers."""
    number_templates_copies(
        cr,
        [
            (t["open"], "invoice_date", ("prefix", "seq", "name"), "TRUE"),
            (
                t["liquidity"].move_id,
                "pay_date",
                ("pay_prefix", "pay_seq", "pay_name"),
                "paid",
            ),
        ],
    )


# ----------------------------------------------------------------------
# Command line and report
# ----------------------------------------------------------------------


def main(doc, commands, report):
    """``SCRIPT -c CONF -d DB COMMAND ...`` and ``SCRIPT table JSON...``.

    ``commands`` maps a command to ``(add_arguments(parser), run(env, args))``; a run that
    returns a result has it written to ``--out`` as JSON. ``report(rows)`` prints the
    table of the results."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("-c", "--config")
    parser.add_argument("-d", "--database")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name, (add_arguments, _run) in commands.items():
        add_arguments(subparsers.add_parser(name))
    subparsers.add_parser("table").add_argument("paths", nargs="+")
    args = parser.parse_args()
    if args.command == "table":
        report([json.loads(Path(path).read_text()) for path in args.paths])
        return
    with environment(args.config, args.database) as env:
        result = commands[args.command][1](env, args)
    if result is not None:
        Path(args.out).write_text(json.dumps(result, indent=2))
        print(describe(result), file=sys.stderr)


def describe(result):
    """One line on a run's result: its phases, or its requests."""
    checks = "checks ok" if not result["problems"] else "CHECKS FAILED"
    if "requests" in result:
        requests = "; ".join(
            f"{name}: {request['count']} x, median {1000 * request['seconds']['median']:.0f}"
            f" ms (p95 {1000 * request['seconds']['p95']:.0f}), median "
            f"{request['queries']['median']:g} queries (p95 {request['queries']['p95']})"
            for name, request in result["requests"].items()
        )
        return f"{result['system']} N={result['n']}: {requests}; {checks}"
    phases = " + ".join(
        f"{name} {phase['seconds']:.1f}s" for name, phase in result["phases"].items()
    )
    return (
        f"{result['system']} N={result['n']}: {result['seconds']:.1f}s ({phases}), "
        f"{result['queries']} queries ({per_unit(result, 'queries', '.2f')} "
        f"per {result['unit']}, {result['units']} {result['unit']}s); {checks}"
    )


def run_arguments(parser):
    """The arguments of a timed run."""
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--date", type=datetime.date.fromisoformat, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--profile", help="cProfile into PREFIX-PHASE*.pstats/.txt")
    parser.add_argument(
        "--statements", help="SQL by shape into PREFIX-PHASE-statements.txt"
    )


def cron_workers_argument(parser, default):
    """The cron worker processes that do the work queued for the scheduler."""
    parser.add_argument(
        "--cron-workers",
        type=int,
        default=default,
        help="cron worker processes that do the work queued for the scheduler (0, and "
        "always with --profile or --statements: this process)",
    )


def cron_workers(args):
    """``--cron-workers``, or 0 where a profile or the statements' shapes are taken: they
    see this process only."""
    return 0 if args.profile or args.statements else args.cron_workers


def per_unit(row, field, spec):
    return format(row[field] / row["units"], spec) if row["units"] else "-"


def measured_columns(unit):
    """The columns every table has: the figures of a run, per ``unit`` where it says so,
    marked ``*`` where they include an extrapolated phase."""

    def marked(text):
        return lambda row: text(row) + ("*" if row["extrapolated"] else "")

    return [
        ("total s", marked(lambda row: f"{row['seconds']:,.1f}")),
        (
            f"{unit}s/s",
            marked(
                lambda row: (
                    f"**{row['units'] / row['seconds']:,.1f}**"
                    if row["seconds"]
                    else "-"
                )
            ),
        ),
        (f"queries/{unit}", marked(lambda row: per_unit(row, "queries", ".2f"))),
        ("SQL s", marked(lambda row: f"{row['sql_s']:,.1f}")),
        ("Python CPU s", marked(lambda row: f"{row['cpu_s']:,.1f}")),
        ("load avg", lambda row: f"{row['load_average'][0]:.1f}"),
        ("checks", lambda row: "; ".join(row["problems"]) or "ok"),
    ]


def phase_column(name):
    def text(row):
        if name not in row["phases"]:
            return "-"
        mark = "*" if name in row["extrapolated"] else ""
        return f"{row['phases'][name]['seconds']:,.1f}{mark}"

    return f"{name} s", text


def print_table(rows, columns):
    """A Markdown table: ``columns`` is a list of (header, text of a row)."""
    print("| " + " | ".join(header for header, _text in columns) + " |")
    print("|---" * len(columns) + "|")
    for row in rows:
        print("| " + " | ".join(text(row) for _header, text in columns) + " |")


def report(rows, columns, *, group, label, ours, theirs, unit):
    """The table of the results, ``ours`` first, by N and ``group`` (a function of a
    row): system, N, ``columns``, the figures (``measured_columns``); then, how many times
    as fast ``ours`` is as ``theirs`` where both ran, and how the time per ``unit`` of each
    system grows from its smallest N to its largest (1.00 is linear). ``label(row)``
    names a group."""
    rows.sort(key=lambda row: (row["n"], group(row), row["system"] != ours))
    print_table(
        rows,
        [
            ("system", lambda row: row["system"]),
            ("N", lambda row: f"{row['n']:,}"),
            *columns,
            *measured_columns(unit),
        ],
    )
    by_key = {(row["system"], group(row), row["n"]): row for row in rows}
    print()
    for (system, key, n), row in sorted(by_key.items()):
        other = by_key.get((theirs, key, n))
        if system == ours and other and row["seconds"]:
            print(
                f"- N={n:,}, {label(row)}: {ours} is "
                f"{other['seconds'] / row['seconds']:.1f}x as fast as {theirs}"
            )
    for system, key in sorted({(system, key) for system, key, _n in by_key}):
        sizes = sorted(
            (row for (s, k, _n), row in by_key.items() if (s, k) == (system, key)),
            key=lambda row: row["n"],
        )
        small, large = sizes[0], sizes[-1]
        if len(sizes) > 1 and small["units"] and large["units"]:
            per_small = small["seconds"] / small["units"] * 1000
            per_large = large["seconds"] / large["units"] * 1000
            print(
                f"- {system}, {label(small)}: {per_small:.1f} ms/{unit} at "
                f"N={small['n']:,}, {per_large:.1f} ms/{unit} at N={large['n']:,} "
                f"(x{per_large / per_small:.2f}; 1.00 is linear)"
            )
