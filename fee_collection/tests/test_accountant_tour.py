from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import FeeCollectionCommon

SUBSCRIBERS_URL = "/odoo/action-fee_collection.res_partner_action_subscriber"


@tagged("post_install", "-at_install")
class TestAccountantTour(FeeCollectionCommon, HttpCase):
    """An accountant in the browser finds a subscriber by phone number and registers the
    payment of what is overdue from the subscriber's file
    (static/tests/tours/fee_accountant_tour.js)."""

    def test_accountant_tour(self):
        today = fields.Date.today()
        caller = self._create_subscriber(
            "Zhou Min", sequence="901", mobile="13905140001"
        )
        self._create_subscriber("Zhou Minghui", sequence="902")
        invoices = self._invoice(
            amount=50.0, date=today - relativedelta(months=2), partner=caller
        ) | self._invoice(
            amount=38.0, date=today - relativedelta(months=1), partner=caller
        )
        self.assertEqual(caller.fee_overdue_amount, 88.0)
        self.user_accountant.password = self.user_accountant.login

        self.start_tour(
            SUBSCRIBERS_URL, "fee_accountant_tour", login=self.user_accountant.login
        )

        self.env.invalidate_all()
        payment = self.env["account.payment"].search([("partner_id", "=", caller.id)])
        self.assertRecordValues(
            payment,
            [{"amount": 88.0, "state": "paid", "create_uid": self.user_accountant.id}],
        )
        self.assertFalse(invoices.filtered(lambda invoice: invoice.amount_residual))
        self.assertEqual(caller.fee_overdue_amount, 0.0)
