from unittest.mock import patch

from freezegun import freeze_time

from odoo import SUPERUSER_ID, sql_db
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.fee_collection.models.fee_collection_order_dispatch import (
    DISPATCH_LOCK_KEY,
)

from .common import FeeCollectionCommon


@tagged("post_install", "-at_install")
class TestDispatchConcurrency(FeeCollectionCommon):
    """Two dispatches of one company at once: the second is told to wait, never
    shown the database's refusal of a second open order."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._create_dunning_policy(
            "Calls (test)", {"name": "Call", "days_overdue": 1, "order_type": "phone"}
        )

    def setUp(self):
        super().setUp()
        self.enterContext(freeze_time("2024-01-10"))
        self._invoice(amount=100.0, date="2024-01-01")
        self.env["fee.dunning.run"].create({"date": "2024-01-05"}).action_execute()
        # The subscriber is due a call again, its first order being cancelled.
        self._open_order().with_user(self.user_accountant).action_cancel()

    def _open_order(self):
        return self.env["fee.collection.order"].search(
            [("partner_id", "=", self.subscriber.id), ("state", "=", "open")]
        )

    def _hold_dispatch_lock(self):
        """A cursor of its own, as another dispatch's, holding the company's lock until
        it is rolled back."""
        other = sql_db.db_connect(self.env.cr.dbname).cursor()
        other.execute(
            "SELECT pg_advisory_xact_lock(%s, %s)",
            [DISPATCH_LOCK_KEY, self.env.company.id],
        )
        return other

    def test_second_dispatch_at_the_same_time_is_refused(self):
        Order = self.env["fee.collection.order"].with_user(self.user_accountant)
        with self._hold_dispatch_lock() as other:
            with self.assertRaisesRegex(
                UserError, f"A dispatch of {self.env.company.name} is running"
            ):
                Order.action_dispatch()
            other.rollback()
        Order.action_dispatch()
        self.assertTrue(self._open_order())

    def test_daily_dispatch_leaves_a_company_being_dispatched(self):
        scheduler = self.env["fee.collection.order"].with_user(SUPERUSER_ID)
        with self._hold_dispatch_lock() as other:
            scheduler._cron_dispatch()
            self.assertFalse(self._open_order(), "left to the dispatch running")
            other.rollback()
        scheduler._cron_dispatch()
        self.assertTrue(self._open_order())

    def test_orders_issued_meanwhile_by_another_dispatch_give_a_clear_error(self):
        Order = type(self.env["fee.collection.order"])
        update_figures = Order._update_figures

        def update_while_another_dispatch_commits(orders, updates):
            # The other dispatch's order, committed after this one read the open
            # orders: its snapshot does not see it, only the unique index does.
            self.env.cr.execute(
                """
                INSERT INTO fee_collection_order
                       (name, date, company_id, partner_id, order_type, state)
                VALUES ('CO/OTHER', '2024-01-10', %s, %s, 'phone', 'open')
                """,
                [self.env.company.id, self.subscriber.id],
            )
            return update_figures(orders, updates)

        with (
            patch.object(
                Order, "_update_figures", update_while_another_dispatch_commits
            ),
            patch.object(Order, "_check_one_open", lambda orders, partner_ids: None),
            mute_logger("odoo.sql_db"),
            self.assertRaisesRegex(UserError, "were issued to the same subscribers"),
        ):
            self.env["fee.collection.order"].sudo()._dispatch()
        self.assertEqual(self._open_order().name, "CO/OTHER")
