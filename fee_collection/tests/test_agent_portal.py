import re

from odoo import fields
from odoo.tests import HttpCase, tagged

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import FeeAgentCommon
from .phone import PhoneTourMixin
from .portal import HiddenPagesMixin


class AgentPortalCommon(HiddenPagesMixin, FeeAgentCommon, HttpCase):
    """The agent outlets, a subscriber with service TV-0001."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.subscription = cls._create_subscription(number="TV-0001")

    def _agent_receipts(self):
        return self.env["fee.receipt"].search([("channel", "=", "agent")])


@tagged("post_install", "-at_install")
class TestAgentPortal(AgentPortalCommon):
    """The outlet's counter on the portal: each clerk reaches their own outlet's
    receipts and settlements only, sees nothing of the subscriber's file but the name
    and what is due, and a collection books once, or not at all when refused."""

    def _open_collect(self, number="TV-0001"):
        response = self.url_open(f"/my/agent/collect?service_number={number}")
        self.assertEqual(response.status_code, 200)
        return response

    def _post_collect(self, amount, page=None, number="TV-0001"):
        """Send the collect form of ``page`` (the lookup of ``number`` by default), as
        the browser would, with its CSRF token and key."""
        page = page or self._open_collect(number)
        form = {
            name: re.search(rf'name="{name}" value="([^"]*)"', page.text).group(1)
            for name in ("csrf_token", "request_key")
        }
        return self.url_open(
            "/my/agent/collect",
            data={**form, "service_number": number, "amount": amount},
        )

    def test_staff_cannot_open_another_outlets_documents(self):
        self._invoice(100.0)
        mine = self._collect(10.0, self.staff).sudo()
        theirs = self._collect(20.0, self.staff_2).sudo()
        settlements = self.env["fee.agent.settlement"]._fee_generate(
            self.agent | self.agent_2, fields.Date.today()
        )
        by_agent = settlements.grouped("agent_id")
        my_settlement, their_settlement = by_agent[self.agent], by_agent[self.agent_2]
        # A token on the other outlet's documents, as a share would make: a wrong one
        # opens nothing either.
        tampered = {
            document: document._portal_ensure_token()[:-4] + "0000"
            for document in (theirs, their_settlement)
        }
        self.authenticate(self.staff.login, self.staff.login)

        response = self.url_open(f"/my/agent/receipts/{mine.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn(mine.name, response.text)
        self.assertIn("Zhang Wei", response.text)
        response = self.url_open("/my/agent/receipts")
        self.assertIn(mine.name, response.text)
        self.assertNotIn(theirs.name, response.text)
        response = self.url_open(f"/my/agent/settlements/{my_settlement.id}")
        self.assertIn(my_settlement.name, response.text)
        self.assertIn(mine.name, response.text)

        urls = (
            f"/my/agent/receipts/{theirs.id}",
            f"/my/agent/receipts/{theirs.id}?report_type=pdf",
            f"/my/agent/receipts/{theirs.id}?access_token={tampered[theirs]}",
            f"/my/agent/receipts/{theirs.id}?report_type=pdf&access_token=x",
            f"/my/agent/settlements/{their_settlement.id}",
            f"/my/agent/settlements/{their_settlement.id}?report_type=pdf",
            f"/my/agent/settlements/{their_settlement.id}"
            f"?access_token={tampered[their_settlement]}",
            "/my/agent/receipts/999999999",
        )
        self.assertPagesHide(
            urls, (theirs.name, their_settlement.name, "%PDF"), (303, 403, 404)
        )
        response = self.url_open("/my/agent/settlements")
        self.assertIn(my_settlement.name, response.text)
        self.assertNotIn(their_settlement.name, response.text)

    def test_other_users_get_nothing(self):
        self._invoice(100.0)
        receipt = self._collect(10.0, self.staff).sudo()
        portal_user = mail_new_test_user(
            self.env, login="plain_portal", groups="base.group_portal"
        )
        for user in (portal_user, self.user_cashier):
            self.authenticate(user.login, user.login)
            with self.subTest(user=user.login):
                self.assertPagesHide(
                    (
                        "/my/agent/collect?service_number=TV-0001",
                        "/my/agent/receipts",
                        f"/my/agent/receipts/{receipt.id}",
                        f"/my/agent/receipts/{receipt.id}?report_type=pdf",
                        "/my/agent/settlements",
                    ),
                    (receipt.name, "Zhang Wei"),
                )
            counters = self.make_jsonrpc_request(
                "/my/counters", {"counters": ["fee_agent_receipt_count"]}
            )
            self.assertEqual(counters["fee_agent_receipt_count"], 0)
        self.authenticate(self.staff.login, self.staff.login)
        counters = self.make_jsonrpc_request(
            "/my/counters",
            {"counters": ["fee_agent_receipt_count", "fee_agent_settlement_count"]},
        )
        self.assertEqual(
            counters, {"fee_agent_receipt_count": 1, "fee_agent_settlement_count": 0}
        )
        response = self.url_open("/my")
        self.assertIn('href="/my/agent/collect"', response.text)

    def test_the_collect_page_shows_the_name_and_dues_only(self):
        january = self._invoice(60.0, date="2024-01-01")
        february = self._invoice(40.0, date="2024-02-01")
        self._register_payment(february, amount=15.0)
        self.authenticate(self.staff.login, self.staff.login)
        response = self._open_collect()
        html = response.text
        self.assertIn("Zhang Wei", html)
        for invoice in (january, february):
            self.assertIn(invoice.name, html)
        self.assertIn("25.00", html)
        # The total due, offered as the amount received.
        self.assertIn('value="85.00"', html)
        for private in (
            self.subscriber.mobile,
            self.subscriber.id_number,
            self.subscriber.street,
        ):
            self.assertTrue(private)
            self.assertNotIn(private, html)

        html = self._open_collect("TV-9999").text
        self.assertIn("No subscriber has the service number TV-9999.", html)
        self.assertNotIn("Zhang Wei", html)

    def test_a_collection_books_once(self):
        invoice = self._invoice(45.0)
        self.authenticate(self.staff.login, self.staff.login)
        page = self._open_collect()
        self.assertNotIn("o_fee_agent_warning", page.text)
        response = self._post_collect("45.00", page=page)
        receipt = self._agent_receipts()
        self.assertEqual(len(receipt), 1)
        self.assertRecordValues(
            receipt,
            [
                {
                    "channel": "agent",
                    "agent_id": self.agent.id,
                    "user_id": self.staff.id,
                    "amount": 45.0,
                    "partner_id": self.subscriber.id,
                }
            ],
        )
        self.assertEqual(invoice.payment_state, "paid")
        # Posted, redirected to the receipt's page (POST-redirect-GET).
        self.assertEqual(response.history[0].status_code, 303)
        self.assertTrue(response.url.endswith(f"/my/agent/receipts/{receipt.id}"))
        self.assertIn(receipt.name, response.text)
        # Reloading the receipt, or sending the same form again (a double tap), takes
        # nothing more.
        self.url_open(response.url)
        again = self._post_collect("45.00", page=page)
        self.assertTrue(again.url.endswith(f"/my/agent/receipts/{receipt.id}"))
        self.assertEqual(self._agent_receipts(), receipt)

    def test_a_refused_collection_books_nothing(self):
        invoice = self._invoice(45.0)
        self.authenticate(self.staff.login, self.staff.login)
        for amount, message in (
            ("", "Enter the amount received."),
            ("4O.00", "is not an amount"),
            ("-5", "is not an amount"),
            ("0", "must be positive"),
        ):
            with self.subTest(amount=amount):
                response = self._post_collect(amount)
                self.assertEqual(response.status_code, 200)
                self.assertFalse(response.history)
                self.assertIn(message, response.text)
        self.assertFalse(self._agent_receipts())

        self.agent.with_user(self.user_manager).action_agent_block()
        page = self._open_collect()
        self.assertIn("o_fee_agent_warning", page.text)
        self.assertIn("is blocked from collecting", page.text)
        response = self._post_collect("45.00", page=page)
        self.assertIn("is blocked from collecting", response.text)
        self.assertIn("o_fee_agent_error", response.text)
        self.assertFalse(self._agent_receipts())
        self.assertEqual(invoice.amount_residual, 45.0)

    def test_a_form_without_csrf_token_is_refused(self):
        self._invoice(45.0)
        self.authenticate(self.staff.login, self.staff.login)
        response = self.url_open(
            "/my/agent/collect",
            data={"service_number": "TV-0001", "amount": "45.00"},
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self._agent_receipts())


@tagged("post_install", "-at_install")
class TestAgentPortalTour(PhoneTourMixin, AgentPortalCommon):
    """A clerk takes a payment on the portal at a phone's viewport, then prints the
    receipt (static/tests/tours/fee_agent_portal_tour.js)."""

    browser_size = "375x667"
    touch_enabled = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.paying = cls._create_subscriber("Gao Lan", sequence="701")
        cls._create_subscription(partner=cls.paying, number="TV-7001")

    def test_agent_portal_tour_phone(self):
        invoice = self._invoice(45.0, partner=self.paying)
        widths = self._emulate_phone(375, 667)
        self.start_tour("/my", "fee_agent_portal_tour", login=self.staff.login)
        self.assertEqual(widths, [375] * len(widths))
        self.assertTrue(widths)

        receipt = self._agent_receipts()
        self._assert_kiosk_receipt(
            receipt, 45.0, partner_id=self.paying.id, state="posted"
        )
        self.assertEqual(invoice.payment_state, "paid")
        self.assertEqual(receipt.print_count, 0)

        # The receipt's print, as the clerk, on the 80 mm roll (the PDF itself, not the
        # HTML tests get by default).
        Report = type(self.env["ir.actions.report"])
        render = Report._render_qweb_pdf

        def render_pdf(report, *args, **kwargs):
            return render(
                report.with_context(force_report_rendering=True), *args, **kwargs
            )

        self.patch(Report, "_render_qweb_pdf", render_pdf)
        # wkhtmltopdf would fetch the report's styles from this server, which serves
        # one request at a time in tests and is busy with the print: it is pointed at
        # an address that refuses them at once, and prints unstyled.
        self.env["ir.config_parameter"].set_param("report.url", "http://127.0.0.1:9")
        self.authenticate(self.staff.login, self.staff.login)
        response = self.url_open(
            f"/my/agent/receipts/{receipt.id}?report_type=pdf", timeout=60
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        self.assertTrue(response.content.startswith(b"%PDF"))
        self.assertEqual(receipt.print_count, 1)
        # Printed again: a reprint, logged in the clerk's name.
        self.url_open(f"/my/agent/receipts/{receipt.id}?report_type=pdf", timeout=60)
        self.assertRecordValues(receipt.reprint_ids, [{"user_id": self.staff.id}])
        self.assertEqual(receipt.print_count, 2)
