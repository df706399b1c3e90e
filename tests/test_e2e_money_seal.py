"""The money sealed, probed over JSON-RPC (and the web session, for printed documents) as
each role, on a real server: every finding of the review that opened the counter,
refunds, sessions, collectors' orders and documents to the wrong hands is tried again,
and must now be refused or give the right figures. Each attempt is a row of a table
(item of the review, attempt, role, expected, actual), printed, and all must match.

The scene is set up as ``admin``: a second company with its own cashier, the cast of
each role (logins carry a token of this run: the database is shared with the other
end-to-end tests), subscribers with overdue bills, an ordinary customer with a large
invoice, collection orders, and a receipt taken at the counter."""

import datetime
import json
import math
import urllib.error
import urllib.request
import uuid
from http.cookiejar import CookieJar

import pytest

from roles import (
    ALLOWED,
    Attempts,
    RoleSession,
    attempt,
    post_overdue_invoices,
    refused,
)

ROLES = {
    "collector": "fee_collection.group_fee_collector",
    "collector2": "fee_collection.group_fee_collector",
    "cashier": "fee_collection.group_fee_cashier",
    "cashier2": "fee_collection.group_fee_cashier",
    "accountant": "fee_collection.group_fee_accountant",
    "manager": "fee_collection.group_fee_manager",
    "clerk": "base.group_user",
}
BILL = 26.0


class Login(RoleSession):
    """A role's session, its login carrying the run's token."""

    def __init__(self, server, login, role):
        super().__init__(server, login)
        self.login = role


@pytest.fixture(scope="module")
def scene(server):
    admin = RoleSession(server, "admin")
    token = uuid.uuid4().hex[:6].lower()
    today = datetime.date.today()
    company_id = admin("res.users", "read", [admin.uid], ["company_id"])[0][
        "company_id"
    ][0]
    company2 = admin("res.company", "create", {"name": f"Second Branch {token}"})
    admin(
        "res.users",
        "write",
        [admin.uid],
        {"company_ids": [(4, company2)]},
    )
    admin(
        "account.chart.template",
        "try_loading",
        [],
        "generic_coa",
        company2,
        context={"allowed_company_ids": [company2, company_id]},
    )
    uids, sessions = {}, {}
    for role, group in ROLES.items():
        login = f"seal_{role}_{token}"
        uids[role] = admin(
            "res.users",
            "create",
            {
                "name": f"{role.title()} {token}",
                "login": login,
                "password": login,
                # Activities and chatter messages are sent as their users.
                "email": f"{login}@example.com",
                "company_id": company_id,
                "company_ids": [(6, 0, [company_id])],
                "groups_id": [(6, 0, [admin.ref(group)])],
            },
        )
    login = f"seal_cashier_c2_{token}"
    uids["cashier_c2"] = admin(
        "res.users",
        "create",
        {
            "name": f"Cashier of the second branch {token}",
            "login": login,
            "password": login,
            "email": f"{login}@example.com",
            "company_id": company2,
            "company_ids": [(6, 0, [company2])],
            "groups_id": [(6, 0, [admin.ref("fee_collection.group_fee_cashier")])],
        },
    )
    for role in [*ROLES, "cashier_c2"]:
        login = f"seal_{role}_{token}"
        sessions[role] = Login(server, login, role)
    area = admin(
        "fee.area",
        "create",
        {
            "name": f"Seal grid {token}",
            "code": f"SEAL-{token}",
            "collector_ids": [(6, 0, [uids["collector"]])],
        },
    )
    other_area = admin(
        "fee.area", "create", {"name": f"Seal grid {token} bis", "code": f"S2-{token}"}
    )
    item = admin(
        "product.product",
        "create",
        {
            "name": f"Cable TV (seal {token})",
            "type": "service",
            "is_fee_item": True,
            "list_price": BILL,
            "taxes_id": [(5, 0, 0)],
        },
    )

    def subscriber(name, **vals):
        return admin(
            "res.partner",
            "create",
            {
                "name": f"{name} {token}",
                "is_subscriber": True,
                "id_number": vals.pop("id_number", False),
                **vals,
            },
        )

    partners = {
        "own": subscriber("Li Na", area_id=area, id_number="11010519491231002X"),
        "other": subscriber(
            "Wang Fang", area_id=other_area, collector_id=uids["collector2"]
        ),
        "office": subscriber("Zhao Lei", area_id=other_area),
        "refund": subscriber("Sun Li", area_id=other_area),
        "written_off": subscriber("Zhou Jie", area_id=other_area),
        "customer": admin("res.partner", "create", {"name": f"Big Customer {token}"}),
    }
    invoices = post_overdue_invoices(
        admin, partners, item, today, {"customer": 987654.32}
    )
    orders = {
        key: admin(
            "fee.collection.order",
            "create",
            {
                "partner_id": partners[key],
                "collector_id": uids[collector],
                "order_type": "phone",
                "amount_due": BILL,
            },
        )
        for key, collector in (("own", "collector"), ("other", "collector2"))
    }
    cashier = sessions["cashier"]
    cashier("fee.cash.session", "create", {})
    counter = cashier(
        "fee.counter.payment", "create", {"partner_id": partners["office"]}
    )
    action = cashier("fee.counter.payment", "action_pay", [counter])
    receipt = admin("fee.receipt", "read", [action["res_id"]], ["payment_id"])[0]
    journals = admin(
        "account.journal",
        "search_read",
        [("fee_payment_method", "!=", False), ("company_id", "=", company_id)],
        ["name", "type", "fee_payment_method", "fee_collector_id"],
    )
    return {
        "admin": admin,
        "sessions": sessions,
        "uids": uids,
        "today": today,
        "token": token,
        "company_id": company_id,
        "company2": company2,
        "partners": partners,
        "invoices": invoices,
        "orders": orders,
        "receipt": action["res_id"],
        "payment": receipt["payment_id"][0],
        "journals": {
            journal["fee_payment_method"]: journal["id"]
            for journal in journals
            if not journal["fee_collector_id"]
        },
        "server": server,
    }


