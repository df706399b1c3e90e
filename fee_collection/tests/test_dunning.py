from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command, fields, sql_db
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from odoo.addons.fee_collection.models.fee_dunning_run import DUNNING_LOCK_KEY
from odoo.addons.mail.tests.common import MockEmail
from odoo.addons.sms.tests.common import SMSCase

from .common import FeeCollectionCommon

D = fields.Date.to_date


@tagged("post_install", "-at_install")
class TestDunning(FeeCollectionCommon, SMSCase, MockEmail):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.late_fee_item = cls._setup_late_fees()
        cls.env.company.dunning_fee_product_id = cls.late_fee_item
        cls.policy = cls._create_dunning_policy(
            "Retail (test)",
            cls._sms_reminder_level(),
            {
                "name": "Call",
                "days_overdue": 10,
                "min_amount": 50.0,
                "order_type": "phone",
            },
            {
                "name": "Visit",
                "days_overdue": 30,
                "order_type": "visit",
                "send_letter": True,
                "apply_late_fee": True,
            },
            {
                "name": "Suspend",
                "days_overdue": 60,
                "suspend_service": True,
                "apply_late_fee": True,
                "fee_amount": 10.0,
            },
            {"name": "Disconnect", "days_overdue": 90, "disconnect_service": True},
        )
        cls.reminder, cls.call, cls.visit, cls.suspend, cls.disconnect = (
            cls.policy.level_ids
        )
        cls.subscriber.write(
            {"mobile": "+8613800000001", "email": "zhang.wei@example.com"}
        )
        cls.service = cls._create_subscription(date_start="2024-01-01")

    def _dun(self, date=None):
        run = self.env["fee.dunning.run"].create({"date": date or fields.Date.today()})
        run.action_execute()
        return run

    def _line(self, run, partner=None):
        return run.line_ids.filtered(
            lambda line: line.partner_id == (partner or self.subscriber)
        )

    # ------------------------------------------------------------------
    # Escalation
    # ------------------------------------------------------------------

    def test_reminder_on_time_one_step_per_run_and_idempotent(self):
        self._invoice(due="2024-01-01")
        with freeze_time("2024-01-01"):
            self.assertFalse(self._dun().line_ids, "not overdue on its due date")
        with freeze_time("2024-01-02"):
            run = self._dun()
            self.assertEqual(self._line(run).level_id, self.reminder)
            self.assertEqual(self.subscriber.dunning_level_id, self.reminder)
            again = self._dun()
            self.assertFalse(again.line_ids, "a second run the same day adds nothing")
            run.action_execute()
            self.assertEqual(
                len(run.line_ids.action_ids), 1, "executing again does nothing"
            )
        with freeze_time("2024-02-20"):  # 50 days
            self.assertEqual(
                self._line(self._dun()).level_id, self.call, "one step per run"
            )
            self.assertEqual(self._line(self._dun()).level_id, self.visit)
            self.assertFalse(self._dun().line_ids, "suspension needs 60 days")
        with freeze_time("2024-03-05"):  # 64 days
            self.assertEqual(self._line(self._dun()).level_id, self.suspend)
            self.assertFalse(self._dun().line_ids, "disconnection needs 90 days")
        self.assertEqual(
            self.subscriber.dunning_line_ids.level_id,
            self.reminder | self.call | self.visit | self.suspend,
        )

    def test_sms_leaves_through_the_gateway_and_missing_number_is_recorded(self):
        self._invoice(due="2024-01-01")
        silent = self._create_subscriber("No Phone", sequence="031", mobile=False)
        self._invoice(due="2024-01-01", partner=silent)
        with freeze_time("2024-01-05"), self.mockSMSGateway():
            run = self._dun()
            sent = self._line(run).action_ids
            self.assertEqual((sent.action_type, sent.state), ("sms", "done"))
            failed = self._line(run, silent).action_ids
            self.assertEqual((failed.action_type, failed.state), ("sms", "failed"))
            self.assertIn("No mobile or phone number", failed.note)
            self.assertEqual(silent.dunning_level_id, self.reminder, "the run went on")
            queued = (
                self.env["sms.sms"]
                .sudo()
                .search([("partner_id", "=", self.subscriber.id)])
            )
            queued.send()
        self.assertSMSIapSent(["+8613800000001"], content="100.00")

    def test_sms_numbers_formatted_blacklist_honoured_and_logged(self):
        """SMS leave as Odoo's own do: to the number formatted by phone validation with
        the subscriber's country, never to an opted-out number, logged on the chatter."""
        china = self.env.ref("base.cn")
        typed = self._create_subscriber(
            "Typed Locally", sequence="034", mobile="138 0000 0034", country_id=china.id
        )
        opted_out = self._create_subscriber(
            "Opted Out", sequence="035", mobile="+8613800000035"
        )
        garbled = self._create_subscriber("Garbled", sequence="036", mobile="12ab")
        self.env["phone.blacklist"].sudo().add("+8613800000035")
        for partner in typed | opted_out | garbled:
            self._invoice(due="2024-01-01", partner=partner)
        with freeze_time("2024-01-05"), self.mockSMSGateway():
            run = self._dun()
            actions = {
                partner: self._line(run, partner).action_ids
                for partner in typed | opted_out | garbled
            }
            self.env["sms.sms"].sudo().search([]).send()
        self.assertSMSIapSent(["+8613800000034"], content="100.00")
        self.assertEqual(actions[typed].state, "done")
        self.assertEqual(actions[opted_out].state, "skipped")
        self.assertIn("opted out", actions[opted_out].note)
        self.assertEqual(actions[garbled].state, "failed")
        self.assertIn("12ab is not a valid phone number", actions[garbled].note)
        self.assertFalse(
            self.env["sms.sms"]
            .sudo()
            .search([("partner_id", "in", (opted_out | garbled).ids)])
        )
        logged = typed.message_ids.filtered(lambda m: m.message_type == "sms")
        self.assertEqual(len(logged), 1)
        self.assertIn("100.00", logged.body)
        self.assertFalse(
            opted_out.message_ids.filtered(lambda m: m.message_type == "sms")
        )

    def test_sms_posted_on_the_chatter_with_its_delivery_status(self):
        """Each dunning SMS is a message on its subscriber's chatter with its SMS
        notification, whose status follows the SMS: queued, then sent."""
        other = self._create_subscriber(
            "Li Na", sequence="037", mobile="+8613800000037"
        )
        self._invoice(due="2024-01-01")
        self._invoice(amount=80.0, due="2024-01-01", partner=other)
        recipients = {self.subscriber: "+8613800000001", other: "+8613800000037"}
        with freeze_time("2024-01-05"), self.mockSMSGateway():
            run = self._dun()
            contents = {
                partner: f"{self.env.company.name}: {partner.name}, "
                f"{self._line(run, partner).amount_due_text} is overdue on your "
                "account. Please pay soon; ignore this message if you have paid. "
                f"Pay online: {self._line(run, partner).pay_url}"
                for partner in recipients
            }
            messages = {
                partner: partner.message_ids.filtered(
                    lambda message: message.message_type == "sms"
                )
                for partner in recipients
            }
            for partner, number in recipients.items():
                self.assertEqual(len(messages[partner]), 1)
                self.assertSMSNotification(
                    [{"partner": partner, "number": number, "state": "ready"}],
                    contents[partner],
                    messages[partner],
                )
            self.env["sms.sms"].sudo().search([("id", "in", self._new_sms.ids)]).send()
        for partner, number in recipients.items():
            self.assertSMSNotification(
                [{"partner": partner, "number": number, "state": "pending"}],
                contents[partner],
                messages[partner],
            )

    def test_email_level_attaches_the_statement(self):
        template = self.env.ref("fee_collection.mail_template_dunning_reminder")
        self.reminder.write(
            {"send_sms": False, "send_email": True, "mail_template_id": template.id}
        )
        self._invoice(due="2024-01-01")
        with freeze_time("2024-01-05"), self.mock_mail_gateway():
            run = self._dun()
            self.assertEqual(self._line(run).action_ids.state, "done")
            mail = self._new_mails.filtered(
                lambda mail: self.subscriber in mail.recipient_ids
            )
            self.assertEqual(len(mail), 1)
            # PDF outside tests; Odoo renders reports as HTML in test mode
            self.assertRegex(
                mail.attachment_ids.name, r"^Statement - Zhang Wei\.(pdf|html)$"
            )
            mail.send()
        self.assertSentEmail(
            self.env.company.partner_id.email_formatted
            or self.env.user.email_formatted,
            [self.subscriber.email_formatted],
        )

    def test_orders_letters_suspension_and_charges(self):
        self._invoice(due="2024-01-01")
        with freeze_time("2024-03-20"):  # 79 days
            for _step in range(4):
                run = self._dun()
        self.assertEqual(self.subscriber.dunning_level_id, self.suspend)
        orders = self.env["fee.collection.order"].search(
            [("partner_id", "=", self.subscriber.id)]
        )
        self.assertEqual(sorted(orders.mapped("order_type")), ["phone", "visit"])
        self.assertEqual(
            orders.collector_id, self.user_collector, "the grid's collector"
        )
        self.assertEqual(self.service.state, "suspended")
        self.assertTrue(self.service.suspended_for_arrears)
        self.assertEqual(
            sorted(self._line(run).action_ids.mapped("action_type")), ["fee", "suspend"]
        )
        letters = self.env["fee.dunning.action"].search(
            [
                ("partner_id", "=", self.subscriber.id),
                ("action_type", "=", "letter"),
            ]
        )
        self.assertEqual(letters.line_id.level_id, self.visit)
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "fee_collection.report_dunning_letter", letters.line_id.ids
            )[0]
            .decode()
        )
        self.assertIn("Zhang Wei", html)
        self.assertIn("100.00", html)

    def test_suspension_reason_is_in_the_company_language(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env.company.partner_id.lang = "zh_CN"
        self._invoice(due="2024-01-01")
        with freeze_time("2024-03-20"):
            for _step in range(4):
                self._dun()
        self.assertEqual(self.env.user.lang, "en_US", "dunning run in English")
        self.assertEqual(self.service.suspend_reason, "欠费（催缴级别：Suspend）")

    # ------------------------------------------------------------------
    # What pauses or stops dunning
    # ------------------------------------------------------------------

    def test_exempt_partner_is_skipped_with_reason(self):
        self._invoice(due="2024-01-01")
        self.subscriber.write(
            {"dunning_exempt": True, "dunning_exempt_reason": "Government account"}
        )
        with freeze_time("2024-01-05"):
            line = self._line(self._dun())
        self.assertEqual(line.state, "skipped")
        self.assertIn("Government account", line.skip_reason)
        self.assertFalse(self.subscriber.dunning_level_id)
        self.subscriber.dunning_exempt_until = "2024-01-31"
        with freeze_time("2024-02-01"):
            self.assertEqual(self._line(self._dun()).state, "done", "exemption expired")

    def test_only_managers_exempt(self):
        with self.assertRaises(AccessError):
            self.subscriber.with_user(self.user_accountant).dunning_exempt = True

    def test_promise_pauses_until_its_date_then_escalates(self):
        invoice = self._invoice(due="2024-01-01")
        invoice.promise_date = "2024-01-20"
        with freeze_time("2024-01-05"):
            line = self._line(self._dun())
            self.assertEqual(line.state, "skipped")
            self.assertIn("promise to pay", line.skip_reason)
            self.assertEqual(
                (line.amount_due, line.days_overdue),
                (100.0, 4),
                "the skipped line shows what the promise holds back",
            )
            self.assertFalse(self.subscriber.dunning_level_id)
        with freeze_time("2024-01-21"):
            self.assertEqual(
                self._line(self._dun()).level_id, self.reminder, "promise broken"
            )

    def test_dispute_pauses_until_resolved(self):
        invoice = self._invoice(due="2024-01-01")
        invoice.action_dispute()
        with freeze_time("2024-01-05"):
            line = self._line(self._dun())
            self.assertEqual(line.state, "skipped")
            self.assertIn("in dispute", line.skip_reason)
            invoice.action_resolve_dispute()
            self.assertEqual(self._line(self._dun()).level_id, self.reminder)

    def test_nobody_who_paid_after_the_preview_is_dunned(self):
        invoice = self._invoice(due="2024-01-01")
        with freeze_time("2024-01-05"):
            run = self.env["fee.dunning.run"].create({"date": "2024-01-05"})
            run.action_compute()
            self.assertEqual(self._line(run).state, "draft")
            self._register_payment(invoice, amount=100.0)
            run.action_execute()
        self.assertEqual(self._line(run).state, "skipped")
        self.assertIn("Paid since the preview", self._line(run).skip_reason)
        self.assertFalse(self._line(run).action_ids)

    # ------------------------------------------------------------------
    # Payments
    # ------------------------------------------------------------------

    def test_partial_payment_lowers_the_level(self):
        invoice = self._invoice(due="2024-01-01")
        with freeze_time("2024-01-15"):
            self._dun()
            self._dun()
            self.assertEqual(self.subscriber.dunning_level_id, self.call)
            self._register_payment(invoice, amount=60.0)
            self.assertEqual(
                self.subscriber.dunning_level_id,
                self.reminder,
                "40 left is below the call level's 50",
            )
            self.assertEqual(self.subscriber.fee_overdue_amount, 40.0)

    def test_payment_is_judged_on_its_date(self):
        """A payment registered late lowers the level as things stood on its date: the
        invoice that fell due since then is left to the next run."""
        invoice = self._invoice(due="2024-01-01")
        self._invoice(date="2024-01-10", due="2024-01-20")
        with freeze_time("2024-01-15"):
            self._dun()
            self._dun()
        self.assertEqual(self.subscriber.dunning_level_id, self.call)
        with freeze_time("2024-02-05"):
            self._register_payment(invoice, "2024-01-15")
            self.assertFalse(
                self.subscriber.dunning_level_id,
                "nothing else was overdue on 15 January",
            )
            self.assertEqual(self._line(self._dun()).level_id, self.reminder)

    def test_late_payment_does_not_undo_a_later_run(self):
        """A payment dated before the last run but entered after it is judged as of that
        run: the arrears it leaves keep the level the run gave them."""
        first = self._invoice(amount=60.0, due="2024-01-01")
        self._invoice(amount=60.0, due="2024-01-01")
        with freeze_time("2024-01-05"):
            self._dun()
        for day in ("2024-01-12", "2024-01-31"):
            with freeze_time(day):
                self._dun()
        self.assertEqual(self.subscriber.dunning_level_id, self.visit)
        with freeze_time("2024-02-02"):
            self._register_payment(first, "2024-01-10")
        self.assertEqual(
            self.subscriber.dunning_level_id,
            self.visit,
            "60.00 were still 30 days overdue at the run of 31 January",
        )

    def test_reconciliation_is_judged_on_the_later_date(self):
        """Applying an earlier payment to an invoice judges the subscriber on the invoice's
        date, the later of the two: when the payment could settle it."""
        payment = self.env["account.payment"].create(
            {
                "partner_id": self.subscriber.id,
                "amount": 100.0,
                "payment_type": "inbound",
                "partner_type": "customer",
                "date": "2024-01-05",
            }
        )
        payment.action_post()
        invoice = self._invoice(date="2024-01-20", due="2024-01-20")
        # only dunned partners are judged
        self.subscriber.sudo().dunning_level_id = self.reminder
        judged = self._record_judgements()
        with freeze_time("2024-02-05"):
            invoice.js_assign_outstanding_line(
                payment.move_id.line_ids.filtered(
                    lambda line: line.account_id.account_type == "asset_receivable"
                ).id
            )
        self.assertEqual(invoice.payment_state, "paid")
        self.assertEqual(judged, [(self.subscriber, D("2024-01-20"))])

    def _dun_to_suspension(self, invoice):
        """Four runs take an invoice overdue since 1 January to the suspension level on
        5 March; returns it with the fee invoices dunning charged on the way."""
        for _step in range(4):
            self._dun()
        self.assertEqual(self.service.state, "suspended")
        return invoice | self.env["account.move"].search(
            [("fee_charge_type", "!=", False)]
        )

    def test_payment_reconnects_at_once(self):
        invoice = self._invoice(due="2024-01-01")
        with freeze_time("2024-03-05"):
            owed = self._dun_to_suspension(invoice)
            self._register_payment(owed, amount=sum(owed.mapped("amount_residual")))
            self.assertEqual(
                self.service.state, "active", "in the payment's transaction"
            )
            self.assertFalse(self.subscriber.dunning_level_id)
            self.assertFalse(self.service.suspended_for_arrears)

    def test_credit_note_lowers_the_level_and_reconnects(self):
        invoice = self._invoice(due="2024-01-01")
        with freeze_time("2024-03-05"):
            self._dun_to_suspension(invoice)._reverse_moves(cancel=True)
            self.assertFalse(self.subscriber.dunning_level_id)
            self.assertEqual(self.service.state, "active")

    def _record_judgements(self):
        """Patch in a recorder of each judgement of subscribers after a payment."""
        reaction_class = type(self.env["fee.dunning.reaction"])
        update = reaction_class._update_after_payment
        judged = []

        def record(reaction, partners, date=None):
            judged.append((partners, date))
            return update(reaction, partners, date)

        self.enterContext(patch.object(reaction_class, "_update_after_payment", record))
        return judged

    def test_a_payment_is_judged_once_and_vendor_bills_not_at_all(self):
        invoice = self._invoice(due="2024-01-01")
        with freeze_time("2024-01-15"):
            self._dun()
        judged = self._record_judgements()
        with freeze_time("2024-01-20"):
            self._register_payment(invoice, amount=40.0)
        self.assertEqual(
            judged, [(self.subscriber, D("2024-01-20"))], "posted and reconciled"
        )
        judged.clear()
        bill = self.env["account.move"].create(
            {
                "move_type": "in_invoice",
                "partner_id": self.subscriber.id,
                "invoice_date": "2024-01-20",
                "invoice_line_ids": [
                    Command.create({"name": "Repair", "price_unit": 30.0})
                ],
            }
        )
        bill.action_post()
        self._register_payment(bill)
        self.assertFalse(judged, "a vendor bill and its payment owe us nothing")

    def test_invoice_levels_follow_a_payment_that_lowers_the_subscriber(self):
        first = self._invoice(amount=40.0, due="2024-01-01")
        second = self._invoice(amount=40.0, due="2024-01-01")
        with freeze_time("2024-01-05"):
            self._dun()
        with freeze_time("2024-01-12"):
            self._dun()
        self.assertEqual((first | second).dunning_level_id, self.call)
        with freeze_time("2024-01-13"):
            self._register_payment(first)
        self.assertEqual(self.subscriber.dunning_level_id, self.reminder)
        self.assertFalse(first.dunning_level_id, "paid: at no level")
        self.assertEqual(second.dunning_level_id, self.reminder, "open: lowered")
        self.assertEqual(second.last_dunning_date, D("2024-01-12"))

    def test_unapplied_payment_and_credit_note_are_netted(self):
        self._invoice(amount=100.0, due="2024-01-01")
        self._invoice(amount=50.0, date="2024-01-05", due="2024-01-05")
        payment = self.env["account.payment"].create(
            {
                "partner_id": self.subscriber.id,
                "amount": 120.0,
                "payment_type": "inbound",
                "partner_type": "customer",
                "date": "2024-01-06",
            }
        )
        payment.action_post()
        figures = self.env["fee.overdue"]._get_overdue_data(
            D("2024-01-10"), self.env.company, self.subscriber.ids
        )[self.subscriber.id]
        self.assertEqual(figures["amount"], 30.0)
        self.assertEqual(
            figures["oldest_due"], D("2024-01-05"), "oldest debt is covered first"
        )

    # ------------------------------------------------------------------
    # Late fees
    # ------------------------------------------------------------------

    def test_late_fee_accrual_cap_rounding_and_only_the_increase(self):
        invoice = self._invoice(amount=33.33, due="2024-01-01")
        self.assertEqual(
            invoice._get_late_fee_accrued(D("2024-01-06")), 0.0, "grace period"
        )
        # 33.33 × 0.001 × (40 - 5) = 1.16655 → 1.17
        self.assertEqual(invoice._get_late_fee_accrued(D("2024-02-10")), 1.17)
        # capped at 10% of 33.33
        self.assertEqual(invoice._get_late_fee_accrued(D("2024-12-31")), 3.33)
        with freeze_time("2024-02-10"):
            for _step in range(3):
                self._dun()
        self.assertEqual(self.subscriber.dunning_level_id, self.visit)
        self.assertEqual(invoice.late_fee_charged, 1.17)
        fee_invoice = self.env["account.move"].search(
            [("fee_charge_type", "=", "late_fee")]
        )
        self.assertEqual(fee_invoice.amount_total, 1.17)
        self.assertEqual(fee_invoice.state, "posted")
        with freeze_time("2024-03-05"):  # 64 days: 33.33 × 0.001 × 59 = 1.96647 → 1.97
            self._dun()
        self.assertEqual(self.subscriber.dunning_level_id, self.suspend)
        last = self.env["account.move"].search(
            [("fee_charge_type", "=", "late_fee")], order="id desc", limit=1
        )
        self.assertEqual(
            last.amount_total, 0.80 + 10.0, "increase 1.97 - 1.17 and the fixed fee"
        )
        self.assertEqual(invoice.late_fee_charged, 1.97)

    def test_manager_waives_late_fee_with_a_credit_note(self):
        invoice = self._invoice(due="2024-01-01")
        with freeze_time("2024-02-10"):
            for _step in range(3):
                self._dun()
        self.assertEqual(invoice.late_fee_charged, 3.5)
        fee_invoice = invoice.late_fee_line_ids.move_id
        with self.assertRaises(UserError):
            invoice.with_user(self.user_accountant).action_open_late_fee_waive()
        action = invoice.with_user(self.user_manager).action_open_late_fee_waive()
        wizard = (
            self.env[action["res_model"]]
            .with_user(self.user_manager)
            .with_context(**action["context"])
            .create({"reason": "Operator's fault"})
        )
        wizard.action_confirm()
        self.assertTrue(invoice.late_fee_waived)
        self.assertEqual(invoice.late_fee_waive_reason, "Operator's fault")
        self.assertEqual(invoice.late_fee_charged, 0.0)
        self.assertIn(fee_invoice.payment_state, ("paid", "reversed"))
        self.assertEqual(invoice._get_late_fee_accrued(D("2024-03-01")), 0.0)

    # ------------------------------------------------------------------
    # Runs
    # ------------------------------------------------------------------

    def test_run_cannot_go_back_in_time(self):
        with freeze_time("2024-01-10"):
            self._dun("2024-01-10")
            with self.assertRaisesRegex(UserError, "cannot go back"):
                self._dun("2024-01-09")

    def test_second_run_at_the_same_time_is_refused(self):
        main_company = self.env.ref("base.main_company")
        run = self.env["fee.dunning.run"].sudo().create({"company_id": main_company.id})
        with sql_db.db_connect(self.env.cr.dbname).cursor() as other:
            other.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)",
                [DUNNING_LOCK_KEY, main_company.id],
            )
            with self.assertRaisesRegex(UserError, "Another dunning run"):
                run.action_compute()
            other.rollback()

    def test_cron_executes_in_batches_and_resumes(self):
        neighbour = self._create_subscriber("Li Qiang", sequence="032")
        self._invoice(due="2024-01-01")
        self._invoice(due="2024-01-01", partner=neighbour)
        with (
            freeze_time("2024-01-05"),
            self.mockSMSGateway(),
            self._record_cron_progress() as progress,
        ):
            for _call in range(3):
                self.env["fee.dunning.run"].sudo()._cron_run_dunning(batch_size=1)
        self.assertEqual(progress, [(1, 1), (1, 0), (0, 0)])
        self.assertEqual((self.subscriber | neighbour).dunning_level_id, self.reminder)
        runs = self.env["fee.dunning.run"].search(
            [("company_id", "=", self.env.company.id)]
        )
        self.assertEqual(len(runs), 1)
        self.assertEqual(runs.state, "done")

    def test_large_run_is_queued_for_the_scheduler(self):
        neighbour = self._create_subscriber("Li Qiang", sequence="032")
        self._invoice(due="2024-01-01")
        self._invoice(due="2024-01-01", partner=neighbour)
        job = self.env.ref("fee_collection.ir_cron_fee_dunning")
        with freeze_time("2024-01-05"), self.mockSMSGateway():
            run = self.env["fee.dunning.run"].create({"date": "2024-01-05"})
            with patch(
                "odoo.addons.fee_collection.models.fee_dunning_run.SYNC_RUN_MAX_LINES",
                1,
            ):
                action = run.action_execute()
            self.assertEqual(action["tag"], "display_notification")
            self.assertIn(run.name, action["params"]["message"])
            self.assertEqual(run.state, "running")
            self.assertEqual(
                set(run.line_ids.mapped("state")), {"draft"}, "nothing in the request"
            )
            triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", job.id)])
            self.assertEqual(len(triggers), 1)
            with self._record_cron_progress() as progress:
                Run = self.env["fee.dunning.run"].sudo()
                Run._cron_run_dunning(batch_size=1)
                self.assertEqual(run.state, "running")
                self.assertEqual(
                    len(self.env["ir.cron.trigger"].search([("cron_id", "=", job.id)])),
                    2,
                    "called back at once while lines remain",
                )
                Run._cron_run_dunning(batch_size=1)
                self.assertEqual(run.state, "done", "by the call that ends it")
        self.assertEqual(progress, [(1, 1), (1, 0)])
        self.assertEqual((self.subscriber | neighbour).dunning_level_id, self.reminder)
        self.assertEqual(
            self.env["fee.dunning.run"].search([]), run, "the queued run is today's"
        )

    def test_todays_run_waits_for_a_queued_earlier_run(self):
        """A backdated run queued for the scheduler is executed before today's run is
        made: a run never starts before an earlier one is finished."""
        self._invoice(due="2024-01-01")
        job = self.env.ref("fee_collection.ir_cron_fee_dunning")
        Run = self.env["fee.dunning.run"].sudo()
        with freeze_time("2024-01-10"), self.mockSMSGateway():
            run = Run.create({"date": "2024-01-05"})
            with patch(
                "odoo.addons.fee_collection.models.fee_dunning_run.SYNC_RUN_MAX_LINES",
                0,
            ):
                run.action_execute()
            self.assertEqual(run.state, "running")
            self.env["ir.cron.trigger"].search([("cron_id", "=", job.id)]).unlink()
            Run._cron_run_dunning()
            self.assertEqual(run.state, "done")
            mine = [("company_id", "=", run.company_id.id)]
            self.assertEqual(Run.search(mine), run, "today's run waited")
            self.assertTrue(
                self.env["ir.cron.trigger"].search([("cron_id", "=", job.id)]),
                "and the job called itself back to make it",
            )
            Run._cron_run_dunning()
        today = Run.search([*mine, ("date", "=", "2024-01-10")])
        self.assertEqual(today.state, "done")

    def test_companies_are_dunned_apart(self):
        other_company = self.setup_other_company()["company"]
        foreign = self.env["res.partner"].create(
            {"name": "Foreign", "company_id": other_company.id}
        )
        self.env["account.move"].with_company(other_company).create(
            {
                "move_type": "out_invoice",
                "partner_id": foreign.id,
                "company_id": other_company.id,
                "invoice_date": "2024-01-01",
                "invoice_date_due": "2024-01-01",
                "invoice_line_ids": [
                    Command.create({"name": "Water", "price_unit": 70.0})
                ],
            }
        ).action_post()
        self._invoice(due="2024-01-01")
        with freeze_time("2024-01-05"):
            run = self._dun()
        self.assertEqual(run.line_ids.partner_id, self.subscriber)
        self.assertFalse(foreign.dunning_level_id)

    # ------------------------------------------------------------------
    # Configuration
    # ------------------------------------------------------------------

    def test_bad_configuration_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "strictly increasing"):
            self.call.days_overdue = 1
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            self.suspend.fee_amount = -5
        company = self.env.company
        for field, value, message in (
            ("late_fee_daily_rate", -0.01, "rate must be between 0 and 0.01"),
            ("late_fee_daily_rate", 1000, "rate must be between 0 and 0.01"),
            ("late_fee_cap_ratio", -1, "cap must be between 0 and 1"),
            ("late_fee_cap_ratio", 1e9, "cap must be between 0 and 1"),
            ("late_fee_grace_days", 400, "grace period must be between 0 and 365"),
            ("late_fee_grace_days", 2**40, "not a possible value"),
            ("fee_promise_max_days", 0, "horizon must be between 1 and 365"),
        ):
            with (
                self.subTest(field=field, value=value),
                self.assertRaises(ValidationError) as caught,
            ):
                company.write({field: value})
            self.assertIn(message, str(caught.exception))
        with self.assertRaisesRegex(ValidationError, "the fee 1000000"):
            self.suspend.fee_amount = 1e15
        with self.assertRaisesRegex(ValidationError, "cannot exceed 3650"):
            self.suspend.days_overdue = 5000
        with self.assertRaisesRegex(ValidationError, "not a possible value"):
            self.env["fee.dunning.level"].create(
                {"policy_id": self.policy.id, "name": "Far", "days_overdue": 2**33}
            )
        self._check_settings_of_managers()
        wrong_model = self.env["sms.template"].create(
            {
                "name": "Partner SMS",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "body": "Hello",
            }
        )
        with self.assertRaisesRegex(ValidationError, "template for dunning lines"):
            self.reminder.sms_template_id = wrong_model
        with self.assertRaisesRegex(ValidationError, "choose its SMS template"):
            self.call.send_sms = True

    def _check_settings_of_managers(self):
        """Fee collection managers, not Odoo administrators, configure fee collection;
        the company's checks apply to what they save."""
        company = self.env.company
        self.assertFalse(self.user_manager.has_group("base.group_system"))
        with Form(self.env["fee.settings"].with_user(self.user_manager)) as form:
            self.assertEqual(form.late_fee_daily_rate, company.late_fee_daily_rate)
            form.late_fee_daily_rate = 0.0005
            form.late_fee_cap_ratio = 0.5
            form.fee_promise_max_days = 20
        form.record.execute()
        self.assertEqual(
            (
                company.late_fee_daily_rate,
                company.late_fee_cap_ratio,
                company.fee_promise_max_days,
            ),
            (0.0005, 0.5, 20),
        )
        settings = (
            self.env["fee.settings"]
            .with_user(self.user_manager)
            .create({"late_fee_daily_rate": 5.0})
        )
        with self.assertRaises(ValidationError):
            settings.execute()
        with self.assertRaises(AccessError):
            self.env["fee.settings"].with_user(self.user_accountant).create({})
        self.assertEqual(
            self.policy.partner_count,
            len(self.env["res.partner"].search([("is_subscriber", "=", True)])),
            "the company's default applies to the subscribers without a policy",
        )

    def test_collector_cannot_change_levels(self):
        with self.assertRaises(AccessError):
            self.call.with_user(self.user_collector).days_overdue = 12
        with self.assertRaises(AccessError):
            self.env["fee.dunning.run"].with_user(self.user_collector).create({})
        self.assertEqual(self.call.with_user(self.user_collector).name, "Call")
