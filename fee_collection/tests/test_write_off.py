from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import FeeCollectionCommon


@tagged("post_install", "-at_install")
class TestWriteOff(FeeCollectionCommon):
    """A bad debt is written off on an accountant's request once a manager approves it;
    what the subscriber pays afterwards is booked as recovered."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cash = cls.env.company._fee_get_payment_journals()[:1]
        cls.bank = cls.env.company._fee_get_payment_journals().filtered(
            lambda journal: journal.type == "bank"
        )[:1]
        cls.li_na = cls._create_subscriber("Li Na", sequence="002")
        cls.expense_account = cls.env.company.fee_bad_debt_account_id
        cls.recovery_account = cls.env.company.fee_bad_debt_recovery_account_id

    def setUp(self):
        super().setUp()
        self.enterContext(freeze_time("2024-03-10"))
        self.env["fee.cash.session"].with_user(self.user_cashier).create({})
        self.january = self._invoice(amount=100.0, date="2024-01-01")
        self.february = self._invoice(amount=80.0, date="2024-02-01")
        self._register_payment(self.january, amount=30.0)

    def _request(self, partner=None, **vals):
        return (
            self.env["fee.write.off"]
            .with_user(self.user_accountant)
            .create(
                {
                    "partner_id": (partner or self.subscriber).id,
                    "reason": "Moved away, unreachable for a year",
                    **vals,
                }
            )
        )

    def _approved(self):
        write_off = self._request()
        write_off.action_submit()
        write_off.with_user(self.user_manager).action_approve()
        return write_off

    def _collect(self, amount):
        return self.subscriber.with_user(self.user_cashier)._fee_collect(
            amount, self.cash
        )

    def _balance(self):
        return self.env["fee.overdue"]._get_balance(self.subscriber, self.env.company)

    # ------------------------------------------------------------------
    # Accounting
    # ------------------------------------------------------------------

    def test_default_accounts_made_with_the_chart(self):
        self.assertEqual(self.expense_account.account_type, "expense")
        self.assertEqual(self.recovery_account.account_type, "income_other")
        self.assertIn(self.env.company, self.expense_account.company_ids)

    def test_approved_write_off_settles_the_invoices_and_closes_services(self):
        tv = self._create_subscription()
        broadband = self._create_subscription(
            product=self.product_broadband, number="BB-0001"
        )
        broadband.action_suspend(reason="Arrears", for_arrears=True)
        draft = self._create_subscription(number="TV-0002", activate=False)
        other = self._create_subscription(partner=self.li_na, number="TV-0009")

        form = Form(
            self.env["fee.write.off"]
            .with_user(self.user_accountant)
            .with_context(default_partner_id=self.subscriber.id)
        )
        self.assertEqual(form.invoice_ids[:], self.january | self.february)
        self.assertEqual(form.amount, 150.0, "70 left on January, 80 on February")
        form.reason = "Moved away"
        write_off = form.save()
        self.assertTrue(write_off.name.startswith("WO/2024/"))
        self.assertEqual(write_off.state, "draft")

        write_off.action_submit()
        self.assertEqual(write_off.state, "submitted")
        self.assertEqual(write_off.requested_by_id, self.user_accountant)
        self.assertIn(self.user_manager, write_off.activity_ids.user_id)

        write_off.with_user(self.user_manager).action_approve()
        self.assertEqual(write_off.state, "approved")
        self.assertEqual(write_off.approved_by_id, self.user_manager)
        self.assertFalse(write_off.activity_ids)

        move = write_off.move_id
        self.assertEqual(move.state, "posted")
        self.assertEqual(move.journal_id.type, "general")
        expense = move.line_ids.filtered(
            lambda line: line.account_id == self.expense_account
        )
        self.assertEqual(expense.debit, 150.0)
        receivable = move.line_ids - expense
        self.assertEqual(sorted(receivable.mapped("credit")), [70.0, 80.0])
        self.assertEqual(
            set(receivable.account_id.mapped("account_type")), {"asset_receivable"}
        )
        self.assertEqual(receivable.partner_id, self.subscriber)
        self.assertTrue(all(receivable.mapped("reconciled")))
        for invoice in self.january | self.february:
            self.assertEqual(invoice.payment_state, "paid")
            self.assertEqual(invoice.amount_residual, 0.0)
        self.assertEqual(self._balance(), 0.0)
        self.assertEqual(write_off.amount, 150.0, "what the entry wrote off")

        self.assertEqual((tv | broadband | draft).mapped("state"), ["closed"] * 3)
        self.assertEqual(other.state, "active", "another subscriber's service")
        self.assertIn(
            write_off.name, self.subscriber.message_ids[:1].body, "on the chatter"
        )
        with self.assertRaisesRegex(UserError, "is Approved"):
            write_off.with_user(self.user_manager).action_approve()
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            write_off.with_user(self.user_manager).unlink()

    def test_write_off_of_chosen_invoices_only(self):
        write_off = self._request(invoice_ids=[Command.set(self.february.ids)])
        self.assertEqual(write_off.amount, 80.0)
        write_off.action_submit()
        write_off.with_user(self.user_manager).action_approve()
        self.assertEqual(self.february.payment_state, "paid")
        self.assertEqual(self.january.amount_residual, 70.0)

    # ------------------------------------------------------------------
    # Refusals
    # ------------------------------------------------------------------

    def test_paid_disputed_foreign_and_empty_invoices_are_refused(self):
        self._register_payment(self.january)
        paid = self._request(invoice_ids=[Command.set(self.january.ids)])
        with self.assertRaisesRegex(UserError, "is paid"):
            paid.action_submit()

        self.february.action_dispute()
        self.assertFalse(self._request().invoice_ids, "disputed: not by default")
        disputed = self._request(invoice_ids=[Command.set(self.february.ids)])
        with self.assertRaisesRegex(UserError, "is disputed"):
            disputed.action_submit()

        li_na_invoice = self._invoice(amount=50.0, partner=self.li_na)
        foreign = self._request(invoice_ids=[Command.set(li_na_invoice.ids)])
        with self.assertRaisesRegex(UserError, "is not a posted invoice of Zhang Wei"):
            foreign.action_submit()

        nobody = self._create_subscriber("Wang Fang", sequence="003")
        with self.assertRaisesRegex(UserError, "no open invoice"):
            self._request(partner=nobody).action_submit()

    def test_invoice_of_another_company_is_refused(self):
        other_company = self.setup_other_company()["company"]
        # A subscriber belongs to one company: the other's has its own file there.
        other_subscriber = self._create_subscriber(
            "Zhang Wei (Branch 2)", sequence="099", company_id=other_company.id
        )
        other_invoice = (
            self.env["account.move"]
            .with_company(other_company)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": other_subscriber.id,
                    "invoice_date": "2024-01-01",
                    "invoice_line_ids": [
                        Command.create({"name": "Cable TV", "price_unit": 40.0})
                    ],
                }
            )
        )
        other_invoice.action_post()
        with self.assertRaises(UserError):
            write_off = self._request(invoice_ids=[Command.set(other_invoice.ids)])
            write_off.action_submit()

    def test_amount_state_and_entry_are_the_workflow_s(self):
        write_off = self._request()
        for vals in (
            {"state": "approved"},
            {"amount": 999.0},
            {"move_id": self.january.id},
            {"amount_recovered": 10.0},
            {"approved_by_id": self.user_accountant.id},
        ):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                write_off.write(vals)
        with self.assertRaises(AccessError):
            self._request(state="approved")
        write_off.action_submit()
        with self.assertRaisesRegex(UserError, "is Submitted"):
            write_off.write({"invoice_ids": [Command.set(self.january.ids)]})
        with self.assertRaisesRegex(UserError, "already in write-off"):
            self._request().action_submit()

    def test_above_the_open_amount_is_refused(self):
        write_off = self._request()
        self._register_payment(self.february, amount=20.0)
        write_off.action_submit()
        self.assertEqual(write_off.amount, 130.0, "what is open when submitted")
        self._register_payment(self.february, amount=10.0)
        with self.assertRaisesRegex(UserError, "130.00, more than the .*120.00"):
            write_off.with_user(self.user_manager).action_approve()
        self.assertEqual(write_off.state, "submitted")
        self.assertFalse(write_off.move_id)

    def test_only_managers_approve_or_reject(self):
        write_off = self._request()
        write_off.action_submit()
        with self.assertRaisesRegex(UserError, "managers approve or reject"):
            write_off.with_user(self.user_accountant).action_approve()
        with self.assertRaises(UserError):
            write_off.with_user(self.user_cashier).action_approve()
        with self.assertRaises(AccessError):
            self.env["fee.write.off"].with_user(self.user_cashier).create(
                {"partner_id": self.subscriber.id, "reason": "Gone"}
            )
        manager_write_off = write_off.with_user(self.user_manager)
        with self.assertRaisesRegex(UserError, "reason for rejecting"):
            manager_write_off.action_reject(" ")
        action = manager_write_off.action_open_reject()
        wizard = Form(
            self.env[action["res_model"]]
            .with_user(self.user_manager)
            .with_context(**action["context"])
        )
        wizard.reason = "Collect through the court first"
        wizard.save().action_confirm()
        self.assertEqual(write_off.state, "rejected")
        self.assertEqual(write_off.rejection_reason, "Collect through the court first")
        self.assertEqual(self.january.amount_residual, 70.0, "nothing booked")
        with self.assertRaisesRegex(UserError, "is Rejected"):
            manager_write_off.action_approve()

    def test_the_manager_who_asked_does_not_approve(self):
        write_off = self._request().with_user(self.user_manager)
        write_off.action_submit()
        self.assertEqual(write_off.requested_by_id, self.user_manager)
        with self.assertRaisesRegex(UserError, "another manager approves"):
            write_off.action_approve()
        self.assertEqual(self.january.amount_residual, 70.0, "nothing booked")
        self.env.company.fee_allow_self_approval = True
        write_off.action_approve()
        self.assertEqual(write_off.state, "approved")
        self.assertIn(
            "one-person office",
            write_off.message_ids.filtered(
                lambda message: "one-person office" in (message.body or "")
            ).body,
        )

    def test_approval_without_the_accounts_names_the_setting(self):
        self.env.company.fee_bad_debt_account_id = False
        write_off = self._request()
        write_off.action_submit()
        with self.assertRaisesRegex(UserError, "Bad Debt Expense Account"):
            write_off.with_user(self.user_manager).action_approve()
        self.assertEqual(write_off.state, "submitted")

    def test_settings_set_the_accounts(self):
        settings = Form(self.env["fee.settings"].with_user(self.user_manager))
        self.assertEqual(settings.fee_bad_debt_account_id, self.expense_account)
        settings.fee_bad_debt_recovery_account_id = self.company_data[
            "default_account_revenue"
        ]
        settings.save().execute()
        self.assertEqual(
            self.env.company.fee_bad_debt_recovery_account_id,
            self.company_data["default_account_revenue"],
        )

    def test_subscriber_form_opens_a_draft(self):
        action = self.subscriber.with_user(self.user_accountant).action_fee_write_off()
        self.assertEqual(action["res_model"], "fee.write.off")
        self.assertEqual(action["context"]["default_partner_id"], self.subscriber.id)

    # ------------------------------------------------------------------
    # Recovery (坏账收回)
    # ------------------------------------------------------------------

    def _recovery_lines(self, write_off):
        return write_off.recovery_move_ids.line_ids

    def test_payment_at_the_counter_is_a_recovery(self):
        write_off = self._approved()
        receipt = self._collect(100.0)
        self.assertEqual(write_off.amount_recovered, 100.0)
        self.assertEqual(write_off.amount_unrecovered, 50.0)
        self.assertEqual(receipt.amount_credit, 0.0, "no credit left")
        recovery = write_off.recovery_move_ids
        self.assertEqual(len(recovery), 1)
        self.assertEqual(recovery.state, "posted")
        income = recovery.line_ids.filtered(
            lambda line: line.account_id == self.recovery_account
        )
        self.assertEqual(income.credit, 100.0)
        receivable = recovery.line_ids - income
        self.assertEqual(receivable.debit, 100.0)
        self.assertTrue(receivable.reconciled)
        self.assertEqual(
            receivable.matched_credit_ids.credit_move_id.move_id,
            receipt.payment_id.move_id,
        )
        self.assertEqual(receipt.line_ids.move_id, recovery)
        self.assertEqual(self._balance(), 0.0)

        # Never more than written off: the rest stays the subscriber's credit.
        receipt = self._collect(80.0)
        self.assertEqual(write_off.amount_recovered, 150.0)
        self.assertEqual(receipt.amount_credit, 30.0)
        self.assertEqual(self._balance(), -30.0)
        receipt = self._collect(10.0)
        self.assertEqual(len(write_off.recovery_move_ids), 2)
        self.assertEqual(receipt.amount_credit, 10.0)
        with self.assertRaisesRegex(UserError, "no payment left"):
            write_off.action_book_recovery()
        self.assertIn(
            "recovered", write_off.sudo().message_ids[:1].body, "on the chatter"
        )

    def test_new_invoices_are_paid_before_recovery(self):
        write_off = self._approved()
        march = self._invoice(amount=25.0, date="2024-03-01")
        self._collect(40.0)
        self.assertEqual(march.payment_state, "paid")
        self.assertEqual(write_off.amount_recovered, 15.0)

    def test_book_recovery_of_a_payment_registered_in_accounting(self):
        write_off = self._approved()
        payment = self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": self.subscriber.id,
                "amount": 60.0,
                "journal_id": self.bank.id,
            }
        )
        payment.action_post()
        self.assertEqual(write_off.amount_recovered, 0.0)
        with self.assertRaises(UserError):
            write_off.with_user(self.user_cashier).action_book_recovery()
        write_off.with_user(self.user_accountant).action_book_recovery()
        self.assertEqual(write_off.amount_recovered, 60.0)
        self.assertTrue(
            payment.move_id.line_ids.filtered(
                lambda line: line.account_type == "asset_receivable"
            ).reconciled
        )
        self.assertEqual(self._balance(), 0.0)
        with self.assertRaisesRegex(UserError, "no payment left"):
            write_off.with_user(self.user_accountant).action_book_recovery()
        self.assertEqual(write_off.amount_recovered, 60.0, "not twice the same credit")

    def test_credit_note_is_no_recovery(self):
        write_off = self._approved()
        credit_note = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": self.subscriber.id,
                "invoice_date": "2024-03-05",
                "invoice_line_ids": [
                    Command.create(
                        {"product_id": self.product_tv.id, "price_unit": 20.0}
                    )
                ],
            }
        )
        credit_note.action_post()
        with self.assertRaisesRegex(UserError, "no payment left"):
            write_off.action_book_recovery()

    def test_voided_receipt_is_no_longer_recovered(self):
        write_off = self._approved()
        receipt = self._collect(100.0)
        self.assertEqual(write_off.amount_recovered, 100.0)
        receipt.with_user(self.user_cashier).action_void("Counted twice")
        self.assertEqual(write_off.amount_recovered, 0.0)
        self.assertEqual(len(write_off.recovery_move_ids), 2, "the entry and reversal")
        self.assertEqual(self._balance(), 0.0)
        self._collect(20.0)
        self.assertEqual(write_off.amount_recovered, 20.0)
