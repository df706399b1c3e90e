"""What the end-to-end access tests share: a demo role's session, and the table of
attempts (what was tried, by whom, what should and what did happen)."""

import datetime

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
