from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import tagged, users

from .common import FeeCollectionCommon


@tagged("post_install", "-at_install")
class TestAccess(FeeCollectionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_grid = cls.env["fee.area"].create(
            {"name": "Grid 2", "code": "N02", "parent_id": cls.branch.id}
        )
        cls.own_service = cls._create_subscription(number="OWN")
        cls.stranger = cls._create_subscriber(
            "Stranger", sequence="020", area_id=cls.other_grid.id
        )
        cls.other_service = cls._create_subscription(
            partner=cls.stranger, number="OTHER"
        )
        cls.direct = cls._create_subscriber(
            "Directly Assigned",
            sequence="021",
            area_id=cls.other_grid.id,
            collector_id=cls.user_collector.id,
        )
        cls.direct_service = cls._create_subscription(
            partner=cls.direct, number="DIRECT"
        )

    @users("fee_collector")
    def test_collector_sees_own_area_and_assigned_subscribers_only(self):
        services = self.env["fee.subscription"].search([])
        self.assertEqual(services, self.own_service | self.direct_service)
        partners = self.env["res.partner"].search([("is_subscriber", "=", True)])
        self.assertEqual(partners, self.subscriber | self.direct)
        with self.assertRaises(AccessError):
            self.other_service.with_env(self.env).read(["service_number"])

    @users("fee_collector")
    def test_collector_cannot_change_services_or_bill(self):
        service = self.own_service.with_env(self.env)
        with self.assertRaises(AccessError):
            service.write({"quantity": 2})
        with self.assertRaises(AccessError):
            service.action_suspend(reason="not allowed")
        with self.assertRaises(AccessError):
            self.env["fee.billing.run"].create({})
        with self.assertRaises(AccessError):
            self.env["fee.area"].create({"name": "Mine", "code": "M"})

    @users("fee_cashier")
    def test_cashier_sees_all_but_cannot_bill(self):
        self.assertEqual(
            self.env["fee.subscription"].search([]),
            self.own_service | self.other_service | self.direct_service,
        )
        with self.assertRaises(AccessError):
            self.env["fee.billing.run"].create({})

    @freeze_time("2024-03-01")
    @users("fee_accountant")
    def test_accountant_runs_the_whole_flow(self):
        partner = self.env["res.partner"].create(
            {
                "name": "New Subscriber",
                "is_subscriber": True,
                "area_id": self.grid.id,
            }
        )
        service = self.env["fee.subscription"].create(
            {
                "partner_id": partner.id,
                "product_id": self.product_tv.id,
                "service_number": "NEW-1",
                "date_start": "2024-03-01",
            }
        )
        service.action_activate()
        run = self.env["fee.billing.run"].create({"date": "2024-03-01"})
        run.action_run()
        self.assertEqual(service.invoice_line_ids.move_id.state, "posted")
        with self.assertRaises(AccessError):
            self.env["fee.area"].create({"name": "Not mine", "code": "X"})
        with self.assertRaises(AccessError):
            service.unlink()

    @users("fee_manager")
    def test_manager_configures_areas(self):
        area = self.env["fee.area"].create({"name": "South Branch", "code": "S"})
        self.assertEqual(area.company_id, self.env.company)

    def test_group_hierarchy(self):
        self.assertTrue(
            self.user_manager.has_group("fee_collection.group_fee_collector")
        )
        self.assertTrue(
            self.user_accountant.has_group("fee_collection.group_fee_cashier")
        )
        # Cashiers take money through the receipt only: no Billing rights.
        self.assertFalse(self.user_cashier.has_group("account.group_account_invoice"))
        self.assertTrue(self.user_accountant.has_group("account.group_account_invoice"))
        self.assertFalse(
            self.user_collector.has_group("fee_collection.group_fee_cashier")
        )
        self.assertFalse(
            self.user_cashier.has_group("fee_collection.group_fee_accountant")
        )

    def test_other_company_services_invisible(self):
        other_company = self.setup_other_company()["company"]
        foreign_item = self._create_fee_item("Water", 30.0, company_id=other_company.id)
        foreign = self.env["res.partner"].create(
            {
                "name": "Foreign",
                "is_subscriber": True,
                "company_id": other_company.id,
            }
        )
        self.env["fee.subscription"].create(
            {
                "partner_id": foreign.id,
                "product_id": foreign_item.id,
                "service_number": "W-1",
                "company_id": other_company.id,
            }
        )
        visible = (
            self.env["fee.subscription"].with_user(self.user_accountant).search([])
        )
        self.assertNotIn("W-1", visible.mapped("service_number"))

    def test_collector_sees_dunning_history_of_own_subscribers_only(self):
        run = self.env["fee.dunning.run"].create({})
        lines = self.env["fee.dunning.line"].create(
            [
                {
                    "run_id": run.id,
                    "date": run.date,
                    "company_id": run.company_id.id,
                    "partner_id": partner.id,
                    "amount_due": 10.0,
                }
                for partner in (self.subscriber, self.direct, self.stranger)
            ]
        )
        self.env["fee.dunning.action"].create(
            [
                {
                    "line_id": line.id,
                    "partner_id": line.partner_id.id,
                    "date": line.date,
                    "action_type": "sms",
                    "state": "done",
                    "note": "SMS queued",
                }
                for line in lines
            ]
        )
        own = self.subscriber | self.direct
        for model in ("fee.dunning.line", "fee.dunning.action"):
            with self.subTest(model=model):
                Model = self.env[model]
                self.assertEqual(
                    Model.with_user(self.user_collector).search([]).partner_id, own
                )
                self.assertFalse(Model.with_user(self.user_collector_2).search([]))
                self.assertEqual(
                    Model.with_user(self.user_cashier).search([]).partner_id,
                    own | self.stranger,
                )
        with self.assertRaises(AccessError):
            lines[2].with_user(self.user_collector).read(["amount_due"])
