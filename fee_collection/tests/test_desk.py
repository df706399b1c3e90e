from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .common import FeeCollectionCommon

D = fields.Date.to_date


@tagged("post_install", "-at_install")
class TestDesk(FeeCollectionCommon):
    """What accountants and managers see at their desks: debts a promise does not hide,
    the subscriber's chatter telling what payments did, readable dunning history, and
    invoice lists that stay the subscriber's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy = cls.env["fee.dunning.policy"].create(
            {
                "name": "Desk (test)",
                "level_ids": [
                    Command.create(
                        {"sequence": 1, "name": "Reminder", "days_overdue": 1}
                    ),
                    Command.create(
                        {
                            "sequence": 2,
                            "name": "Suspension",
                            "days_overdue": 10,
                            "min_amount": 50.0,
                            "suspend_service": True,
                        }
                    ),
                ],
            }
        )
        cls.reminder, cls.suspension = cls.policy.level_ids
        cls.env.company.dunning_policy_id = cls.policy
        cls.service = cls._create_subscription(date_start="2024-01-01")

    def _dun(self, date):
        with freeze_time(date):
            run = self.env["fee.dunning.run"].create({"date": date})
            run.action_execute()
        return run

    def test_a_promise_pauses_dunning_but_does_not_hide_the_debt(self):
        invoice = self._invoice(amount=80.0, date="2024-01-01")
        self._invoice(amount=20.0, date="2024-01-05")
        invoice.promise_date = "2024-01-25"
        with freeze_time("2024-01-10"):
            self.subscriber.invalidate_recordset()
            self.assertEqual(self.subscriber.fee_overdue_amount, 100.0)
            self.assertEqual(self.subscriber.fee_overdue_days, 9)
            self.assertEqual(self.subscriber.fee_paused_amount, 80.0)
            self.assertEqual(self.subscriber.fee_promise_date, D("2024-01-25"))
            overdue = self.env["res.partner"].search(
                [("is_subscriber", "=", True), ("fee_overdue_amount", ">", 0)]
            )
            self.assertIn(self.subscriber, overdue, "stays in the Overdue filter")

    def test_level_drops_and_reconnections_are_told_on_the_subscriber(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        invoice = self._invoice(amount=100.0, date="2024-01-01")
        self._dun("2024-01-05")
        self._dun("2024-01-12")
        self.assertEqual(self.service.state, "suspended")
        with freeze_time("2024-01-13"):
            self._register_payment(invoice, amount=60.0)
        self.subscriber.invalidate_recordset(["message_ids"])
        messages = self.subscriber.message_ids
        self.assertEqual(self.service.state, "active")
        self.assertIn("lowered from Suspension to Reminder", messages[1].body)
        self.assertIn("Reconnected", messages[0].body)
        self.assertIn("TV-0001", messages[0].body)
        run = self._dun("2024-01-20")
        self.assertFalse(run.line_ids, "40.00 still reaches the reminder")
        with freeze_time("2024-01-21"):
            self._register_payment(invoice)
        self.assertIn(
            "lowered from Reminder to no level", self.subscriber.message_ids[0].body
        )

    def test_a_run_says_why_a_level_drops(self):
        invoice = self._invoice(amount=100.0, date="2024-01-01")
        self._dun("2024-01-05")
        invoice.promise_date = "2024-01-31"
        line = self._dun("2024-01-06").line_ids
        self.assertEqual(
            (line.previous_level_id, line.level_id.id), (self.reminder, False)
        )
        self.assertIn("Nothing overdue any more", line.change_reason)
        self.assertIn("100.00 held back by a promise to pay", line.change_reason)

    def test_dunning_history_is_named_and_kept(self):
        self.reminder.send_letter = True
        self._invoice(amount=100.0, date="2024-01-01")
        run = self._dun("2024-01-05")
        line = run.line_ids
        self.assertEqual(line.display_name, f"{run.name} · Zhang Wei")
        with self.assertRaises(AccessError):
            line.with_user(self.user_accountant).unlink()
        with self.assertRaises(AccessError):
            line.action_ids.with_user(self.user_accountant).unlink()

    def test_subscriber_invoices_stay_the_subscribers_after_a_reload(self):
        mine = self._invoice(amount=10.0, date="2024-01-01")
        neighbour = self._create_subscriber("Li Qiang", sequence="032")
        self._invoice(amount=20.0, date="2024-01-01", partner=neighbour)
        action = self.env.ref("fee_collection.fee_subscriber_invoice_action")
        # What the web client does on a reload: the action again, with the subscriber's
        # id from the page's address as active_id.
        domain = safe_eval(action.domain, {"active_id": self.subscriber.id})
        self.assertEqual(self.env["account.move"].search(domain), mine)
