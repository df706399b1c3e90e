"""Agent outlets (代办网点) end to end, on a real server with two HTTP workers: their
counter staff log in as the browser does (``/web/session/authenticate``), call the
models over JSON-RPC (``/web/dataset/call_kw``) and collect on the portal's counter
(``/my/agent/collect``: the form fetched for its CSRF token, then posted).

* What staff must not do, and what nobody may do with an outlet's money, is tried:
  another outlet's receipts and settlements, a subscriber's file, sealed fields, the
  outlet's own terms, the managers' actions; a blocked outlet collecting, a collection
  past the credit limit, a remittance above what is owed, a period settled twice. Each
  attempt is a row of a table (expected, happened, what the server said), printed
  (``pytest -s``), and all must match.
* Staff collecting at the same moment: two of one outlet, and one each of two outlets,
  for the same subscriber: every receipt booked once, the invoice paid by what was
  applied to it and nothing more; two of one outlet right below its credit limit: it
  never holds more than the limit, the later one is refused with the limit's message.
  The receipt numbers stay unique and gapless. Two accountants settling an outlet at
  the same moment: one settlement, the other told there is nothing left to settle.

The server runs on a database of its own (FEE_E2E_AGENTS_DB), so that every receipt of
it is one of this file's. The scene is set up as ``admin``."""

import datetime
import json
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid
from html import unescape
from http.cookiejar import CookieJar

import pytest

from conftest import _serve
from jsonrpc import RpcError, Session
from roles import (
    ALLOWED,
    Attempts,
    attempt,
    post_overdue_invoices,
    race,
    receivable_balance,
    refused,
)

# Every wait is bounded: a request by its timeout, staff waiting for each other by this.
WAIT = 60
REQUEST_TIMEOUT = 120
PAGE_REFUSAL = "on the page"
CREDIT_LIMIT = 100.0


@pytest.fixture(scope="module")
def agents_server():
    """Two worker processes serving requests side by side, no scheduled jobs."""
    yield from _serve("FEE_E2E_AGENTS_DB", "--workers=2", "--max-cron-threads=0")


