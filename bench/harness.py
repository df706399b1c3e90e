"""What the benchmarks share: Odoo on a database, timed phases, one query counter,
profiles, results and their table.

A scenario (``bench_billing.py``, ``bench_dunning.py``) makes its data, hands each timed
operation to ``Measurement`` and checks what it did; this module does the rest.

- **Timing.** A phase starts on a cold cache after a commit, as a scheduled action in a
  new transaction does, and ends with its commit: wall clock (``seconds``), Python CPU
  time of the measuring process plus that of its ``Workers`` (``cpu_s``).
- **Queries.** One counter, Odoo's own per-thread SQL hook (``query_hooks``, the one
  Odoo's profiler uses): every statement that an Odoo cursor (``odoo.sql_db.Cursor``)
  executes, in the measuring process and in the worker processes it starts, counted once
  it has run, with the time spent in it (``sql_s``). The ``COMMIT`` and ``ROLLBACK`` of a
  cursor are not statements it executes and are not counted, nor is a statement that
  fails. Each process runs Odoo in its main thread, where the hook is installed.
- **Profiles.** With a path prefix, a phase runs under cProfile
  (``PREFIX-PHASE.pstats``, ``-cumulative.txt``, ``-tottime.txt``) and its statements
  are grouped by shape, literals and lists of values folded
  (``PREFIX-PHASE-statements.txt``, the most time first).
"""

import argparse
import contextlib
import cProfile
import dataclasses
import datetime
import io
import json
import multiprocessing
import os
import pstats
import re
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

# ----------------------------------------------------------------------
# Queries
# ----------------------------------------------------------------------


class QueryCounter:
    """Statements executed by Odoo's cursors in this thread: count and time, and by shape
    while ``shapes`` is a dict."""

    def __init__(self):
        self.count = 0
        self.seconds = 0.0
        self.shapes = None

    def install(self):
        threading.current_thread().query_hooks = [self.hook]

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
    text = re.sub(r"%s(?:\s*,\s*%s)+", "%s, ...", text)
    return re.sub(r"\s+", " ", text).strip()[:200]


QUERIES = QueryCounter()


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
    QUERIES.shapes = defaultdict(lambda: [0, 0.0]) if statements else None
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


def write_statements(shapes, prefix, limit=60):
    ranked = sorted(shapes.items(), key=lambda item: -item[1][1])[:limit]
    Path(f"{prefix}-statements.txt").write_text(
        "   count  total s  avg ms  statement\n"
        + "".join(
            f"{count:8d} {total:8.2f} {1000 * total / count:7.3f}  {shape}\n"
            for shape, (count, total) in ranked
        )
    )


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
        """Run ``task`` in every worker and wait for them all to end."""
        global _elsewhere  # noqa: PLW0603
        for _process in self.processes:
            self.tasks.put(task)
        figures = [self.figures.get() for _process in self.processes]
        for process in self.processes:
            process.join()
        if None in figures or any(process.exitcode for process in self.processes):
            raise RuntimeError("a worker failed")
        for values in figures:
            _elsewhere += Figures(0.0, *values)


def _worker(conf, db, target, *, ready, tasks, figures):
    values = None
    try:
        with environment(conf, db) as env:
            ready.set()
            task = tasks.get()
            start = Figures.now()
            target(env, *task)
            values = Figures.since(start).values()[1:]
    finally:
        figures.put(values)


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
        phases = " + ".join(
            f"{name} {phase['seconds']:.1f}s"
            for name, phase in result["phases"].items()
        )
        print(
            f"{result['system']} N={result['n']}: {result['seconds']:.1f}s ({phases}), "
            f"{result['queries']} queries ({per_unit(result, 'queries', '.2f')} "
            f"per {result['unit']}, {result['units']} {result['unit']}s); "
            f"{'checks ok' if not result['problems'] else 'CHECKS FAILED'}",
            file=sys.stderr,
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
