from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, HttpCase, tagged

from .common import FeeCollectionCommon

SETTINGS_URL = "/odoo/action-fee_collection.fee_settings_action"


@tagged("post_install", "-at_install")
class TestSettings(FeeCollectionCommon):
    """Fee collection's settings are the company's, saved by its managers, who are not
    Odoo administrators, as Odoo's own settings are saved."""

    def test_saving_writes_the_company(self):
        self.assertFalse(self.user_manager.has_group("base.group_system"))
        with Form(self.env["fee.settings"].with_user(self.user_manager)) as form:
            form.late_fee_daily_rate = 0.0005
            form.late_fee_grace_days = 7
        action = form.record.execute()
        self.assertEqual(action["type"], "ir.actions.client")
        self.assertRecordValues(
            self.env.company,
            [{"late_fee_daily_rate": 0.0005, "late_fee_grace_days": 7}],
        )
        again = Form(self.env["fee.settings"].with_user(self.user_manager))
        self.assertEqual(
            again.late_fee_daily_rate, 0.0005, "read back from the company"
        )

    def test_the_form_is_odoos_settings_view(self):
        """Its Save and Discard are in the control panel, and Save calls ``execute``."""
        arch = self.env["fee.settings"].get_view(view_type="form")["arch"]
        self.assertIn('js_class="base_settings"', arch)
        self.assertNotIn("<footer", arch)

    def test_settings_out_of_bounds_are_refused(self):
        """Each setting is refused below its lowest and above its highest value, saying
        why in the user's language; its bounds themselves are taken."""
        company = self.env.company
        cases = {
            "late_fee_daily_rate": (0, 0.01, -0.0001, 0.0101, "between 0 and 0.01"),
            "late_fee_cap_ratio": (0, 1, -0.5, 1.5, "cannot exceed the amount"),
            "late_fee_grace_days": (0, 365, -1, 366, "between 0 and 365 days"),
            "fee_duplicate_window_minutes": (0, 60, -1, None, "cannot be negative"),
            "fee_cash_difference_threshold": (
                0,
                1e6,
                -0.01,
                None,
                "cannot be negative",
            ),
            "fee_unreachable_attempts": (0, 10, -1, None, "cannot be negative"),
            "fee_max_receipt_amount": (0, 1e9, -1, None, "cannot be negative"),
            "fee_pay_link_validity_days": (1, 3660, 0, 3661, "between 1 and 3660 days"),
            "fee_chronic_late_count": (1, 100, 0, 101, "between 1 and 100 late"),
            "fee_promise_max_days": (1, 365, 0, 366, "between 1 and 365 days"),
        }
        for field, (lowest, highest, below, above, reason) in cases.items():
            for value in (below, above):
                if value is None:
                    continue
                with self.subTest(field=field, value=value):
                    with self.assertRaisesRegex(ValidationError, reason):
                        with self.env.cr.savepoint():
                            company.write({field: value})
            company.write({field: lowest})
            company.write({field: highest})
            self.assertEqual(company[field], highest)

        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["fee_collection"], ["zh_CN"])
        with self.assertRaisesRegex(ValidationError, "滞纳金日费率必须在 0 到 0.01"):
            company.with_context(lang="zh_CN").late_fee_daily_rate = 0.02

    def test_only_managers_save_settings(self):
        with self.assertRaises(AccessError):
            self.env["fee.settings"].with_user(self.user_accountant).create({})


@tagged("post_install", "-at_install")
class TestSettingsTour(FeeCollectionCommon, HttpCase):
    """In the browser: a value changed, saved, and read back after a reload
    (static/tests/tours/fee_settings_tour.js)."""

    def test_settings_tour(self):
        self.env.company.late_fee_daily_rate = 0.0003
        self.user_manager.password = self.user_manager.login
        self.browser_size = "1366x768"

        self.start_tour(
            SETTINGS_URL, "fee_settings_tour", login=self.user_manager.login
        )

        self.env.invalidate_all()
        self.assertAlmostEqual(self.env.company.late_fee_daily_rate, 0.0005)
