"""Two collectors over JSON-RPC: collector A, logged in as themself, tries to act on
collector B's order, subscriber, receipt and round by id (read, write, the outcome form,
money taken in A's own cash, an attempt logged on it) and to change what is not a
collector's to change on an order of their own. Every attempt must be refused, and
nothing half-written: re-read as ``admin``, B's order and A's own are as they were, and
no receipt, payment, attempt, cash session or chatter message was added. Every attempt is
a row of a table (attempt, expected, actual), printed (``pytest -s``).

The scene is set up as ``admin``, as in test_e2e_access.py: two collectors with an area
each, their subscribers with an overdue invoice, a dunning run that issues the orders;
B takes 10.00 in the field on one of theirs, so that B has a receipt and an open round
(the first row of the table: what a collector must be able to do)."""

import datetime
import uuid

import pytest
from test_e2e_access import ALLOWED, Attempts, RoleSession, refused

# What is compared before and after the attempts.
ORDER_FIELDS = [
    "state",
    "outcome",
    "promise_date",
    "promise_amount",
    "promise_state",
    "reason_id",
    "collector_id",
    "amount_due",
    "attempt_ids",
    "receipt_ids",
    "message_ids",
    "write_date",
]
COUNTED = {
    "fee.receipt": [],
    "account.payment": [],
    "fee.collection.attempt": [],
    "fee.cash.session": [],
    "fee.collection.order": [],
}


@pytest.fixture(scope="module")
def scene(server):
    admin = RoleSession(server, "admin")
    token = uuid.uuid4().hex[:6].upper()
    today = datetime.date.today()
    collector_group = admin.ref("fee_collection.group_fee_collector")
    logins, uids, areas = {}, {}, {}
    for key in ("a", "b"):
        logins[key] = f"collector_{key}_{token.lower()}"
        uids[key] = admin(
            "res.users",
            "create",
            {
                "name": f"Collector {key.upper()} {token}",
                "login": logins[key],
                "password": logins[key],
                "groups_id": [(6, 0, [collector_group])],
            },
        )
        areas[key] = admin(
            "fee.area",
            "create",
            {
                "name": f"Collectors grid {key.upper()} {token}",
                "code": f"COL-{token}-{key.upper()}",
                "collector_ids": [(6, 0, [uids[key]])],
            },
        )
    policy = admin(
        "fee.dunning.policy",
        "create",
        {
            "name": f"Collectors {token}",
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
                )
            ],
        },
    )
    area_of = {"a": areas["a"], "b": areas["b"], "b_paid": areas["b"]}
    partners = {
        key: admin(
            "res.partner",
            "create",
            {
                "name": f"Subscriber {key.upper()} {token}",
                "is_subscriber": True,
                "dunning_policy_id": policy,
                "area_id": area,
            },
        )
        for key, area in area_of.items()
    }
    # Untaxed lines without a product: the other end-to-end tests bill the first fee
    # item they find, and find none of this file's.
    invoices = admin(
        "account.move",
        "create",
        [
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
                            "name": f"Cable TV ({token})",
                            "quantity": 1,
                            "price_unit": 26.0,
                            "tax_ids": [(5, 0, 0)],
                        },
                    )
                ],
            }
            for partner in partners.values()
        ],
    )
    admin("account.move", "action_post", invoices)
    run = admin("fee.dunning.run", "create", {"date": today.isoformat()})
    admin("fee.dunning.run", "action_execute", [run])
    orders = {
        order["partner_id"][0]: order
        for order in admin(
            "fee.collection.order",
            "search_read",
            [("partner_id", "in", list(partners.values())), ("state", "=", "open")],
            ["partner_id", "collector_id"],
        )
    }
    assert {
        key: orders[partner]["collector_id"][0] for key, partner in partners.items()
    } == {"a": uids["a"], "b": uids["b"], "b_paid": uids["b"]}, (
        "the dunning run issues an open order to each subscriber's collector"
    )
    orders = {key: orders[partner]["id"] for key, partner in partners.items()}

    # B takes 10.00 in the field on one of theirs: a receipt, and B's round is open.
    # Part of the table (a collector must be able to): when B cannot, the rows on B's
    # receipt and round say so.
    sessions = {key: RoleSession(server, login) for key, login in logins.items()}
    payment = Attempts()
    receipts = []

    def field_receipt(_result):
        found = admin(
            "fee.receipt",
            "search_read",
            [("user_id", "=", uids["b"])],
            ["amount", "channel", "cash_session_id"],
        )
        receipts.extend(found)
        return "; ".join(f"receipt {r['amount']:.2f} {r['channel']}" for r in found)

    wizard = sessions["b"](
        "fee.collection.outcome",
        "create",
        {"order_id": orders["b_paid"], "outcome": "partial", "amount": 10.0},
    )
    payment.run(
        0,
        "B: take 10.00 in the field on own order (outcome partial)",
        sessions["b"],
        f"{ALLOWED}; receipt 10.00 field",
        "fee.collection.outcome",
        "action_confirm",
        [wizard],
        detail=field_receipt,
    )
    receipt = receipts[0] if receipts else None
    return {
        "admin": admin,
        "sessions": sessions,
        "uids": uids,
        "partners": partners,
        "orders": orders,
        "payment": payment.rows,
        "receipt": receipt and receipt["id"],
        "field_session": receipt and receipt["cash_session_id"][0],
        "today": today,
    }


