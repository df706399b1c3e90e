"""Logged in over JSON-RPC as the demo's collector, cashier and accountant, each tries
what their role may and may not do: reads, writes, creates and actions. Every attempt is
a row of a table (attempt, role, expected, actual), printed, and every forbidden attempt
must be refused (an RPC error) while the allowed ones succeed.

The e2e database has no demo data: the scene (users with the demo's logins, an area, a
fee item, subscribers, a dunning policy, overdue invoices, a dunning run that issues the
collection orders) is set up first as ``admin``."""

import datetime
import uuid

import pytest

from jsonrpc import RpcError
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
    "accountant": "fee_collection.group_fee_accountant",
}


@pytest.fixture(scope="module")
def scene(server):
    """The demo's cast and what they work on, created as admin. Names carry a token of
    this run: the database is shared with the other end-to-end tests."""
    admin = RoleSession(server, "admin")
    token = uuid.uuid4().hex[:6].upper()
    today = datetime.date.today()
    uids = {}
    for login, group in ROLES.items():
        found = admin(
            "res.users",
            "search",
            [("login", "=", login)],
            context={"active_test": False},
        )
        uids[login] = (
            found[0]
            if found
            else admin(
                "res.users",
                "create",
                {
                    "name": login.title(),
                    "login": login,
                    "password": login,
                    "groups_id": [(6, 0, [admin.ref(group)])],
                },
            )
        )
    area = admin(
        "fee.area",
        "create",
        {
            "name": f"Access grid {token}",
            "code": f"ACC-{token}",
            "collector_ids": [(6, 0, [uids["collector"]])],
        },
    )
    other_area = admin(
        "fee.area",
        "create",
        {"name": f"Access grid {token} bis", "code": f"ACC-{token}-2"},
    )
    # Priced and taxed as the fee item of the other end-to-end tests, which bill the first
    # fee item they find.
    item = admin(
        "product.product",
        "create",
        {
            "name": f"Cable TV (access {token})",
            "type": "service",
            "is_fee_item": True,
            "list_price": 26.0,
            "taxes_id": [(5, 0, 0)],
        },
    )
    policy = admin(
        "fee.dunning.policy",
        "create",
        {
            "name": f"Access {token}",
            "level_ids": [
                (
                    0,
                    0,
                    {
                        "sequence": 10,
                        "name": "Call",
                        "days_overdue": 1,
                        "order_type": "phone",
                    },
                ),
                (
                    0,
                    0,
                    {
                        "sequence": 20,
                        "name": "Visit",
                        "days_overdue": 60,
                        "order_type": "visit",
                    },
                ),
            ],
        },
    )
    other_policy = admin(
        "fee.dunning.policy", "create", {"name": f"Access {token} VIP"}
    )
    levels = admin(
        "fee.dunning.level", "search", [("policy_id", "=", policy)], order="sequence"
    )

    def subscriber(name, **vals):
        return admin(
            "res.partner",
            "create",
            {
                "name": f"{name} {token}",
                "is_subscriber": True,
                "dunning_policy_id": policy,
                **vals,
            },
        )

    partners = {
        # In the collector's area.
        "own": subscriber("Li Na", area_id=area),
        # Assigned to collector2, in another area.
        "other": subscriber(
            "Wang Fang", area_id=other_area, collector_id=uids["collector2"]
        ),
        # Nobody's: the invoices and file the cashier and accountant work on.
        "office": subscriber("Zhao Lei", area_id=other_area),
    }
    invoices = post_overdue_invoices(admin, partners, item, today)
    # A service starting after today: the billing runs of the other tests leave it alone.
    service = admin(
        "fee.subscription",
        "create",
        {
            "partner_id": partners["office"],
            "product_id": item,
            "service_number": f"ACC-{token}",
            "date_start": (today + datetime.timedelta(days=200)).isoformat(),
        },
    )
    admin("fee.subscription", "action_activate", [service])

    # Dunning today: each subscriber reaches the first level, which issues a phone order
    # to the subscriber's collector.
    run = admin("fee.dunning.run", "create", {"date": today.isoformat()})
    admin("fee.dunning.run", "action_execute", [run])
    orders = {
        order["partner_id"][0]: order
        for order in admin(
            "fee.collection.order",
            "search_read",
            [("dunning_line_id.run_id", "=", run)],
            ["partner_id", "collector_id", "state"],
        )
    }
    assert {
        key: orders[partner]["collector_id"] and orders[partner]["collector_id"][0]
        for key, partner in partners.items()
        if partner in orders
    } == {
        "own": uids["collector"],
        "other": uids["collector2"],
        "office": False,
    }, "the dunning run issues an order to each subscriber's collector"
    sessions = {login: RoleSession(server, login) for login in ROLES}
    other_attempt = sessions["collector2"](
        "fee.collection.attempt",
        "create",
        {
            "order_id": orders[partners["other"]]["id"],
            "channel": "phone",
            "result": "no_answer",
        },
    )
    return {
        "admin": admin,
        "sessions": sessions,
        "uids": uids,
        "today": today,
        "partners": partners,
        "invoices": invoices,
        "levels": levels,
        "other_policy": other_policy,
        "service": service,
        "run": run,
        "orders": {key: orders[partner]["id"] for key, partner in partners.items()},
        "other_attempt": other_attempt,
    }