def counter_pay(session, partner, **vals):
    """Create the counter with ``vals`` and press Pay; returns the receipt's id."""

    def steps():
        counter = session(
            "fee.counter.payment", "create", {"partner_id": partner, **vals}
        )
        return session("fee.counter.payment", "action_pay", [counter])["res_id"]

    return steps


def fetch_document(scene, role, report, record_id):
    """The printed document (its HTML) as ``role``, through the web session as the
    browser gets it: (HTTP status, body)."""
    server = scene["server"]
    login = f"seal_{role}_{scene['token']}"
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    body = json.dumps(
        {
            "jsonrpc": "2.0",
            "params": {"db": server["db"], "login": login, "password": login},
        }
    ).encode()
    opener.open(
        urllib.request.Request(
            f"{server['url']}/web/session/authenticate",
            body,
            {"Content-Type": "application/json"},
        ),
        timeout=60,
    ).read()
    try:
        with opener.open(
            f"{server['url']}/report/html/{report}/{record_id}", timeout=120
        ) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def test_the_money_is_sealed(scene):
    admin, s = scene["admin"], scene["sessions"]
    partners, invoices, orders = scene["partners"], scene["invoices"], scene["orders"]
    payment, receipt = scene["payment"], scene["receipt"]
    journals = scene["journals"]
    table = Attempts()

    # 1. The payment under a receipt and its reconciliation: nobody changes them.
    cashier, cashier2, accountant = s["cashier"], s["cashier2"], s["accountant"]
    for session in (cashier, cashier2):
        for text, call in (
            ("action_draft on a receipt's payment", ("action_draft", [payment])),
            ("write amount=0.01 on it", ("write", [payment], {"amount": 0.01})),
            ("unlink it", ("unlink", [payment])),
        ):
            table.run(1, text, session, refused(), "account.payment", *call)
        for text, method in (
            ("button_draft on the invoice it paid", "button_draft"),
            ("button_cancel on the invoice it paid", "button_cancel"),
        ):
            table.run(
                1,
                text,
                session,
                refused(),
                "account.move",
                method,
                [invoices["office"]],
            )
        table.run(
            1,
            "create a credit note of the invoice",
            session,
            refused(),
            "account.move.reversal",
            "create",
            {"move_ids": [(6, 0, [invoices["office"]])], "journal_id": False},
        )
    table.run(
        1,
        "read a subscriber's invoice",
        cashier,
        ALLOWED,
        "account.move",
        "read",
        [invoices["office"]],
        ["amount_residual"],
    )
    table.run(
        1,
        "read an ordinary customer's invoice",
        cashier,
        refused(),
        "account.move",
        "read",
        [invoices["customer"]],
        ["amount_residual"],
    )
    payment_move = admin("account.payment", "read", [payment], ["move_id"])[0][
        "move_id"
    ][0]
    partial = admin(
        "account.partial.reconcile",
        "search",
        [("credit_move_id.move_id", "=", payment_move)],
    )[0]
    for text, model, call in (
        (
            "action_draft on a receipt's payment",
            "account.payment",
            ("action_draft", [payment]),
        ),
        ("action_cancel on it", "account.payment", ("action_cancel", [payment])),
        (
            "write amount=0.01 on it",
            "account.payment",
            ("write", [payment], {"amount": 0.01}),
        ),
        ("unlink it", "account.payment", ("unlink", [payment])),
        ("button_draft on its entry", "account.move", ("button_draft", [payment_move])),
        (
            "button_draft on the invoice it paid",
            "account.move",
            ("button_draft", [invoices["office"]]),
        ),
        (
            "remove its reconciliation from the invoice",
            "account.move",
            ("js_remove_outstanding_partial", [invoices["office"]], partial),
        ),
        (
            "unlink the reconciliation",
            "account.partial.reconcile",
            ("unlink", [partial]),
        ),
    ):
        table.run(1, text, accountant, refused("UserError"), model, *call)

    def sealed(_result=None):
        seal = admin("fee.receipt", "read", [receipt], ["state", "amount"])[0]
        pay = admin("account.payment", "read", [payment], ["state", "amount"])[0]
        invoice = admin(
            "account.move", "read", [invoices["office"]], ["payment_state"]
        )[0]
        return (
            f"receipt {seal['state']} {seal['amount']:.2f}, payment {pay['amount']:.2f}, "
            f"invoice {invoice['payment_state']}"
        )

    table.record(
        1,
        "the receipt, its payment and the invoice afterwards",
        "admin",
        f"receipt posted {BILL:.2f}, payment {BILL:.2f}, invoice paid",
        sealed(),
    )
    table.run(
        1,
        "void the receipt the same day (its cashier)",
        cashier,
        f"{ALLOWED}; invoice not_paid",
        "fee.receipt",
        "action_void",
        [receipt],
        reason="Wrong subscriber",
        detail=lambda _r: (
            "invoice "
            + admin("account.move", "read", [invoices["office"]], ["payment_state"])[0][
                "payment_state"
            ]
        ),
    )

    # 2. A receipt takes exactly the amount given, or is refused.
    def receipt_amount(receipt_id):
        taken = cashier(
            "fee.receipt", "read", [receipt_id], ["amount", "amount_credit"]
        )
        return (
            f"receipt {taken[0]['amount']:.2f}, credit {taken[0]['amount_credit']:.2f}"
        )

    attempt(
        table,
        2,
        "counter created with amount=999.00, paid",
        cashier,
        f"{ALLOWED}; receipt 999.00, credit {999 - BILL:.2f}",
        steps=counter_pay(cashier, partners["refund"], amount=999.0),
        detail=receipt_amount,
    )
    for text, amount, error in (
        ("amount=0", 0.0, "UserError"),
        ("amount=-5", -5.0, "UserError"),
        ("amount=NaN", math.nan, "ValidationError"),
        ("amount=inf", math.inf, "ValidationError"),
        ("amount=1,000,000,000", 1e9, "UserError"),
    ):
        attempt(
            table,
            2,
            f"counter created with {text}, paid",
            cashier,
            refused(error),
            steps=counter_pay(cashier, partners["office"], amount=amount),
        )
    collector = s["collector"]

    def outcome_paid(amount):
        def steps():
            outcome = collector(
                "fee.collection.outcome",
                "create",
                {"order_id": orders["own"], "outcome": "paid", "amount": amount},
            )
            return collector("fee.collection.outcome", "action_confirm", [outcome])[
                "res_id"
            ]

        return steps

    attempt(
        table,
        2,
        "outcome form created with outcome=paid, amount=5.00, confirmed",
        collector,
        f"{ALLOWED}; receipt 5.00",
        steps=outcome_paid(5.0),
        detail=lambda receipt_id: (
            "receipt "
            + f"{collector('fee.receipt', 'read', [receipt_id], ['amount'])[0]['amount']:.2f}"
        ),
    )

    # 3. A refund pays back what the manager approved, no more.
    manager = s["manager"]
    refund = accountant(
        "fee.refund.request",
        "create",
        {
            "partner_id": partners["refund"],
            "refund_type": "invoice",
            "invoice_id": invoices["refund"],
            "amount": 1.0,
            "reason": "Billed a day too many",
            "journal_id": journals["cash"],
        },
    )
    accountant("fee.refund.request", "action_submit", [refund])
    table.run(
        3,
        "approve a refund of 1.00 of a paid charge",
        manager,
        ALLOWED,
        "fee.refund.request",
        "action_approve",
        [refund],
    )
    table.run(
        3,
        "change the approved refund's payment method",
        accountant,
        refused("UserError"),
        "fee.refund.request",
        "write",
        [refund],
        {"journal_id": journals["transfer"]},
    )

    def paid_back(_result):
        done = admin("fee.refund.request", "read", [refund], ["payment_id"])[0]
        amount = admin("account.payment", "read", [done["payment_id"][0]], ["amount"])
        return f"paid back {amount[0]['amount']:.2f}"

    table.run(
        3,
        "execute it",
        accountant,
        f"{ALLOWED}; paid back 1.00",
        "fee.refund.request",
        "action_execute",
        [refund],
        detail=paid_back,
    )
    too_much = accountant(
        "fee.refund.request",
        "create",
        {
            "partner_id": partners["own"],
            "refund_type": "invoice",
            "invoice_id": invoices["own"],
            "amount": 100.0,
            "reason": "More than billed",
            "journal_id": journals["cash"],
        },
    )
    table.run(
        3,
        "submit a refund of 100.00 of a 26.00 charge",
        accountant,
        refused("UserError"),
        "fee.refund.request",
        "action_submit",
        [too_much],
    )

    # 4. (c, d) Sessions tie per payment method; the counter takes the counter's money
    # from subscribers only.
    field_cash = admin(
        "account.journal",
        "search",
        [("fee_collector_id", "=", scene["uids"]["collector"])],
    )
    attempt(
        table,
        4,
        "counter paid in a collector's cash journal",
        cashier,
        refused("UserError"),
        steps=counter_pay(
            cashier, partners["office"], amount=1.0, journal_id=field_cash[0]
        ),
    )
    attempt(
        table,
        4,
        "counter paid by an ordinary customer",
        cashier,
        refused("UserError"),
        steps=counter_pay(cashier, partners["customer"], amount=1.0),
    )
    attempt(
        table,
        4,
        "counter paid by bank transfer, 60.00",
        cashier,
        ALLOWED,
        steps=counter_pay(
            cashier, partners["own"], amount=60.0, journal_id=journals["transfer"]
        ),
    )
    [session_id] = cashier(
        "fee.cash.session",
        "search",
        [("state", "=", "open"), ("user_id", "=", cashier.uid)],
    )
    for line in cashier(
        "fee.cash.session.line",
        "search_read",
        [("session_id", "=", session_id)],
        ["journal_id", "expected_amount"],
    ):
        shift = {journals["cash"]: -60.0, journals["transfer"]: 60.0}.get(
            line["journal_id"][0], 0.0
        )
        cashier(
            "fee.cash.session.line",
            "write",
            [line["id"]],
            {"counted_amount": line["expected_amount"] + shift},
        )
    cashier("fee.cash.session", "action_close", [session_id])
    table.run(
        4,
        "validate cash 60 short and bank 60 over, unexplained",
        accountant,
        refused("UserError"),
        "fee.cash.session",
        "action_validate",
        [session_id],
    )
    accountant(
        "fee.cash.session",
        "write",
        [session_id],
        {"difference_note": "Bank slip booked as cash"},
    )

    def differences(_result):
        entries = admin(
            "fee.cash.session", "read", [session_id], ["difference_move_ids"]
        )[0]["difference_move_ids"]
        alerts = admin("fee.anomaly", "search_count", [("session_id", "=", session_id)])
        return f"{len(entries)} difference entries, {alerts} alerts"

    table.run(
        4,
        "validate it, explained",
        accountant,
        f"{ALLOWED}; 2 difference entries, 2 alerts",
        "fee.cash.session",
        "action_validate",
        [session_id],
        detail=differences,
    )

    # 5. Nobody approves their own money or request.
    accountant("fee.cash.session", "create", {})
    attempt(
        table,
        5,
        "take money at the counter, close and validate one's own session",
        accountant,
        refused("UserError"),
        steps=lambda: (
            counter_pay(accountant, partners["office"], amount=BILL)(),
            accountant(
                "fee.cash.session",
                "action_close",
                accountant(
                    "fee.cash.session",
                    "search",
                    [("state", "=", "open"), ("user_id", "=", accountant.uid)],
                ),
            ),
            accountant(
                "fee.cash.session",
                "action_validate",
                accountant(
                    "fee.cash.session",
                    "search",
                    [("state", "=", "closed"), ("user_id", "=", accountant.uid)],
                ),
            ),
        ),
    )
    own_refund = manager(
        "fee.refund.request",
        "create",
        {
            "partner_id": partners["refund"],
            "refund_type": "credit",
            "amount": 10.0,
            "reason": "Overpaid",
            "journal_id": journals["cash"],
        },
    )
    manager("fee.refund.request", "action_submit", [own_refund])
    table.run(
        5,
        "approve one's own refund",
        manager,
        refused("UserError"),
        "fee.refund.request",
        "action_approve",
        [own_refund],
    )
    write_off = manager(
        "fee.write.off",
        "create",
        {"partner_id": partners["written_off"], "reason": "Moved abroad"},
    )
    manager("fee.write.off", "action_submit", [write_off])
    table.run(
        5,
        "approve one's own write-off",
        manager,
        refused("UserError"),
        "fee.write.off",
        "action_approve",
        [write_off],
    )

    # 6. An order's outcome only through the outcome form.
    table.run(
        6,
        "write outcome=paid on an own order",
        s["collector2"],
        refused(),
        "fee.collection.order",
        "write",
        [orders["other"]],
        {"outcome": "paid"},
    )
    table.run(
        6,
        "action_done on it",
        s["collector2"],
        refused("UserError"),
        "fee.collection.order",
        "action_done",
        [orders["other"]],
    )
    table.run(
        6,
        "write outcome=promise, promise_amount=-1000 on it",
        s["collector2"],
        refused(),
        "fee.collection.order",
        "write",
        [orders["other"]],
        {
            "outcome": "promise",
            "promise_amount": -1000.0,
            "promise_date": (scene["today"] + datetime.timedelta(days=5)).isoformat(),
        },
    )

    # 7. Money of a subscriber is taken in its company only.
    cashier_c2 = s["cashier_c2"]
    cashier_c2("fee.cash.session", "create", {})
    attempt(
        table,
        7,
        "second branch's counter on a first branch's subscriber",
        cashier_c2,
        refused(),
        steps=counter_pay(cashier_c2, partners["office"], amount=BILL),
    )
    found = cashier_c2(
        "fee.counter.payment",
        "read",
        [
            cashier_c2(
                "fee.counter.payment",
                "create",
                {"search_text": f"Zhao Lei {scene['token']}"},
            )
        ],
        ["candidate_ids"],
    )[0]["candidate_ids"]
    table.record(
        7,
        "find a first branch's subscriber at the second branch's counter",
        cashier_c2.login,
        "none found",
        "none found" if not found else f"found {found}",
    )

    # 10. Letters and statements: of the subscribers one works on only.
    statement = "fee_collection.report_subscriber_statement"
    names = {
        key: record["name"]
        for key, record in zip(
            partners,
            admin("res.partner", "read", list(partners.values()), ["name"]),
            strict=True,
        )
    }
    for role, key, expected in (
        ("collector2", "other", "printed"),
        ("collector", "customer", "refused"),
        ("collector", "other", "refused"),
        ("clerk", "other", "refused"),
        ("cashier_c2", "office", "refused"),
    ):
        status, body = fetch_document(scene, role, statement, partners[key])
        printed = status == 200 and names[key] in body
        leaked = "987,654.32" in body or "987654.32" in body
        actual = "printed" if printed else "refused"
        if status == 200 and not printed:
            actual = f"answered {status} without the subscriber"
        if leaked:
            actual += ", the customer's invoice shown"
        table.record(
            10,
            f"print the overdue statement of the {key} subscriber",
            role,
            expected,
            actual,
            why=f"HTTP {status}",
        )

    # 11. ID numbers and overdue figures for fee collection users only.
    clerk = s["clerk"]
    table.run(
        11,
        "read a subscriber's id_number",
        clerk,
        refused(),
        "res.partner",
        "read",
        [partners["own"]],
        ["id_number"],
    )
    table.run(
        11,
        "search partners by fee_overdue_amount",
        clerk,
        refused(),
        "res.partner",
        "search",
        [("fee_overdue_amount", ">", 0)],
    )
    table.run(
        11,
        "read an own subscriber's id_number",
        collector,
        ALLOWED,
        "res.partner",
        "read",
        [partners["own"]],
        ["id_number"],
    )
    seen = cashier_c2("res.partner", "search", [("id", "in", list(partners.values()))])
    subscribers_seen = set(seen) & {
        partners[key] for key in partners if key != "customer"
    }
    table.record(
        11,
        "search the first branch's subscribers",
        cashier_c2.login,
        "none found",
        "none found" if not subscribers_seen else f"found {sorted(subscribers_seen)}",
    )

    print(f"\n{table.table()}\n")
    table.assert_as_expected()