def _snapshot(admin, scene):
    """What must not change: both open orders, B's subscriber's invoice, and how many
    receipts, payments, attempts, sessions and orders there are."""
    orders = {
        order["id"]: order
        for order in admin(
            "fee.collection.order",
            "read",
            [scene["orders"]["a"], scene["orders"]["b"]],
            ORDER_FIELDS,
        )
    }
    residual = admin(
        "account.move",
        "search_read",
        [
            ("partner_id", "=", scene["partners"]["b"]),
            ("move_type", "=", "out_invoice"),
        ],
        ["amount_residual", "promise_date"],
    )
    counts = {
        model: admin(model, "search_count", domain) for model, domain in COUNTED.items()
    }
    return {"orders": orders, "invoices": residual, "counts": counts}


def test_a_collector_cannot_act_on_another_s_order(scene):
    admin = scene["admin"]
    a = scene["sessions"]["a"]
    uids, orders, partners = scene["uids"], scene["orders"], scene["partners"]
    theirs, own = orders["b"], orders["a"]
    table = Attempts()
    table.rows.extend(scene["payment"])

    # Control: A works their own order (so that what follows is refused for being B's,
    # not for being a collector's). The outcome form makes A's own cash journal.
    table.run(
        0,
        "A: read own order",
        a,
        ALLOWED,
        "fee.collection.order",
        "read",
        [own],
        ["name", "amount_due"],
    )
    table.run(
        0,
        "A: open the outcome form of own order (create outcome)",
        a,
        ALLOWED,
        "fee.collection.outcome",
        "create",
        {"order_id": own, "outcome": "paid"},
    )
    cash_a = admin("account.journal", "search", [("fee_collector_id", "=", uids["a"])])
    assert len(cash_a) == 1, "A's own cash journal, made by A's outcome form"
    before = _snapshot(admin, scene)

    # 1. B's order, by id.
    found = a("fee.collection.order", "search", [("id", "=", theirs)])
    table.record(
        1,
        "A: search B's order by id",
        a.login,
        "none visible",
        "none visible" if not found else f"visible: {found}",
    )
    table.run(
        1,
        "A: read B's order",
        a,
        refused(),
        "fee.collection.order",
        "read",
        [theirs],
        ["name", "amount_due", "partner_id"],
    )
    table.run(
        1,
        "A: write outcome=refused on B's order",
        a,
        refused(),
        "fee.collection.order",
        "write",
        [theirs],
        {"outcome": "refused"},
    )
    table.run(
        1,
        "A: write a promise on B's order",
        a,
        refused(),
        "fee.collection.order",
        "write",
        [theirs],
        {
            "outcome": "promise",
            "promise_date": (scene["today"] + datetime.timedelta(days=5)).isoformat(),
        },
    )
    table.run(
        1,
        "A: write collector_id=A on B's order",
        a,
        refused(),
        "fee.collection.order",
        "write",
        [theirs],
        {"collector_id": uids["a"]},
    )
    table.run(
        1,
        "A: action_open_outcome on B's order",
        a,
        refused(),
        "fee.collection.order",
        "action_open_outcome",
        [theirs],
        context={"outcome": "paid"},
    )
    table.run(
        1,
        "A: action_done on B's order",
        a,
        refused(),
        "fee.collection.order",
        "action_done",
        [theirs],
    )

    # 2. Money taken on B's subscriber, in A's own cash.
    wizards = []
    table.run(
        2,
        "A: create outcome paid 10.00 in A's cash on B's order",
        a,
        refused(),
        "fee.collection.outcome",
        "create",
        {
            "order_id": theirs,
            "outcome": "paid",
            "amount": 10.0,
            "journal_id": cash_a[0],
        },
        detail=lambda wizard: wizards.append(wizard) or f"outcome {wizard}",
    )
    if wizards:
        table.run(
            2,
            "A: read amount_due, order_id through that outcome",
            a,
            refused(),
            "fee.collection.outcome",
            "read",
            wizards,
            ["amount_due", "order_id"],
            detail=lambda rows: "; ".join(
                f"{row['order_id'] and row['order_id'][1]} due {row['amount_due']}"
                for row in rows
            ),
        )
        table.run(
            2,
            "A: action_confirm that outcome",
            a,
            refused(),
            "fee.collection.outcome",
            "action_confirm",
            wizards,
        )
    table.run(
        2,
        "A: create attempt on B's order",
        a,
        refused(),
        "fee.collection.attempt",
        "create",
        {"order_id": theirs, "channel": "phone", "result": "reached"},
    )

    # 3. What is B's: the subscriber, the receipt, the round.
    table.run(
        3,
        "A: read B's subscriber (res.partner)",
        a,
        refused(),
        "res.partner",
        "read",
        [partners["b"]],
        ["name", "phone", "street"],
    )
    if scene["receipt"]:
        table.run(
            3,
            "A: read B's receipt",
            a,
            refused(),
            "fee.receipt",
            "read",
            [scene["receipt"]],
            ["name", "amount", "partner_id"],
        )
        table.run(
            3,
            "A: read B's field session",
            a,
            refused(),
            "fee.cash.session",
            "read",
            [scene["field_session"]],
            ["name", "user_id", "state"],
        )
    else:
        for attempt in ("A: read B's receipt", "A: read B's field session"):
            table.record(3, attempt, a.login, refused(), "not tried: B has no receipt")
    seen = a("fee.receipt", "search", [])
    table.record(
        3,
        "A: search receipts",
        a.login,
        "none visible",
        "none visible" if not seen else f"visible: {seen}",
    )

    # 4. A's own order: what the dispatch and the accountants set.
    table.run(
        4,
        "A: write collector_id=B on own order",
        a,
        refused(),
        "fee.collection.order",
        "write",
        [own],
        {"collector_id": uids["b"]},
    )
    table.run(
        4,
        "A: write amount_due=0.01 on own order",
        a,
        refused(),
        "fee.collection.order",
        "write",
        [own],
        {"amount_due": 0.01},
    )

    # 5. Nothing half-written, as admin.
    after = _snapshot(admin, scene)
    for key, name in ((theirs, "B's order"), (own, "A's order")):
        changed = sorted(
            field
            for field in ORDER_FIELDS
            if before["orders"][key][field] != after["orders"][key][field]
        )
        table.record(
            5,
            f"admin: {name} afterwards",
            "admin",
            "unchanged",
            "unchanged" if not changed else f"changed: {', '.join(changed)}",
        )
    table.record(
        5,
        "admin: B's subscriber's invoice afterwards",
        "admin",
        "unchanged",
        "unchanged"
        if before["invoices"] == after["invoices"]
        else f"{before['invoices']} -> {after['invoices']}",
    )
    for model in COUNTED:
        count = after["counts"][model] - before["counts"][model]
        table.record(
            5,
            f"admin: {model} records added",
            "admin",
            "none",
            "none" if not count else str(count),
        )

    print(f"\n{table.table()}\n")
    table.assert_as_expected()
