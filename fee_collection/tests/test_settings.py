from odoo.exceptions import AccessError
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
