from freezegun import freeze_time

from odoo.tests import tagged

from odoo.addons.sms.tests.common import SMSCase

from .common import FeeCollectionCommon


@tagged("post_install", "-at_install")
class TestLanguages(FeeCollectionCommon, SMSCase):
    """What a subscriber receives (SMS, invoice lines, receipts) is in the subscriber's
    language and date format; what is stored for everyone (chatter notes, activities,
    anomalies, journal names) in the company's language, whoever made it. Here the
    company speaks Chinese, its users English, Zhang Wei Chinese and John Smith
    English."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # As the web client calls: in the user's language.
        cls.env = cls.env(context=dict(cls.env.context, lang="en_US"))
        cls.env["res.lang"]._activate_lang("zh_CN")
        cls.env["ir.module.module"]._load_module_terms(["fee_collection"], ["zh_CN"])
        cls.env.company.partner_id.lang = "zh_CN"
        (
            cls.user_collector
            | cls.user_cashier
            | cls.user_accountant
            | cls.user_manager
        ).lang = "en_US"
        cls._setup_late_fees()
        cls.policy = cls._create_dunning_policy(
            "Retail (test)",
            cls._sms_reminder_level(),
            {"name": "Visit", "days_overdue": 30, "apply_late_fee": True},
        )
        cls.subscriber.write({"lang": "zh_CN", "mobile": "+8613800000001"})
        cls.english = cls._create_subscriber(
            "John Smith", sequence="002", lang="en_US", mobile="+8613800000002"
        )

    def _dun(self, date):
        run = (
            self.env["fee.dunning.run"]
            .with_user(self.user_accountant)
            .create({"date": date})
        )
        run.action_execute()
        return run

    # ------------------------------------------------------------------
    # What the subscriber receives: the subscriber's language
    # ------------------------------------------------------------------

    def test_dunning_sms_in_each_subscribers_language(self):
        self._invoice(due="2024-01-01")
        self._invoice(due="2024-01-01", partner=self.english)
        with freeze_time("2024-01-05"), self.mockSMSGateway():
            run = self._dun("2024-01-05")
            self.env["sms.sms"].sudo().search(
                [("partner_id", "in", (self.subscriber | self.english).ids)]
            ).send()
        self.assertSMSIapSent(["+8613800000001"], content="尊敬的Zhang Wei，您的账户")
        self.assertSMSIapSent(["+8613800000002"], content="John Smith, ")
        self.assertSMSIapSent(
            ["+8613800000002"], content="is overdue on your account. Please pay soon"
        )
        # What the run did, for everyone to read: in the company's language.
        self.assertEqual(
            sorted(run.line_ids.action_ids.mapped("note")),
            ["短信已排队发送至 +8613800000001。", "短信已排队发送至 +8613800000002。"],
        )

    def test_late_fee_lines_in_the_subscribers_language_and_date_format(self):
        chinese = self._invoice(due="2024-01-01")
        english = self._invoice(due="2024-01-01", partner=self.english)
        with self.mockSMSGateway():
            self._dun("2024-01-05")
            self._dun("2024-02-20")
        self.assertEqual(
            chinese.late_fee_line_ids.name,
            f"{chinese.name} 的滞纳金，到期日 2024年01月01日",
        )
        self.assertEqual(
            english.late_fee_line_ids.name,
            f"Late fee on {english.name}, due 01/01/2024",
        )

    def test_receipt_printed_in_the_subscribers_language(self):
        cash = self.env.company._fee_get_payment_journals()[:1]
        with freeze_time("2024-03-10"):
            self.env["fee.cash.session"].with_user(self.user_cashier).create({})
            receipts = {}
            for partner in self.subscriber | self.english:
                self._invoice(amount=25.0, date="2024-03-01", partner=partner)
                receipts[partner] = partner.with_user(self.user_cashier)._fee_collect(
                    25.0, cash
                )
        Report = self.env["ir.actions.report"].with_user(self.user_cashier)
        chinese, english = (
            Report._render_qweb_html(
                "fee_collection.report_fee_receipt", receipts[partner].ids
            )[0].decode()
            for partner in (self.subscriber, self.english)
        )
        self.assertIn("收据", chinese)
        self.assertIn("收款合计", chinese)
        self.assertIn("2024年03月10日", chinese)
        self.assertNotIn("Total received", chinese)
        self.assertIn("Total received", english)
        self.assertIn("03/10/2024", english)

    # ------------------------------------------------------------------
    # What is stored for everyone: the company's language
    # ------------------------------------------------------------------

    def test_collectors_journal_and_payment_notes_in_the_companys_language(self):
        invoice = self._invoice(amount=100.0)
        order = self.env["fee.collection.order"].create(
            {
                "partner_id": self.subscriber.id,
                "collector_id": self.user_collector.id,
                "amount_due": 100.0,
            }
        )
        action = (
            self.env["fee.collection.outcome"]
            .with_user(self.user_collector)
            .with_context(default_order_id=order.id)
            .create({"outcome": "paid"})
            .action_confirm()
        )
        receipt = self.env["fee.receipt"].browse(action["res_id"])
        self.assertEqual(receipt.journal_id.name, "Fee Collector 的现金")
        self.assertIn(
            f"收据 {receipt.name}（Fee Collector）", invoice.message_ids[0].body
        )

    def test_anomalies_and_activities_in_the_companys_language(self):
        cash = self.env.company._fee_get_payment_journals()[:1]
        self.env["fee.cash.session"].with_user(self.user_cashier).create({})
        receipt = self.subscriber.with_user(self.user_cashier)._fee_collect(25.0, cash)
        receipt.with_user(self.user_cashier).action_void("Wrong subscriber")
        anomaly = self.env["fee.anomaly"].search([("receipt_id", "=", receipt.id)])
        self.assertIn("Fee Cashier 作废了金额为", anomaly.description)
        self.assertIn(f"的收据 {receipt.name}：Wrong subscriber", anomaly.description)
        self.assertEqual(
            set(anomaly.activity_ids.mapped("summary")), {anomaly.description}
        )

        self._invoice(amount=100.0, date="2023-01-01")
        write_off = (
            self.env["fee.write.off"]
            .with_user(self.user_accountant)
            .create({"partner_id": self.subscriber.id, "reason": "Moved away"})
        )
        write_off.action_submit()
        self.assertEqual(
            set(write_off.activity_ids.mapped("summary")),
            {f"审批坏账核销申请 {write_off.name}"},
        )
