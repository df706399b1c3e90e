from freezegun import freeze_time

from odoo.tests import HttpCase, tagged

from .common import FeeCollectionCommon


@tagged("post_install", "-at_install")
class TestLanding(FeeCollectionCommon, HttpCase):
    """Where the web client starts after login, and the titles of the screens that are
    never saved records."""

    def _home_action_id(self, user):
        user.password = user.login
        self.authenticate(user.login, user.login)
        return self.make_jsonrpc_request("/web/session/get_session_info")[
            "home_action_id"
        ]

    def test_cashiers_and_collectors_start_on_their_work(self):
        counter = self.env.ref("fee_collection.fee_counter_payment_action")
        my_orders = self.env.ref("fee_collection.fee_collection_order_action_mine")
        self.assertEqual(self._home_action_id(self.user_cashier), counter.id)
        self.assertEqual(self._home_action_id(self.user_collector), my_orders.id)
        self.assertFalse(
            self._home_action_id(self.user_accountant),
            "accountants keep Odoo's default: their work is more than one screen",
        )

    def test_a_home_action_of_ones_own_is_kept(self):
        receipts = self.env.ref("fee_collection.fee_receipt_action")
        self.user_cashier.action_id = self.env["ir.actions.actions"].browse(receipts.id)
        self.assertEqual(self._home_action_id(self.user_cashier), receipts.id)

    @freeze_time("2024-03-10")
    def test_the_dashboard_is_titled(self):
        """A new record's form is titled with its display name, "New" without one: the
        web client asks for it when it opens the form."""
        result = (
            self.env["fee.arrears.dashboard"]
            .with_user(self.user_accountant)
            .onchange({}, [], {"display_name": {}, "month": {}})
        )
        self.assertEqual(
            result["value"]["display_name"], "Arrears Dashboard, March 2024"
        )
