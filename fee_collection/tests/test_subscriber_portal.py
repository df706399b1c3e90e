from urllib.parse import parse_qs, urlsplit

from odoo.tests import HttpCase, tagged
from odoo.tests.common import JsonRpcException

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import FeeAgentCommon
from .portal import HiddenPagesMixin


@tagged("post_install", "-at_install")
class TestSubscriberPortal(HiddenPagesMixin, FeeAgentCommon, HttpCase):
    """Subscribers on the portal: each reaches their own services, bills and receipts
    only, a receipt opens without a login with its token and not with another, and
    over RPC they read their own records and write none."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other = cls._create_subscriber("Li Na", sequence="002")
        cls.service = cls._create_subscription(number="TV-0001")
        cls.broadband = cls._create_subscription(
            product=cls.product_broadband, number="BB-0001"
        )
        cls.other_service = cls._create_subscription(
            partner=cls.other, number="TV-0002"
        )
        cls.broadband.action_suspend(reason="Arrears", for_arrears=True)
        cls.user_zhang = cls._create_portal_user("zhang_wei_sub", cls.subscriber)
        cls.user_li = cls._create_portal_user("li_na_sub1", cls.other)
        cls.bank = cls._payment_journal("transfer")

    @classmethod
    def _create_portal_user(cls, login, subscriber):
        """The portal login of ``subscriber`` (password = login)."""
        return mail_new_test_user(
            cls.env,
            login=login,
            groups="base.group_portal",
            partner_id=subscriber.id,
            name=subscriber.name,
            email=False,
            company_id=cls.env.company.id,
        )

    def setUp(self):
        super().setUp()
        self.bills = {
            self.subscriber: self._invoice(60.0, date="2024-01-01"),
            self.other: self._invoice(70.0, date="2024-01-01", partner=self.other),
        }
        self.receipts = {
            partner: partner._fee_collect(10.0, self.bank, channel="online").sudo()
            for partner in (self.subscriber, self.other)
        }
        self.agent_receipt = self._collect(5.0).sudo()

    def _login(self, user):
        self.authenticate(user.login, user.login)

    def _call(self, model, method, *args, **kwargs):
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    def test_each_subscriber_sees_their_own_pages(self):
        for user, mine, theirs in (
            (self.user_zhang, self.subscriber, self.other),
            (self.user_li, self.other, self.subscriber),
        ):
            with self.subTest(user=user.login):
                self._login(user)
                html = self.url_open("/my/fee/services").text
                self.assertIn(mine.name, html)
                self.assertNotIn(theirs.name, html)
                self.assertIn(self.bills[mine].name, html)
                self.assertNotIn(self.bills[theirs].name, html)
                for service in mine.subscription_ids:
                    self.assertIn(service.service_number, html)
                for service in theirs.subscription_ids:
                    self.assertNotIn(service.service_number, html)
                html = self.url_open("/my/fee/receipts").text
                self.assertIn(self.receipts[mine].name, html)
                self.assertNotIn(self.receipts[theirs].name, html)
                response = self.url_open(f"/my/fee/receipts/{self.receipts[mine].id}")
                self.assertEqual(response.status_code, 200)
                self.assertIn(self.receipts[mine].name, response.text)
                counters = self.make_jsonrpc_request(
                    "/my/counters",
                    {"counters": ["fee_service_count", "fee_subscriber_receipt_count"]},
                )
                self.assertEqual(
                    counters,
                    {
                        "fee_service_count": len(mine.subscription_ids),
                        "fee_subscriber_receipt_count": len(
                            self.env["fee.receipt"].search(
                                [("partner_id", "=", mine.id)]
                            )
                        ),
                    },
                )

    def test_the_services_page_shows_states_bills_and_what_is_due(self):
        self._login(self.user_zhang)
        html = self.url_open("/my/fee/services").text
        # The suspended service and why it is, the bill's service and period.
        self.assertIn("o_fee_suspended", html)
        self.assertIn("BB-0001", html)
        self.assertIn("Suspended", html)
        self.assertIn("Cable TV", html)
        # 60.00 billed, 10.00 paid online and 5.00 at the kiosk: 45.00 due.
        self.assertIn("45.00", html)
        self.assertIn('href="/my/fee/pay"', html)
        self.assertIn(f'value="{self.bills[self.subscriber].id}"', html)

    def test_pay_goes_to_the_pay_link_with_the_chosen_bills(self):
        second = self._invoice(30.0, date="2024-02-01")
        first = self.bills[self.subscriber]
        self._login(self.user_zhang)
        response = self.url_open("/my/fee/pay", allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        location = urlsplit(response.headers["Location"])
        code = location.path.removeprefix("/p/")
        self.assertEqual(
            self.env["res.partner"]._fee_from_pay_code(code), self.subscriber
        )
        self.assertFalse(location.query)

        response = self.url_open(
            f"/my/fee/pay?invoice_ids={second.id}&invoice_ids={first.id}",
            allow_redirects=False,
        )
        location = urlsplit(response.headers["Location"])
        self.assertEqual(location.path, f"/p/{code}")
        self.assertEqual(
            parse_qs(location.query), {"invoice_ids": [f"{first.id},{second.id}"]}
        )
        # Another's bill, or nonsense: back to the bills, no pay link.
        for query in (
            f"invoice_ids={self.bills[self.other].id}",
            f"invoice_ids={first.id}&invoice_ids={self.bills[self.other].id}",
            "invoice_ids=abc",
        ):
            with self.subTest(query=query):
                response = self.url_open(f"/my/fee/pay?{query}", allow_redirects=False)
                self.assertEqual(
                    urlsplit(response.headers["Location"]).path, "/my/fee/services"
                )

    def test_anothers_receipt_is_not_found(self):
        theirs = self.receipts[self.other]
        tampered = theirs._portal_ensure_token()[:-4] + "0000"
        self._login(self.user_zhang)
        self.assertPagesHide(
            (
                f"/my/fee/receipts/{theirs.id}",
                f"/my/fee/receipts/{theirs.id}?report_type=pdf",
                f"/my/fee/receipts/{theirs.id}?access_token={tampered}",
                f"/my/fee/receipts/{theirs.id}?report_type=pdf&access_token=x",
                "/my/fee/receipts/999999999",
            ),
            (theirs.name, "%PDF"),
            (403, 404),
        )

    def test_a_receipt_opens_with_its_token_only(self):
        receipt = self.receipts[self.subscriber]
        token = receipt._portal_ensure_token()
        self.assertEqual(receipt.access_url, f"/my/fee/receipts/{receipt.id}")
        self.assertEqual(
            self.agent_receipt.access_url, f"/my/agent/receipts/{self.agent_receipt.id}"
        )
        response = self.url_open(receipt.get_portal_url())
        self.assertEqual(response.status_code, 200)
        self.assertIn(receipt.name, response.text)
        self.assertIn("Zhang Wei", response.text)
        # The PDF (its HTML in tests) with the same token.
        response = self.url_open(
            f"/my/fee/receipts/{receipt.id}?report_type=html&access_token={token}"
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn(receipt.name, response.text)
        self.assertPagesHide(
            (
                f"/my/fee/receipts/{receipt.id}",
                f"/my/fee/receipts/{receipt.id}?access_token={token[:-4]}0000",
                f"/my/fee/receipts/{receipt.id}?report_type=html&access_token=x",
                f"/my/fee/receipts/{receipt.id}"
                f"?access_token={self.receipts[self.other]._portal_ensure_token()}",
            ),
            (receipt.name,),
            (403, 404),
        )

    def test_the_statement_is_the_subscribers_own(self):
        self._login(self.user_zhang)
        response = self.url_open("/my/fee/statement")
        self.assertEqual(response.status_code, 200)
        # Odoo renders reports as HTML in tests.
        self.assertIn(self.bills[self.subscriber].name, response.text)
        self.assertNotIn(self.bills[self.other].name, response.text)
        self.assertIn("/p/", response.text)

    def test_rpc_reads_own_records_and_writes_none(self):
        for user, mine in (
            (self.user_zhang, self.subscriber),
            (self.user_li, self.other),
        ):
            with self.subTest(user=user.login):
                self._login(user)
                for model, expected in (
                    ("fee.subscription", mine.subscription_ids),
                    (
                        "fee.receipt",
                        self.env["fee.receipt"].search([("partner_id", "=", mine.id)]),
                    ),
                    ("account.move", self.bills[mine]),
                ):
                    rows = self._call(model, "search_read", [], fields=["partner_id"])
                    self.assertEqual(
                        sorted(row["id"] for row in rows), sorted(expected.ids), model
                    )
                    self.assertEqual({row["partner_id"][0] for row in rows}, {mine.id})
                    with self.assertRaises(JsonRpcException):
                        self._call(
                            model, "write", expected[:1].ids, {"partner_id": user.id}
                        )
                with self.assertRaises(JsonRpcException):
                    self._call(
                        "fee.subscription",
                        "read",
                        self.other_service.ids
                        if mine == self.subscriber
                        else self.service.ids,
                        ["service_number"],
                    )
        self.assertEqual(self.service.partner_id, self.subscriber)
        self.assertEqual(self.receipts[self.subscriber].partner_id, self.subscriber)

    def test_others_find_no_subscriber_pages(self):
        portal_user = mail_new_test_user(
            self.env, login="plain_portal", groups="base.group_portal"
        )
        for user in (portal_user, self.staff, self.user_cashier):
            self._login(user)
            with self.subTest(user=user.login):
                self.assertPagesHide(
                    (
                        "/my/fee/services",
                        "/my/fee/receipts",
                        "/my/fee/pay",
                        "/my/fee/statement",
                    ),
                    ("Zhang Wei",),
                )
            counters = self.make_jsonrpc_request(
                "/my/counters", {"counters": ["fee_service_count"]}
            )
            self.assertEqual(counters["fee_service_count"], 0)
        # The kiosk's clerk still reads the outlet's receipts, and no subscriber's.
        self._login(self.staff)
        rows = self._call("fee.receipt", "search_read", [], fields=["name"])
        self.assertEqual([row["id"] for row in rows], self.agent_receipt.ids)
