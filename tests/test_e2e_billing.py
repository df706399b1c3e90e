"""As the accountant of a running server: register a subscriber and a service, bill it."""

import datetime

import pytest

from jsonrpc import RpcError, accountant_session

GB11643_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(first17):
    total = sum(int(c) * w for c, w in zip(first17, GB11643_WEIGHTS, strict=True))
    return first17 + "10X98765432"[total % 11]


@pytest.fixture(scope="module")
def accountant(server):
    return accountant_session(server, "e2e_accountant")


def test_accountant_bills_a_new_subscriber(accountant):
    today = datetime.date.today().isoformat()
    item_id = accountant("product.product", "search", [("is_fee_item", "=", True)])[0]
    partner_id = accountant(
        "res.partner",
        "create",
        {
            "name": "王小明",
            "is_subscriber": True,
            "id_number": id_number("35010219850612301"),
            "mobile": "13912345678",
            "street": "五四路 88 号",
        },
    )
    service_id = accountant(
        "fee.subscription",
        "create",
        {
            "partner_id": partner_id,
            "product_id": item_id,
            "service_number": "E2E-TV-0001",
            "date_start": today,
        },
    )
    accountant("fee.subscription", "action_activate", [service_id])
    run_id = accountant("fee.billing.run", "create", {"date": today})
    accountant("fee.billing.run", "action_run", [run_id])

    invoices = accountant(
        "account.move",
        "search_read",
        [("fee_billing_run_id", "=", run_id)],
        ["partner_id", "state", "amount_total", "move_type"],
    )
    assert [
        (i["partner_id"][0], i["state"], i["amount_total"], i["move_type"])
        for i in invoices
    ] == [(partner_id, "posted", 26.0, "out_invoice")]
    service = accountant(
        "fee.subscription", "read", [service_id], ["state", "next_bill_date"]
    )[0]
    assert service["state"] == "active"
    assert service["next_bill_date"] > today

    # Billing again the same day adds nothing.
    again = accountant("fee.billing.run", "create", {"date": today})
    accountant("fee.billing.run", "action_run", [again])
    assert (
        accountant("account.move", "search_count", [("fee_billing_run_id", "=", again)])
        == 0
    )


def test_bad_input_gets_a_clear_error(accountant):
    with pytest.raises(RpcError, match="Invalid ID number"):
        accountant(
            "res.partner",
            "create",
            {
                "name": "Bad ID",
                "is_subscriber": True,
                "id_number": "350102198506123010",
            },
        )
