"""What the end-to-end tests share: a demo role's session, the table of attempts (what
was tried, by whom, what should and what did happen), and races of users acting at the
same moment."""

import datetime
import threading
import time
import traceback

from jsonrpc import RpcError, Session

ALLOWED = "allowed"


def refused(exception="AccessError"):
    return f"refused ({exception})"


class Attempts:
    """The table of attempts: what was tried, by whom, what should and what did happen."""

    def __init__(self):
        self.rows = []

    def record(self, item, attempt, role, expected, actual, *, why=""):
        self.rows.append(
            {
                "item": item,
                "attempt": attempt,
                "role": role,
                "expected": expected,
                "actual": actual,
                "why": why,
            }
        )

    def run(self, item, text, session, expected, *call, detail=None, **kwargs):
        """Make ``call`` (model, method, args...) as ``session``. Actual: ``allowed`` or
        ``refused (<exception>)``, followed by what ``detail`` (called after a success)
        says of the result."""
        return attempt(
            self,
            item,
            text,
            session,
            expected,
            steps=lambda: session(*call, **kwargs),
            detail=detail,
        )

    def table(self):
        header = {
            "item": "#",
            "attempt": "attempt",
            "role": "role",
            "expected": "expected",
            "actual": "actual",
            "why": "server said",
        }
        rows = [header, *sorted(self.rows, key=lambda row: row["item"])]
        widths = {
            key: max(len(str(row[key])) for row in rows)
            for key in header
            if key != "why"
        }

        def line(row):
            cells = [str(row[key]).ljust(width) for key, width in widths.items()]
            return " | ".join([*cells, row["why"][:90]])

        rule = "-+-".join("-" * width for width in widths.values()) + "-+-" + "-" * 11
        return "\n".join([line(header), rule, *(line(row) for row in rows[1:])])

    def mismatches(self):
        return [row for row in self.rows if row["actual"] != row["expected"]]

    def assert_as_expected(self):
        """Fails, listing them, if any attempts did not go as expected."""
        mismatches = self.mismatches()
        assert not mismatches, "attempts that did not go as expected:\n" + "\n".join(
            f"  {row['item']}. {row['attempt']} as {row['role']}: expected "
            f"{row['expected']}, got {row['actual']} {row['why']}"
            for row in mismatches
        )


class RoleSession(Session):
    """The session of a demo login (its password is the login)."""

    def __init__(self, server, login):
        super().__init__(server["url"], server["db"], login, login)
        self.login = login


def attempt(table, item, text, session, expected, *, steps, detail=None):
    """Record ``steps`` (called with no argument; it makes the calls) as one attempt:
    allowed, with what ``detail`` says of its result, or refused with the server's
    exception class."""
    try:
        result = steps()
    except RpcError as error:
        actual = refused((error.name or "?").rsplit(".", 1)[-1])
        why = str(error).splitlines()[0] if str(error) else ""
    else:
        actual, why = ALLOWED, ""
        if detail:
            actual = f"{ALLOWED}; {detail(result)}"
    table.record(item, text, session.login, expected, actual, why=why)
    return actual


def post_overdue_invoices(admin, partners, item, today, amounts=None):
    """A posted invoice of ``item`` for each of ``partners`` ({key: partner id}), of
    ``amounts[key]`` (26.00 by default), due 35 days ago. Returns {key: invoice id}."""
    amounts = amounts or {}
    invoices = {
        key: admin(
            "account.move",
            "create",
            {
                "move_type": "out_invoice",
                "partner_id": partner,
                "invoice_date": (today - datetime.timedelta(days=40)).isoformat(),
                "invoice_date_due": (today - datetime.timedelta(days=35)).isoformat(),
                "invoice_line_ids": [
                    (
                        0,
                        0,
                        {
                            "product_id": item,
                            "quantity": 1,
                            "price_unit": amounts.get(key, 26.0),
                            "tax_ids": [(5, 0, 0)],
                        },
                    )
                ],
            },
        )
        for key, partner in partners.items()
    }
    admin("account.move", "action_post", list(invoices.values()))
    return invoices


def receivable_balance(admin, partner_id):
    """What ``partner_id`` owes by the books: the residual of its posted receivable
    lines."""
    lines = admin(
        "account.move.line",
        "search_read",
        [
            ("partner_id", "=", partner_id),
            ("account_type", "=", "asset_receivable"),
            ("parent_state", "=", "posted"),
        ],
        ["amount_residual"],
    )
    return round(sum(line["amount_residual"] for line in lines), 2)


def race(rounds, *, who, what, result, wait=60, request_timeout=120):
    """``rounds``: per session, a list of (label, prepare, act). At each round every
    session prepares (fetches the counter's form, say), waits for the others, then all
    act at the same moment with what they prepared. Returns a row per act, by when it
    started: the session's login (key ``who``), the label (``what``), when it started
    and ended, and what the act returned (``result``) or the refusal (``error``: its
    kind and message; a timeout or a refused connection is reported the same way, and
    the others then give up the round: BrokenBarrierError)."""
    sessions = list(rounds)
    count = len(next(iter(rounds.values())))
    assert all(len(plan) == count for plan in rounds.values())
    barrier = threading.Barrier(len(sessions), timeout=wait)
    rows, lock = [], threading.Lock()
    start = time.monotonic()

    def run(session):
        for label, prepare, act in rounds[session]:
            row = {who: session.login, what: label, result: None}
            try:
                prepared = prepare()
                barrier.wait()
                row["start"] = time.monotonic() - start
                row[result] = act(prepared)
            except RpcError as error:
                row["error"] = (error.name or "?", str(error))
            except threading.BrokenBarrierError:
                row["error"] = ("BrokenBarrierError", "another one never came")
            except Exception as error:  # a timeout, a refused connection: reported
                row["error"] = (type(error).__name__, str(error) or repr(error))
                row["traceback"] = traceback.format_exc()
                barrier.abort()
            row["end"] = time.monotonic() - start
            with lock:
                rows.append(row)
            if row.get("error", ("",))[0] == "BrokenBarrierError":
                return

    threads = [
        threading.Thread(target=run, args=(session,), daemon=True)
        for session in sessions
    ]
    for thread in threads:
        thread.start()
    limit = count * (wait + 2 * request_timeout) + wait
    deadline = time.monotonic() + limit
    for thread in threads:
        thread.join(max(deadline - time.monotonic(), 0.1))
    stuck = [
        session.login
        for session, thread in zip(sessions, threads, strict=True)
        if thread.is_alive()
    ]
    assert not stuck, f"still running after {limit} s: {stuck}"
    return sorted(rows, key=lambda row: (row.get("start", 0), row[who]))
