"""A minimal JSON-RPC client, as an external integration would use."""

import itertools
import json
import urllib.request

_ids = itertools.count(1)


class RpcError(Exception):
    """The server's error: its message, and ``name``, the exception's class
    (``odoo.exceptions.AccessError``)."""

    def __init__(self, message, name=None):
        super().__init__(message)
        self.name = name


def call(url, service, method, *args):
    payload = {
        "jsonrpc": "2.0",
        "method": "call",
        "id": next(_ids),
        "params": {"service": service, "method": method, "args": args},
    }
    request = urllib.request.Request(
        f"{url}/jsonrpc",
        json.dumps(payload).encode(),
        {"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        body = json.loads(response.read())
    if "error" in body:
        data = body["error"]["data"]
        raise RpcError(data["message"], data.get("name"))
    # A method that returns nothing answers without a result.
    return body.get("result")


class Session:
    def __init__(self, url, db, login, password):
        self.url, self.db, self.password = url, db, password
        self.uid = call(url, "common", "login", db, login, password)
        if not self.uid:
            raise RpcError(f"login refused for {login}")

    def __call__(self, model, method, *args, **kwargs):
        return call(
            self.url,
            "object",
            "execute_kw",
            self.db,
            self.uid,
            self.password,
            model,
            method,
            list(args),
            kwargs,
        )

    def ref(self, xmlid):
        module, name = xmlid.split(".")
        return self(
            "ir.model.data",
            "search_read",
            [("module", "=", module), ("name", "=", name)],
            ["res_id"],
        )[0]["res_id"]


def accountant_session(server, login):
    """A new accountant's session on ``server``, with one fee item to bill: cable TV at
    26.00 a month, untaxed."""
    admin = Session(server["url"], server["db"], "admin", "admin")
    admin(
        "res.users",
        "create",
        {
            "name": "E2E Accountant",
            "login": login,
            "password": login,
            "groups_id": [(6, 0, [admin.ref("fee_collection.group_fee_accountant")])],
        },
    )
    admin(
        "product.product",
        "create",
        {
            "name": "Cable TV (e2e)",
            "type": "service",
            "is_fee_item": True,
            "list_price": 26.0,
            "taxes_id": [(5, 0, 0)],
        },
    )
    return Session(server["url"], server["db"], login, login)
