from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import Form, tagged

from .common import FeeCollectionCommon


@tagged("post_install", "-at_install")
class TestFieldAccess(FeeCollectionCommon):
    """Fields that only a workflow or a higher role may change are refused on a direct
    write or create by everyone else; the workflows keep writing them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy = cls.env["fee.dunning.policy"].create(
            {
                "name": "Retail (access test)",
                "level_ids": [
                    Command.create(
                        {"sequence": 1, "name": "Reminder", "days_overdue": 1}
                    )
                ],
            }
        )
        cls.vip = cls.env["fee.dunning.policy"].create({"name": "VIP (access test)"})
        cls.level = cls.policy.level_ids
        cls.service = cls._create_subscription(date_start="2024-01-01")

    def _refused(self, records, user, vals):
        for field, value in vals.items():
            with (
                self.subTest(user=user.login, model=records._name, field=field),
                self.assertRaises(AccessError),
            ):
                records.with_user(user).write({field: value})

    @freeze_time("2024-02-01")
    def test_invoice_dunning_and_waiver_fields(self):
        invoice = self._invoice(date="2024-01-01")
        workflow_only = {
            "late_fee_waived": True,
            "late_fee_waive_reason": "Friend of the boss",
            "dunning_level_id": self.level.id,
            "last_dunning_date": "2024-01-31",
            "fee_charge_type": "late_fee",
        }
        for user in (self.user_cashier, self.user_accountant, self.user_manager):
            self._refused(invoice, user, workflow_only)
        pausing = {
            "promise_date": "2099-12-31",
            "dispute_state": "disputed",
            "dispute_note": "Says the box never worked",
        }
        self._refused(invoice, self.user_cashier, pausing)
        self.assertFalse(invoice.late_fee_waived)
        self.assertFalse(invoice.promise_date)
        invoice.with_user(self.user_accountant).write(pausing)
        self.assertEqual(invoice.dispute_state, "disputed")
        with self.assertRaises(AccessError):
            self.env["account.move"].with_user(self.user_cashier).create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.subscriber.id,
                    "late_fee_waived": True,
                }
            )

    def test_invoice_lines_bill_service_periods_for_accountants_only(self):
        invoice = self._invoice(date="2024-01-01")
        line = invoice.invoice_line_ids.with_user(self.user_cashier)
        with self.assertRaises(AccessError):
            line.write({"subscription_id": self.service.id})
        with self.assertRaises(AccessError):
            line.write({"late_fee_source_move_id": invoice.id})

    def test_partner_level_policy_and_exemption(self):
        self._refused(
            self.subscriber, self.user_manager, {"dunning_level_id": self.level.id}
        )
        manager_only = {
            "dunning_policy_id": self.vip.id,
            "dunning_exempt": True,
            "dunning_exempt_reason": "Government",
            "dunning_exempt_until": "2099-12-31",
        }
        for user in (self.user_cashier, self.user_accountant):
            self._refused(self.subscriber, user, manager_only)
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(self.user_cashier).create(
                {"name": "VIP at birth", "dunning_policy_id": self.vip.id}
            )
        self.subscriber.with_user(self.user_manager).write(manager_only)
        self.assertEqual(self.subscriber.dunning_policy_id, self.vip)
        # What the web client sends back unchanged passes.
        self.subscriber.with_user(self.user_cashier).write(
            {"dunning_policy_id": self.vip.id, "phone": "0591-1234567"}
        )

    def test_service_state_only_through_its_actions(self):
        self._refused(
            self.service,
            self.user_accountant,
            {
                "state": "suspended",
                "suspend_reason": "Typed in",
                "suspended_for_arrears": True,
                "catch_up_confirmed": True,
            },
        )
        Service = self.env["fee.subscription"].with_user(self.user_accountant)
        with self.assertRaises(AccessError):
            Service.create(
                {
                    "partner_id": self.subscriber.id,
                    "product_id": self.product_broadband.id,
                    "service_number": "BB-1",
                    "state": "active",
                }
            )
        service = self.service.with_user(self.user_accountant)
        service.action_suspend(reason="Travelling")
        self.assertEqual(service.state, "suspended")
        service.action_reconnect()
        self.assertEqual(service.state, "active")

    def test_refused_creations_consume_no_number(self):
        Run = self.env["fee.billing.run"]
        sequence = self.env.ref("fee_collection.seq_fee_billing_run")
        before = sequence.number_next_actual
        with self.assertRaises(AccessError):
            Run.with_user(self.user_cashier).create({})
        with self.assertRaises(AccessError):
            self.env["fee.dunning.run"].with_user(self.user_cashier).create({})
        with self.assertRaises(AccessError):
            self.env["fee.collection.order"].with_user(self.user_collector).create(
                {"partner_id": self.subscriber.id}
            )
        self.assertEqual(sequence.number_next_actual, before)

    def test_forms_offer_protected_fields_only_to_those_who_may_change_them(self):
        with Form(self.subscriber.with_user(self.user_cashier)) as form:
            for field in ("dunning_policy_id", "dunning_exempt"):
                with self.subTest(field=field), self.assertRaises(AssertionError):
                    form[field] = self.vip if field == "dunning_policy_id" else True
        with Form(self.subscriber.with_user(self.user_manager)) as form:
            form.dunning_policy_id = self.vip
            form.dunning_exempt = True
            form.dunning_exempt_reason = "Hospital"
        self.assertEqual(self.subscriber.dunning_policy_id, self.vip)
        self.assertTrue(self.subscriber.dunning_exempt)
