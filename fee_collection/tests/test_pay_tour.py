from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from odoo.addons.mail.tests.common import mail_new_test_user

from .online import OnlinePaymentCommon
from .phone import PhoneTourMixin


@tagged("post_install", "-at_install")
class TestPayTour(PhoneTourMixin, OnlinePaymentCommon):
    """A subscriber whose service is suspended for arrears pays the overdue bill from
    their pay link, on a phone, without logging in, with the demo provider
    (static/tests/tours/fee_pay_tour.js): the receipt is booked at once, the dunning
    level lowered and the service reconnected."""

    browser_size = "375x667"
    touch_enabled = True

    def test_pay_tour_phone(self):
        overdue = self._setup_suspension()
        today = fields.Date.today()
        current = self._invoice(30.0, date=today, due=today + timedelta(days=30))
        widths = self._emulate_phone(375, 667)
        self.start_tour(f"/p/{self._code()}", "fee_pay_tour")
        self.assertTrue(widths)
        self.assertEqual(widths, [375] * len(widths))
        self._assert_paid_online(overdue, current)

    def test_portal_pay_tour_phone(self):
        """The same payment from the subscriber's portal, logged in: their services and
        bills, then *Pay Now*."""
        overdue = self._setup_suspension()
        today = fields.Date.today()
        current = self._invoice(30.0, date=today, due=today + timedelta(days=30))
        mail_new_test_user(
            self.env,
            login="zhang_wei_portal",
            groups="base.group_portal",
            partner_id=self.subscriber.id,
            name=self.subscriber.name,
            email=False,
            company_id=self.env.company.id,
        )
        self._emulate_phone(375, 667)
        self.start_tour(
            "/my/fee/services", "fee_portal_pay_tour", login="zhang_wei_portal"
        )
        self._assert_paid_online(overdue, current)

    def _assert_paid_online(self, overdue, current):

        [tx] = self._transactions()
        receipt = self._receipts()
        self.assertRecordValues(
            receipt,
            [
                {
                    "channel": "online",
                    "journal_id": self.bank.id,
                    "amount": 25.0,
                    "state": "posted",
                }
            ],
        )
        self.assertEqual(tx.state, "done")
        self.assertEqual(tx.fee_receipt_id, receipt)
        self.assertEqual(tx.payment_id, receipt.payment_id)
        self.assertEqual(tx.invoice_ids, overdue)
        self.assertEqual(receipt.line_ids.move_id, overdue)
        self.assertEqual(
            self.env["account.payment"].search(
                [("partner_id", "=", self.subscriber.id)]
            ),
            receipt.payment_id,
            "one payment",
        )
        self.assertEqual(overdue.payment_state, "paid")
        self.assertEqual(current.payment_state, "not_paid")
        self.assertFalse(self.subscriber.dunning_level_id, "level lowered")
        self.assertEqual(self.service.state, "active", "service reconnected")
        self.assertTrue(tx.is_post_processed)