def test_each_role_is_refused_what_it_may_not_do(scene):
    admin = scene["admin"]
    s = scene["sessions"]
    collector, collector2 = s["collector"], s["collector2"]
    cashier, accountant = s["cashier"], s["accountant"]
    uids, partners, orders = scene["uids"], scene["partners"], scene["orders"]
    invoice = scene["invoices"]["office"]
    today = scene["today"]
    logins = {uid: login for login, uid in uids.items()}
    table = Attempts()

    # 4. Attempts of an order are read by its collector only, and logged in one's own name.
    found = collector(
        "fee.collection.attempt", "search", [("order_id", "=", orders["other"])]
    )
    table.record(
        4,
        "search attempts of collector2's order",
        "collector",
        "none visible",
        "none visible" if not found else f"visible: {found}",
    )
    table.run(
        4,
        "read an attempt of collector2's order",
        collector,
        refused(),
        "fee.collection.attempt",
        "read",
        [scene["other_attempt"]],
        ["note", "result"],
    )
    table.run(
        4,
        "create an attempt on collector2's order",
        collector,
        refused(),
        "fee.collection.attempt",
        "create",
        {"order_id": orders["other"], "result": "reached"},
    )
    created = []

    def logged_by(attempt_id):
        created.append(attempt_id)
        user = admin("fee.collection.attempt", "read", [attempt_id], ["user_id"])[0]
        return f"logged by {logins.get(user['user_id'][0], user['user_id'][1])}"

    table.run(
        4,
        "create an attempt on an own order with user_id=collector2",
        collector,
        f"{ALLOWED}; logged by collector",
        "fee.collection.attempt",
        "create",
        {
            "order_id": orders["own"],
            "result": "reached",
            "user_id": uids["collector2"],
        },
        detail=logged_by,
    )
    if created:
        table.run(
            4,
            "write user_id=collector2 on an own attempt",
            collector,
            refused(),
            "fee.collection.attempt",
            "write",
            created,
            {"user_id": uids["collector2"]},
        )

    # 6. A collector records an order's outcome, nothing else, on their own orders only.
    for field, value in {
        "partner_id": partners["office"],
        "amount_due": 1.0,
        "collector_id": uids["collector2"],
        "level_id": scene["levels"][-1],
        "state": "cancel",
    }.items():
        table.run(
            6,
            f"write {field} on an own order",
            collector,
            refused(),
            "fee.collection.order",
            "write",
            [orders["own"]],
            {field: value},
        )
    table.run(
        6,
        "write outcome on collector2's order",
        collector,
        refused(),
        "fee.collection.order",
        "write",
        [orders["other"]],
        {"outcome": "refused"},
    )

    # 1. A promise to pay within the company's horizon, no further.
    horizon = admin("res.company", "search_read", [], ["fee_promise_max_days"])[0][
        "fee_promise_max_days"
    ]
    table.run(
        1,
        "write a promise on an own order directly",
        collector,
        refused(),
        "fee.collection.order",
        "write",
        [orders["own"]],
        {"outcome": "promise", "promise_date": "2099-12-31"},
    )

    def promise(date):
        """The promise recorded through the outcome form, as the collector."""

        def steps():
            outcome = collector(
                "fee.collection.outcome",
                "create",
                {"order_id": orders["own"], "outcome": "promise", "promise_date": date},
            )
            return collector("fee.collection.outcome", "action_confirm", [outcome])

        return steps

    attempt(
        table,
        1,
        "promise on an own order, 2099-12-31 (beyond the horizon)",
        collector,
        refused("ValidationError"),
        steps=promise("2099-12-31"),
    )
    promised = (today + datetime.timedelta(days=min(20, horizon))).isoformat()

    def promised_invoices(_result):
        overdue = admin(
            "account.move",
            "search_read",
            [
                ("partner_id", "=", partners["own"]),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("invoice_date_due", "<", today.isoformat()),
            ],
            ["promise_date"],
        )
        held = [move for move in overdue if move["promise_date"] == promised]
        return f"{len(held)}/{len(overdue)} overdue invoices promised"

    attempt(
        table,
        1,
        f"promise on an own order, {promised} (within {horizon} days)",
        collector,
        f"{ALLOWED}; 1/1 overdue invoices promised",
        steps=promise(promised),
        detail=promised_invoices,
    )

    def order_state(_result):
        state = admin("fee.collection.order", "read", [orders["own"]], ["state"])
        return f"order {state[0]['state']}"

    table.run(
        6,
        "action_done on an own order with its outcome",
        collector,
        f"{ALLOWED}; order done",
        "fee.collection.order",
        "action_done",
        [orders["own"]],
        detail=order_state,
    )

    # 5. Dunning history: of one's own subscribers only.
    assigned = {
        login: set(
            admin(
                "res.partner",
                "search",
                [
                    ("is_subscriber", "=", True),
                    "|",
                    ("collector_id", "=", uids[login]),
                    ("area_id.collector_ids", "in", [uids[login]]),
                ],
                context={"active_test": False},
            )
        )
        for login in ("collector", "collector2")
    }
    for session, own, theirs, their_name in (
        (collector, partners["own"], partners["other"], "collector2's"),
        (collector2, partners["other"], partners["own"], "collector's"),
    ):
        for model in ("fee.dunning.line", "fee.dunning.action"):
            seen = {
                record["partner_id"][0]
                for record in session(model, "search_read", [], ["partner_id"])
            }
            strays = seen - assigned[session.login]
            actual = (
                f"own: {'yes' if own in seen else 'no'}, "
                f"{their_name}: {'yes' if theirs in seen else 'no'}"
            )
            if strays:
                actual += f", other subscribers: {len(strays)}"
            table.record(
                5,
                f"search_read {model}",
                session.login,
                f"own: yes, {their_name}: no",
                actual,
            )

    # 2. Invoices: waivers and levels are the workflows'; pausing dunning the accountant's.
    for session in (cashier, accountant):
        for field, value in {
            "late_fee_waived": True,
            "late_fee_waive_reason": "Friend of the boss",
            "dunning_level_id": scene["levels"][-1],
        }.items():
            table.run(
                2,
                f"write {field} on an invoice",
                session,
                refused(),
                "account.move",
                "write",
                [invoice],
                {field: value},
            )
        for field, value in {
            "promise_date": (today + datetime.timedelta(days=10)).isoformat(),
            "dispute_state": "disputed",
        }.items():
            table.run(
                2,
                f"write {field} on an invoice",
                session,
                ALLOWED if session is accountant else refused(),
                "account.move",
                "write",
                [invoice],
                {field: value},
            )

    # 3. Subscriber file and services: levels, policies, exemptions and states are not
    # typed in.
    for session in (cashier, accountant):
        for field, value in {
            "dunning_level_id": scene["levels"][-1],
            "dunning_policy_id": scene["other_policy"],
            "dunning_exempt": True,
        }.items():
            table.run(
                3,
                f"write {field} on a subscriber",
                session,
                refused(),
                "res.partner",
                "write",
                [partners["office"]],
                {field: value},
            )
    table.run(
        3,
        "write state=suspended on a service",
        accountant,
        refused(),
        "fee.subscription",
        "write",
        [scene["service"]],
        {"state": "suspended"},
    )

    def service_state(_result):
        state = admin("fee.subscription", "read", [scene["service"]], ["state"])
        return f"service {state[0]['state']}"

    table.run(
        3,
        "action_suspend(reason=...) on a service",
        accountant,
        f"{ALLOWED}; service suspended",
        "fee.subscription",
        "action_suspend",
        [scene["service"]],
        reason="Moving house",
        detail=service_state,
    )

    # 7. Billing is the accountant's: a refused run takes no number.
    sequence = admin(
        "ir.sequence", "search", [("code", "=", "fee.billing.run")], limit=1
    )

    def next_number():
        return admin("ir.sequence", "read", sequence, ["number_next_actual"])[0][
            "number_next_actual"
        ]

    for session in (collector, cashier):
        before = next_number()
        try:
            session("fee.billing.run", "create", {"date": today.isoformat()})
        except RpcError as error:
            actual = refused((error.name or "?").rsplit(".", 1)[-1])
            why = str(error).splitlines()[0]
        else:
            actual, why = ALLOWED, ""
        after = next_number()
        actual += (
            "; number unchanged" if after == before else f"; number {before} -> {after}"
        )
        table.record(
            7,
            "create fee.billing.run",
            session.login,
            f"{refused()}; number unchanged",
            actual,
            why=why,
        )

    print(f"\n{table.table()}\n")
    table.assert_as_expected()
