from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import FeeCollectionCommon


@tagged("post_install", "-at_install")
class TestRefund(FeeCollectionCommon):
    """A refund is received, approved or rejected by a manager, then executed through
    accounting."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cash = cls.env.company._fee_get_payment_journals()[:1]

    def setUp(self):
        super().setUp()
        self.enterContext(freeze_time("2024-03-10"))
        self.env["fee.cash.session"].with_user(self.user_cashier).create({})

    def _collect(self, amount):
        return self.subscriber.with_user(self.user_cashier)._fee_collect(
            amount, self.cash
        )

    def _request(self, **vals):
        return (
            self.env["fee.refund.request"]
            .with_user(self.user_cashier)
            .create(
                {
                    "partner_id": self.subscriber.id,
                    "reason": "Paid twice",
                    "journal_id": self.cash.id,
                    **vals,
                }
            )
        )

    def _balance(self):
        return self.env["fee.overdue"]._get_balance(self.subscriber, self.env.company)

    def test_overpayment_paid_back_after_approval(self):
        self._invoice(amount=30.0, date="2024-03-01")
        self._collect(50.0)
        self.assertEqual(self._balance(), -20.0)
        request = self._request(amount=20.0)
        self.assertTrue(request.name.startswith("RF/2024/"))
        request.action_submit()
        self.assertEqual(request.state, "submitted")
        self.assertIn(self.user_manager, request.activity_ids.user_id)
        with self.assertRaisesRegex(UserError, "is Submitted"):
            request.write({"amount": 5.0})
        with self.assertRaises(AccessError):
            request.write({"state": "approved"})
        for user in (self.user_cashier, self.user_accountant):
            with self.assertRaisesRegex(UserError, "managers approve"):
                request.with_user(user).action_approve()
        request.with_user(self.user_manager).action_approve()
        self.assertEqual(request.approved_by_id, self.user_manager)
        with self.assertRaisesRegex(UserError, "accountants execute"):
            request.action_execute()
        request.with_user(self.user_accountant).action_execute()
        self.assertEqual(request.state, "done")
        self.assertEqual(request.payment_id.amount, 20.0)
        self.assertEqual(request.payment_id.payment_type, "outbound")
        self.assertEqual(self._balance(), 0.0)

    def test_more_than_the_credit_is_refused(self):
        self._invoice(amount=30.0, date="2024-03-01")
        self._collect(40.0)
        request = self._request(amount=20.0)
        with self.assertRaisesRegex(UserError, "has .*10.00 of credit"):
            request.action_submit()
        with self.assertRaisesRegex(UserError, "must be positive"):
            self._request(amount=0.0).action_submit()

    def test_wrong_charge_credited_and_paid_back(self):
        invoice = self._invoice(amount=25.0, date="2024-03-01")
        self._collect(25.0)
        request = self._request(
            refund_type="invoice", invoice_id=invoice.id, reason="Never connected"
        )
        self.assertEqual(request.amount, 25.0)
        request.action_submit()
        request.with_user(self.user_manager).action_approve()
        request.with_user(self.user_accountant).action_execute()
        self.assertEqual(request.credit_note_id.move_type, "out_refund")
        self.assertEqual(request.credit_note_id.state, "posted")
        self.assertEqual(request.payment_id.amount, 25.0)
        self.assertEqual(self._balance(), 0.0)

    def test_unpaid_wrong_charge_is_only_credited(self):
        invoice = self._invoice(amount=25.0, date="2024-03-01")
        request = self._request(
            refund_type="invoice", invoice_id=invoice.id, reason="Wrong tariff"
        )
        request.action_submit()
        request.with_user(self.user_manager).action_approve()
        request.with_user(self.user_accountant).action_execute()
        self.assertEqual(invoice.payment_state, "reversed")
        self.assertFalse(request.payment_id, "nothing was paid, nothing to pay back")
        self.assertEqual(self._balance(), 0.0)

    def test_rejection_needs_a_reason(self):
        self._invoice(amount=30.0, date="2024-03-01")
        self._collect(40.0)
        request = self._request(amount=10.0)
        request.action_submit()
        manager_request = request.with_user(self.user_manager)
        with self.assertRaisesRegex(UserError, "reason for rejecting"):
            manager_request.action_reject("")
        manager_request.action_reject("Credit kept for next month")
        self.assertEqual(request.state, "rejected")
        self.assertEqual(request.rejection_reason, "Credit kept for next month")
        with self.assertRaisesRegex(UserError, "is Rejected"):
            request.with_user(self.user_accountant).action_execute()

    def test_a_charge_pays_back_no_more_than_approved(self):
        """Cancelling 1.00 of a paid 181.70 charge pays back 1.00: the invoice is not
        unreconciled from its receipt, and the subscriber's other credit stays."""
        invoice = self._invoice(amount=181.70, date="2024-03-01")
        receipt = self._collect(181.70)
        self._collect(50.0)
        request = self._request(
            refund_type="invoice",
            invoice_id=invoice.id,
            amount=1.0,
            reason="A day billed too many",
        )
        request.action_submit()
        request.with_user(self.user_manager).action_approve()
        with self.assertRaisesRegex(UserError, "is Approved"):
            request.write(
                {"journal_id": self.env.company._fee_get_payment_journals()[1].id}
            )
        request.with_user(self.user_accountant).action_execute()
        self.assertEqual(request.credit_note_id.amount_total, 1.0)
        self.assertEqual(request.payment_id.amount, 1.0)
        self.assertEqual(invoice.payment_state, "paid", "still by its receipt")
        self.assertEqual(receipt.state, "posted")
        self.assertEqual(self._balance(), -50.0, "the other credit is kept")

    def test_a_charge_credited_is_checked_against_the_invoice(self):
        invoice = self._invoice(amount=26.0, date="2024-03-01")
        self._collect(26.0)
        for amount in (100.0, 0.0, -1.0):
            request = self._request(
                refund_type="invoice", invoice_id=invoice.id, amount=amount
            )
            with (
                self.subTest(amount=amount),
                self.assertRaisesRegex(UserError, "at most what invoice"),
            ):
                request.action_submit()
        request = self._request(refund_type="invoice", invoice_id=invoice.id)
        request.write({"journal_id": False})
        with self.assertRaisesRegex(UserError, "Choose how the money is paid back"):
            request.action_submit()

    def test_the_manager_who_asked_does_not_approve(self):
        self._invoice(amount=30.0, date="2024-03-01")
        self._collect(50.0)
        request = self._request(amount=20.0).with_user(self.user_manager)
        request.action_submit()
        self.assertEqual(request.requested_by_id, self.user_manager)
        with self.assertRaisesRegex(UserError, "another manager approves"):
            request.action_approve()
        self.env.company.fee_allow_self_approval = True
        request.action_approve()
        self.assertEqual(request.state, "approved")
        self.assertTrue(
            request.message_ids.filtered(
                lambda message: "one-person office" in (message.body or "")
            )
        )