# ----------------------------------------------------------------------------------
# A browser's session: JSON-RPC through the web client's routes, and the portal
# ----------------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirection is an answer to look at (where a collection sends the browser),
    not to follow."""

    def redirect_request(self, *args, **kwargs):
        return None


class WebSession:
    """A user logged in as the browser is: a session cookie, the models called through
    ``/web/dataset/call_kw``, pages fetched and forms posted with that cookie."""

    def __init__(self, server, login, password=None):
        self.url, self.login = server["url"], login
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), _NoRedirect()
        )
        info = self._json(
            "/web/session/authenticate",
            {"db": server["db"], "login": login, "password": password or login},
        )
        self.uid = info["uid"]

    def _json(self, path, params):
        body = json.dumps({"jsonrpc": "2.0", "method": "call", "params": params})
        request = urllib.request.Request(
            f"{self.url}{path}", body.encode(), {"Content-Type": "application/json"}
        )
        with self.opener.open(request, timeout=REQUEST_TIMEOUT) as response:
            answer = json.loads(response.read())
        if "error" in answer:
            data = answer["error"]["data"]
            raise RpcError(data["message"], data.get("name"))
        return answer.get("result")

    def __call__(self, model, method, *args, **kwargs):
        return self._json(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    def open(self, path, form=None):
        """(HTTP status, where it redirects, page) of ``path``, posting ``form``."""
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        try:
            with self.opener.open(
                f"{self.url}{path}", data, timeout=REQUEST_TIMEOUT
            ) as response:
                return response.status, None, response.read().decode()
        except urllib.error.HTTPError as error:
            page = error.read().decode(errors="replace")
            return error.code, error.headers.get("Location"), page

    def collect_form(self, service_number):
        """The counter's form with the subscriber of ``service_number`` found: what the
        browser posts back (its CSRF token and the form's key)."""
        query = urllib.parse.urlencode({"service_number": service_number})
        status, _where, page = self.open(f"/my/agent/collect?{query}")
        assert status == 200, f"the counter answered {status}: {page[:300]}"
        form = {
            name: re.search(rf'name="{name}" value="([^"]*)"', page).group(1)
            for name in ("csrf_token", "request_key")
        }
        return {**form, "service_number": service_number}

    def post_collection(self, form, amount):
        """Post the counter's form: the id of the receipt it sends the browser to, or
        RpcError with the message the page shows."""
        status, where, page = self.open(
            "/my/agent/collect", {**form, "amount": f"{amount:.2f}"}
        )
        if status in (301, 302, 303) and where:
            found = re.search(r"/my/agent/receipts/(\d+)", where)
            assert found, f"sent to {where}"
            return int(found.group(1))
        error = re.search(r'o_fee_agent_error"[^>]*>(.*?)</div>', page, re.S)
        if status == 200 and error:
            raise RpcError(_text(error.group(1)), PAGE_REFUSAL)
        raise AssertionError(f"the counter answered {status}: {page[:500]}")

    def collect(self, service_number, amount):
        return self.post_collection(self.collect_form(service_number), amount)


def _text(html):
    """The text of a bit of a page, its entities decoded."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


# ----------------------------------------------------------------------------------
# The scene
# ----------------------------------------------------------------------------------


# The subscribers each test collects from: what their one invoice asks.
SUBSCRIBERS = {
    "table": 200.0,
    "one outlet": 50.0,
    "two outlets": 50.0,
    "limit 1": 100.0,
    "limit 2": 100.0,
    "limit 3": 100.0,
    "settled twice": 50.0,
}


@pytest.fixture(scope="module")
def scene(agents_server):
    """Five outlets: A (2.5% commission, two clerks), B (3%, one), C (credit limit
    100.00, two clerks), D (one clerk, to be blocked), E (one clerk, settled by two
    accountants at once); two accountants and a manager; a subscriber for each use
    (``SUBSCRIBERS``), with a service number and one posted invoice, due last month.
    Made in as few calls as can be: the server is slow to answer on a busy
    machine."""
    server = agents_server
    admin = Session(server["url"], server["db"], "admin", "admin")
    token = uuid.uuid4().hex[:6].lower()
    today = datetime.date.today()
    company_id = admin("res.users", "read", [admin.uid], ["company_id"])[0][
        "company_id"
    ][0]
    groups = {
        f"{row['module']}.{row['name']}": row["res_id"]
        for row in admin(
            "ir.model.data",
            "search_read",
            [
                ("module", "=", "fee_collection"),
                (
                    "name",
                    "in",
                    ["group_fee_agent", "group_fee_accountant", "group_fee_manager"],
                ),
            ],
            ["module", "name", "res_id"],
        )
    }
    outlet_vals = {
        "A": ("Wusi Road Kiosk", {"agent_commission_rate": 2.5}),
        "B": ("Gulou Post Office", {"agent_commission_rate": 3.0}),
        "C": ("Dongjie Shop", {"agent_credit_limit": CREDIT_LIMIT}),
        "D": ("Xihu Stall", {}),
        "E": ("Nanmen Agency", {"agent_commission_rate": 2.0}),
    }
    outlets = dict(
        zip(
            outlet_vals,
            admin(
                "res.partner",
                "create",
                [
                    {
                        "name": f"{name} {token}",
                        "is_company": True,
                        "is_fee_agent": True,
                        "company_id": company_id,
                        **vals,
                    }
                    for name, vals in outlet_vals.values()
                ],
            ),
            strict=True,
        )
    )
    roles = {
        **dict.fromkeys(
            ("a1", "a2", "b1", "c1", "c2", "d1", "e1"),
            "fee_collection.group_fee_agent",
        ),
        "accountant": "fee_collection.group_fee_accountant",
        "accountant2": "fee_collection.group_fee_accountant",
        "manager": "fee_collection.group_fee_manager",
    }
    logins = {key: f"agents_{key}_{token}" for key in roles}
    users = admin(
        "res.users",
        "create",
        [
            {
                "name": f"{key.title()} {token}",
                "login": logins[key],
                "password": logins[key],
                "email": f"{logins[key]}@example.com",
                "company_id": company_id,
                "company_ids": [(6, 0, [company_id])],
                "groups_id": [(6, 0, [groups[group]])],
            }
            for key, group in roles.items()
        ],
    )
    partners = {
        user["id"]: user["partner_id"][0]
        for user in admin("res.users", "read", users, ["partner_id"])
    }
    # A clerk's contact belongs to the outlet: the outlet is its commercial partner.
    for key, outlet in outlets.items():
        admin(
            "res.partner",
            "write",
            [
                partners[user]
                for clerk, user in zip(roles, users, strict=True)
                if clerk[0] == key.lower() and clerk[1:].isdigit()
            ],
            {"parent_id": outlet},
        )
    item = admin(
        "product.product",
        "create",
        {
            "name": f"Cable TV (agents {token})",
            "type": "service",
            "is_fee_item": True,
            "list_price": 26.0,
            "taxes_id": [(5, 0, 0)],
        },
    )
    return {
        "server": server,
        "admin": admin,
        "token": token,
        "today": today,
        "company_id": company_id,
        "outlets": outlets,
        "staff": {key: WebSession(server, login) for key, login in logins.items()},
        "subscribers": _subscribers(admin, token, company_id, item, today),
    }


def _subscribers(admin, token, company_id, item, today):
    """{use: (partner id, invoice id, service number)}: a subscriber for each of
    ``SUBSCRIBERS``, a service and one posted invoice, due last month."""
    numbers = {key: f"AG-{token}-{index:02d}" for index, key in enumerate(SUBSCRIBERS)}
    partners = admin(
        "res.partner",
        "create",
        [
            {
                "name": f"Subscriber {numbers[key]}",
                "is_subscriber": True,
                "company_id": company_id,
            }
            for key in SUBSCRIBERS
        ],
    )
    admin(
        "fee.subscription",
        "create",
        [
            {"partner_id": partner, "product_id": item, "service_number": number}
            for partner, number in zip(partners, numbers.values(), strict=True)
        ],
    )
    invoices = post_overdue_invoices(
        admin, dict(zip(SUBSCRIBERS, partners, strict=True)), item, today, SUBSCRIBERS
    )
    found = zip(partners, invoices.values(), numbers.values(), strict=True)
    return dict(zip(SUBSCRIBERS, found, strict=True))


def _all_receipts(admin, company_id):
    return admin(
        "fee.receipt",
        "search_read",
        [("company_id", "=", company_id)],
        ["name", "amount", "state", "payment_id", "agent_id", "channel"],
    )


def _check_books(admin, company_id):
    """Every receipt of the company (all of them this file's): a number each, from 1
    without a gap; one payment each, of the receipt's amount, in the agents' journal;
    no payment of that journal without its receipt. Returns the numbers, in order."""
    receipts = _all_receipts(admin, company_id)
    names = sorted(receipt["name"] for receipt in receipts)
    assert len(set(names)) == len(names), f"duplicate receipt numbers: {names}"
    assert len({name.rsplit("/", 1)[0] for name in names}) <= 1, names
    numbers = [int(name.rsplit("/", 1)[1]) for name in names]
    assert numbers == list(range(1, len(names) + 1)), f"gaps: {numbers}"
    journal = admin("res.company", "read", [company_id], ["fee_agent_journal_id"])[0][
        "fee_agent_journal_id"
    ][0]
    payments = admin(
        "account.payment",
        "search_read",
        [("journal_id", "=", journal), ("state", "!=", "draft")],
        ["amount"],
    )
    by_payment = {receipt["payment_id"][0]: receipt for receipt in receipts}
    assert len(by_payment) == len(receipts), "a payment of its own for each receipt"
    assert {payment["id"] for payment in payments} == set(by_payment), (
        "every payment of the agents' journal has its receipt, and no other"
    )
    for payment in payments:
        assert payment["amount"] == by_payment[payment["id"]]["amount"], payment
    return names


def _invoice_state(admin, invoice):
    """The invoice's total and residual, what receipts applied to it, and what its
    reconciliations took off it."""
    move = admin(
        "account.move",
        "read",
        [invoice],
        ["name", "amount_total", "amount_residual", "payment_state"],
    )[0]
    applied = admin(
        "fee.receipt.line",
        "search_read",
        [("move_id", "=", invoice), ("receipt_id.state", "=", "posted")],
        ["receipt_id", "amount"],
    )
    partials = admin(
        "account.partial.reconcile",
        "search_read",
        [("debit_move_id.move_id", "=", invoice)],
        ["amount"],
    )
    return {
        **move,
        "applied": round(sum(line["amount"] for line in applied), 2),
        "applied_by": sorted(line["receipt_id"][1] for line in applied),
        "reconciled": round(sum(partial["amount"] for partial in partials), 2),
    }


def _unremitted(admin, outlet):
    return admin("res.partner", "read", [outlet], ["agent_unremitted_amount"])[0][
        "agent_unremitted_amount"
    ]


# ----------------------------------------------------------------------------------
# What must be refused, or limited
# ----------------------------------------------------------------------------------


def _portal(table, item, text, session, expected, *, steps, says):
    """A collection on the portal's counter, as a row: refused, the row also says
    whether the page gave the reason (``says``: words the message must contain)."""
    row = len(table.rows)
    actual = attempt(table, item, text, session, expected, steps=steps)
    if actual.startswith("refused"):
        told = says in table.rows[row]["why"]
        table.rows[row]["actual"] = (
            f'{actual}; says "{says}"' if told else f'{actual}; not "{says}"'
        )


def _attempts(scene, table):
    """The rows of the table, in order."""
    admin, staff = scene["admin"], scene["staff"]
    outlets, today = scene["outlets"], scene["today"].isoformat()
    accountant, manager = staff["accountant"], staff["manager"]
    a1, b1, c1, d1 = staff["a1"], staff["b1"], staff["c1"], staff["d1"]
    partner, invoice, number = scene["subscribers"]["table"]

    keys = {outlet: key for key, outlet in outlets.items()}

    def receipt_for(receipt_id):
        [receipt] = admin(
            "fee.receipt", "read", [receipt_id], ["amount", "agent_id", "channel"]
        )
        return (
            f"{receipt['channel']} receipt of {receipt['amount']:.2f} for outlet "
            f"{keys.get(receipt['agent_id'] and receipt['agent_id'][0])}"
        )

    # 1. Collections on the portal's counter, for the clerk's own outlet.
    receipts = {}
    for session, key, amount in ((a1, "A", 10.0), (b1, "B", 20.0)):
        attempt(
            table,
            1,
            f"collect {amount:.2f} on the portal",
            session,
            f"{ALLOWED}; agent receipt of {amount:.2f} for outlet {key}",
            steps=lambda session=session, amount=amount: receipts.setdefault(
                session.login, session.collect(number, amount)
            ),
            detail=receipt_for,
        )
    mine, theirs = receipts[a1.login], receipts[b1.login]
    _portal(
        table,
        1,
        "post the form with an unknown service number",
        a1,
        f'{refused(PAGE_REFUSAL)}; says "No subscriber"',
        steps=lambda: a1.post_collection(
            {**a1.collect_form(number), "service_number": f"{number}-X"}, 10.0
        ),
        says="No subscriber",
    )
    admin("res.partner", "action_agent_block", [outlets["D"]])
    _portal(
        table,
        1,
        "collect 10.00 for a blocked outlet",
        d1,
        f'{refused(PAGE_REFUSAL)}; says "blocked"',
        steps=lambda: d1.collect(number, 10.0),
        says="blocked",
    )
    _portal(
        table,
        1,
        f"collect 150.00 for an outlet of limit {CREDIT_LIMIT:.2f}",
        c1,
        f'{refused(PAGE_REFUSAL)}; says "credit limit"',
        steps=lambda: c1.collect(number, 150.0),
        says="credit limit",
    )
    table.record(
        1,
        "what the blocked and the limited outlets hold afterwards",
        "admin",
        "0.00 and 0.00",
        f"{_unremitted(admin, outlets['D']):.2f} and "
        f"{_unremitted(admin, outlets['C']):.2f}",
    )

    # 2. Settling: one settlement an outlet for a period, however often it is run.
    make = {"agent_ids": [(6, 0, [outlets["A"], outlets["B"]])], "date_to": today}

    def settle():
        wizard = accountant("fee.agent.settlement.make", "create", make)
        return accountant("fee.agent.settlement.make", "action_confirm", [wizard])

    def settlements_of(key):
        return admin(
            "fee.agent.settlement",
            "search_read",
            [("agent_id", "=", outlets[key]), ("date_to", "=", today)],
            ["name", "state", "amount_to_remit"],
        )

    attempt(
        table,
        2,
        "settle outlets A and B up to today",
        accountant,
        f"{ALLOWED}; 1 and 1 settlements",
        steps=settle,
        detail=lambda _r: (
            f"{len(settlements_of('A'))} and {len(settlements_of('B'))} settlements"
        ),
    )
    attempt(
        table,
        2,
        "settle them up to today again",
        accountant,
        refused("UserError"),
        steps=settle,
    )
    [my_settlement], [their_settlement] = settlements_of("A"), settlements_of("B")
    table.record(
        2,
        "settlements of A and B up to today afterwards",
        "admin",
        "1 and 1",
        f"{len(settlements_of('A'))} and {len(settlements_of('B'))}",
    )
    accountant(
        "fee.agent.settlement",
        "action_submit",
        [my_settlement["id"], their_settlement["id"]],
    )

    # 3. Another outlet's documents, a subscriber's file: nothing to read.
    for text, model, call, expected in (
        (
            "read outlet B's receipt",
            "fee.receipt",
            ("read", [theirs], ["amount"]),
            None,
        ),
        (
            "search_read outlet B's receipt by id",
            "fee.receipt",
            ("search_read", [("id", "=", theirs)], ["amount"]),
            "0 found",
        ),
        (
            "search_read every receipt",
            "fee.receipt",
            ("search_read", [], ["agent_id"]),
            "only outlet A's",
        ),
        (
            "read outlet B's receipt lines",
            "fee.receipt.line",
            (
                "search_read",
                [("receipt_id", "=", theirs)],
                ["amount"],
            ),
            "0 found",
        ),
        (
            "action_print on outlet B's receipt",
            "fee.receipt",
            ("action_print", [theirs]),
            None,
        ),
        (
            "read outlet B's settlement",
            "fee.agent.settlement",
            ("read", [their_settlement["id"]], ["amount_to_remit"]),
            None,
        ),
        (
            "search_read outlet B's settlement by id",
            "fee.agent.settlement",
            ("search_read", [("id", "=", their_settlement["id"])], ["name"]),
            "0 found",
        ),
        (
            "search_read outlet B's settlement lines",
            "fee.agent.settlement.line",
            (
                "search_read",
                [("settlement_id", "=", their_settlement["id"])],
                ["amount"],
            ),
            "0 found",
        ),
        (
            "read the subscriber's res.partner",
            "res.partner",
            ("read", [partner], ["name", "phone"]),
            None,
        ),
        (
            "search_read the subscriber's res.partner by id",
            "res.partner",
            ("search_read", [("id", "=", partner)], ["name"]),
            "0 found",
        ),
        (
            "read the subscriber's invoice",
            "account.move",
            ("read", [invoice], ["amount_residual"]),
            None,
        ),
        (
            "search_read the subscriber's invoices",
            "account.move",
            ("search_read", [("partner_id", "=", partner)], ["name"]),
            "0 found",
        ),
        (
            # Portal users read their own services (subscribers on the portal): an
            # outlet's staff find none of a subscriber's.
            "search_read the subscriber's services",
            "fee.subscription",
            ("search_read", [("partner_id", "=", partner)], ["service_number"]),
            "0 found",
        ),
    ):
        if expected == "only outlet A's":

            def detail(rows):
                others = [row for row in rows if row["agent_id"][0] != outlets["A"]]
                return "only outlet A's" if rows and not others else f"{rows}"

        else:

            def detail(rows):
                return f"{len(rows)} found"

        table.run(
            3,
            text,
            a1,
            f"{ALLOWED}; {expected}" if expected else refused(),
            model,
            *call,
            detail=detail if expected else None,
        )
    status, where, _page = a1.open(f"/my/agent/receipts/{theirs}")
    table.record(
        3,
        "open outlet B's receipt page",
        a1.login,
        "sent back to the list",
        "sent back to the list"
        if status in (302, 303) and where and where.endswith("/my/agent/receipts")
        else f"answered {status}",
        why=f"HTTP {status} {where or ''}",
    )
    status, where, _page = accountant.open("/my/agent/collect")
    table.record(
        3,
        "open the outlets' counter",
        accountant.login,
        "not found",
        "not found" if status == 404 else f"answered {status}",
        why=f"HTTP {status}",
    )

    # 4. The outlet's money and terms: written by the process and its managers only.
    for text, model, call, expected in (
        (
            "write settlement_id on an own receipt",
            "fee.receipt",
            ("write", [mine], {"settlement_id": False}),
            refused(),
        ),
        (
            "write amount=0.01 on an own receipt",
            "fee.receipt",
            ("write", [mine], {"amount": 0.01}),
            refused(),
        ),
        ("unlink an own receipt", "fee.receipt", ("unlink", [mine]), refused()),
        (
            "void an own receipt",
            "fee.receipt",
            ("action_void", [mine], "Wrong subscriber"),
            refused(),
        ),
        (
            "create a settlement of the own outlet",
            "fee.agent.settlement",
            ("create", {"agent_id": outlets["A"], "date_to": today}),
            refused(),
        ),
        (
            "settle the own outlet with the wizard",
            "fee.agent.settlement.make",
            ("create", make),
            refused(),
        ),
        (
            "write agent_credit_limit=0 on the own outlet",
            "res.partner",
            ("write", [outlets["A"]], {"agent_credit_limit": 0.0}),
            refused(),
        ),
        (
            "write agent_state=active on the own outlet",
            "res.partner",
            ("write", [outlets["A"]], {"agent_state": "active"}),
            refused(),
        ),
        (
            "action_agent_unblock on the own outlet",
            "res.partner",
            ("action_agent_unblock", [outlets["A"]]),
            refused("UserError"),
        ),
        (
            "action_approve on the own outlet's settlement",
            "fee.agent.settlement",
            ("action_approve", [my_settlement["id"]]),
            refused("UserError"),
        ),
        (
            "action_reject on the own outlet's settlement",
            "fee.agent.settlement",
            ("action_reject", [my_settlement["id"]], "Too much commission"),
            refused("UserError"),
        ),
    ):
        table.run(4, text, a1, expected, model, *call)
    table.run(
        4,
        "action_agent_unblock on a blocked outlet",
        d1,
        refused("UserError"),
        "res.partner",
        "action_agent_unblock",
        [outlets["D"]],
    )
    table.run(
        4,
        "action_approve on a settlement",
        accountant,
        refused("UserError"),
        "fee.agent.settlement",
        "action_approve",
        [my_settlement["id"]],
    )
    [after] = admin("res.partner", "read", [outlets["A"]], ["agent_state"])
    [blocked] = admin("res.partner", "read", [outlets["D"]], ["agent_state"])
    receipt = admin(
        "fee.receipt", "read", [mine], ["amount", "state", "settlement_id"]
    )[0]
    table.record(
        4,
        "outlets A and D, A's receipt afterwards",
        "admin",
        f"active, blocked; receipt posted 10.00 in {my_settlement['name']}",
        f"{after['agent_state']}, {blocked['agent_state']}; receipt "
        f"{receipt['state']} {receipt['amount']:.2f} in "
        f"{receipt['settlement_id'] and receipt['settlement_id'][1]}",
    )

    # 5. Approved by a manager; the outlet remits what it owes, no more.
    manager(
        "fee.agent.settlement",
        "action_approve",
        [my_settlement["id"], their_settlement["id"]],
    )
    [posted] = admin(
        "fee.agent.settlement",
        "read",
        [my_settlement["id"]],
        ["state", "amount_to_remit", "amount_due"],
    )
    due = posted["amount_due"]

    # Named: the form proposes the bank, a call names where the money came in.
    [bank] = accountant("account.journal", "search", [("type", "=", "bank")], limit=1)

    def remit(amount):
        def steps():
            wizard = accountant(
                "fee.agent.remittance",
                "create",
                {
                    "settlement_id": my_settlement["id"],
                    "amount": amount,
                    "journal_id": bank,
                },
            )
            return accountant("fee.agent.remittance", "action_confirm", [wizard])

        return steps

    def settlement_state(_result):
        [done] = admin(
            "fee.agent.settlement",
            "read",
            [my_settlement["id"]],
            ["state", "amount_due"],
        )
        return f"{done['state']}, owes {done['amount_due']:.2f}"

    table.record(
        5,
        "outlet A's settlement, approved by the manager",
        "admin",
        "posted, 10.00 less 2.5%: 9.75 to remit",
        f"{posted['state']}, 10.00 less 2.5%: {posted['amount_to_remit']:.2f} to remit",
    )
    attempt(
        table,
        5,
        f"remit {due:.2f} as outlet staff",
        a1,
        refused(),
        steps=lambda: a1(
            "fee.agent.remittance",
            "create",
            {"settlement_id": my_settlement["id"], "amount": due},
        ),
    )
    for text, amount, expected in (
        (
            f"remit {due + 0.01:.2f} of the {due:.2f} owed",
            due + 0.01,
            refused("UserError"),
        ),
        (f"remit {due:.2f}", due, f"{ALLOWED}; paid, owes 0.00"),
        (f"remit {due:.2f} again", due, refused("UserError")),
    ):
        attempt(
            table,
            5,
            text,
            accountant,
            expected,
            steps=remit(amount),
            detail=settlement_state,
        )
    table.record(
        5,
        "what outlet A holds afterwards",
        "admin",
        "0.00",
        f"{_unremitted(admin, outlets['A']):.2f}",
    )


def test_agent_staff_are_kept_to_their_outlet(scene):
    table = Attempts()
    try:
        _attempts(scene, table)
    finally:
        print(f"\n{table.table()}\n")
    table.assert_as_expected()
    _check_books(scene["admin"], scene["company_id"])


# ----------------------------------------------------------------------------------
# Staff collecting at the same moment
# ----------------------------------------------------------------------------------


def _race(plans):
    """``plans``: {session: (label, prepare, act)}, acting at the same moment
    (``roles.race``): a row per session, what the act returned in ``done``."""
    return race(
        {session: [plan] for session, plan in plans.items()},
        who="user",
        what="label",
        result="done",
        wait=WAIT,
        request_timeout=REQUEST_TIMEOUT,
    )


def _collections(plans):
    """Collections at once: {clerk's session: (label, service number, amount)}."""
    return _race(
        {
            session: (
                label,
                lambda session=session, number=number: session.collect_form(number),
                lambda form, session=session, amount=amount: session.post_collection(
                    form, amount
                ),
            )
            for session, (label, number, amount) in plans.items()
        }
    )


def _print_race(title, rows, name=str):
    """The race's rows, what each did named by ``name``."""
    lines = [title]
    for row in rows:
        outcome = (
            name(row["done"])
            if row["done"]
            else f"REFUSED ({row['error'][0]}): {row['error'][1][:100]}"
        )
        lines.append(
            f"  {row['user']:<26} {row['label']:<26} start "
            f"{row.get('start', 0):5.2f} s, took "
            f"{row['end'] - row.get('start', row['end']):5.2f} s  {outcome}"
        )
    print("\n".join(lines))


def _receipt_name(admin):
    return lambda receipt_id: admin("fee.receipt", "read", [receipt_id], ["name"])[0][
        "name"
    ]


def _check_one_subscriber(admin, rows, partner, invoice):
    """Every receipt accepted booked once, the invoice paid by what they applied to it
    and by nothing else, the subscriber's balance the invoice less the receipts."""
    accepted = [row["done"] for row in rows if row["done"]]
    for row in rows:
        if not row["done"]:
            assert row["error"][0] == PAGE_REFUSAL, row["error"]
    receipts = admin(
        "fee.receipt",
        "search_read",
        [("partner_id", "=", partner)],
        ["amount", "state", "payment_id"],
    )
    assert sorted(receipt["id"] for receipt in receipts) == sorted(accepted), (
        "a receipt for each collection accepted, none for a refusal"
    )
    state = _invoice_state(admin, invoice)
    print(
        f"  invoice {state['name']}: {state['payment_state']}, total "
        f"{state['amount_total']:.2f}, residual {state['amount_residual']:.2f}, "
        f"applied {state['applied']:.2f} by {state['applied_by']}"
    )
    assert state["applied"] == state["reconciled"], (
        "the invoice is paid by what the receipts applied to it, nothing else"
    )
    assert (
        round(state["amount_total"] - state["amount_residual"], 2) == state["applied"]
    )
    balance = receivable_balance(admin, partner)
    assert balance == round(
        state["amount_total"] - sum(receipt["amount"] for receipt in receipts), 2
    ), "the subscriber owes the invoice less the receipts, once each"
    return state


@pytest.mark.parametrize(
    ("use", "clerks"),
    [("one outlet", ("a1", "a2")), ("two outlets", ("a1", "b1"))],
    ids=["one outlet", "two outlets"],
)
def test_two_clerks_collect_for_one_subscriber_at_once(scene, use, clerks):
    admin, staff = scene["admin"], scene["staff"]
    partner, invoice, number = scene["subscribers"][use]
    # Together more than owed: the later one applies what is left, the rest is credit.
    rows = _collections(
        {
            staff[clerk]: (f"{clerk}: 30.00 of 50.00 owed", number, 30.0)
            for clerk in clerks
        }
    )
    _print_race(
        f"\nClerks {' and '.join(clerks)} collect at once", rows, _receipt_name(admin)
    )
    accepted = [row for row in rows if row["done"]]
    assert accepted, [row["error"] for row in rows]
    state = _check_one_subscriber(admin, rows, partner, invoice)
    assert state["applied"] == min(50.0, 30.0 * len(accepted))
    names = _check_books(admin, scene["company_id"])
    print(f"  receipt numbers 1 to {len(names)}, no gap")


def test_two_clerks_of_one_outlet_at_its_credit_limit(scene):
    """Outlet C holds 75.00 of its 100.00 limit; two of its clerks take 25.00 each at
    once, for two subscribers: one reaches the limit, the other is refused."""
    admin, staff, outlet = scene["admin"], scene["staff"], scene["outlets"]["C"]
    first, second, third = (scene["subscribers"][f"limit {n}"] for n in (1, 2, 3))
    held = _unremitted(admin, outlet)
    staff["c1"].collect(first[2], CREDIT_LIMIT - 25.0 - held)
    assert _unremitted(admin, outlet) == CREDIT_LIMIT - 25.0
    rows = _collections(
        {
            staff["c1"]: ("c1: 25.00", second[2], 25.0),
            staff["c2"]: ("c2: 25.00", third[2], 25.0),
        }
    )
    _print_race(
        f"\nTwo clerks of outlet C at once, 75.00 held of {CREDIT_LIMIT:.2f}",
        rows,
        _receipt_name(admin),
    )
    held = _unremitted(admin, outlet)
    print(f"  outlet C holds {held:.2f} of its {CREDIT_LIMIT:.2f} limit")
    accepted = [row for row in rows if row["done"]]
    refusals = [row["error"] for row in rows if not row["done"]]
    assert len(accepted) == 1, f"one of them reaches the limit: {refusals}"
    [(kind, message)] = refusals
    assert kind == PAGE_REFUSAL and "credit limit" in message, message
    assert held == CREDIT_LIMIT
    for row, (partner, invoice, _number) in zip(
        sorted(rows, key=lambda row: row["user"]), (second, third), strict=True
    ):
        _check_one_subscriber(admin, [row], partner, invoice)
    _check_books(admin, scene["company_id"])


def test_two_accountants_settle_one_period_at_once(scene):
    """Outlet E's receipts settled by two accountants at the same moment, up to the
    same day: one settlement, each receipt in it once; the other accountant is told
    there is nothing left to settle."""
    admin, staff, outlet = scene["admin"], scene["staff"], scene["outlets"]["E"]
    _partner, _invoice, number = scene["subscribers"]["settled twice"]
    receipts = [staff["e1"].collect(number, amount) for amount in (12.0, 8.0)]
    make = {"agent_ids": [(6, 0, [outlet])], "date_to": scene["today"].isoformat()}

    def plan(session):
        return (
            "settle outlet E",
            lambda: session("fee.agent.settlement.make", "create", make),
            lambda wizard: session(
                "fee.agent.settlement.make", "action_confirm", [wizard]
            )["res_id"],
        )

    rows = _race(
        {staff[key]: plan(staff[key]) for key in ("accountant", "accountant2")}
    )
    settlements = admin(
        "fee.agent.settlement",
        "search_read",
        [("agent_id", "=", outlet)],
        ["name", "amount_collected", "receipt_count", "line_ids"],
    )
    names = {settlement["id"]: settlement["name"] for settlement in settlements}
    _print_race("\nTwo accountants settle outlet E at once", rows, names.get)
    print(f"  settlements of outlet E: {settlements}")
    refusals = [row["error"] for row in rows if not row["done"]]
    assert len(settlements) == 1, "one settlement of the outlet for the period"
    [settlement] = settlements
    assert (settlement["receipt_count"], settlement["amount_collected"]) == (2, 20.0)
    settled = admin("fee.receipt", "read", receipts, ["settlement_id"])
    assert {receipt["settlement_id"][0] for receipt in settled} == {settlement["id"]}
    assert len(settlement["line_ids"]) == 2, "each receipt settled once"
    assert len(refusals) == 1, refusals
    [(kind, message)] = refusals
    assert kind == "odoo.exceptions.UserError" and "Nothing to settle" in message, (
        f"the other accountant is told plainly: {kind}: {message}"
    )
