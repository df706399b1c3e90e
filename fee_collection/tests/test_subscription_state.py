from psycopg2 import IntegrityError

from odoo.exceptions import UserError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common import FeeCollectionCommon


@tagged("post_install", "-at_install")
class TestSubscriptionState(FeeCollectionCommon):
    def test_life_cycle(self):
        subscription = self._create_subscription(activate=False)
        self.assertEqual(subscription.state, "draft")
        subscription.action_activate()
        self.assertEqual(subscription.state, "active")
        subscription.action_suspend(reason="Customer travelling")
        self.assertEqual(subscription.state, "suspended")
        self.assertEqual(subscription.suspend_reason, "Customer travelling")
        subscription.action_reconnect()
        self.assertEqual(subscription.state, "active")
        self.assertFalse(subscription.suspend_reason)
        subscription.action_disconnect()
        self.assertEqual(subscription.state, "disconnected")
        subscription.action_close()
        self.assertEqual(subscription.state, "closed")

    def test_forbidden_transitions(self):
        subscription = self._create_subscription(activate=False)
        forbidden = {
            "draft": ["action_reconnect", "action_disconnect"],
            "active": ["action_activate", "action_reconnect", "action_close"],
            "suspended": ["action_activate", "action_close"],
            "disconnected": [
                "action_activate",
                "action_reconnect",
                "action_disconnect",
            ],
            "closed": [
                "action_activate",
                "action_reconnect",
                "action_disconnect",
                "action_close",
            ],
        }
        moves = {
            "active": subscription.action_activate,
            "suspended": lambda: subscription.action_suspend(reason="test"),
            "disconnected": subscription.action_disconnect,
            "closed": subscription.action_close,
        }
        for state in ["draft", "active", "suspended", "disconnected", "closed"]:
            if state != "draft":
                moves[state]()
            for method in forbidden[state]:
                with (
                    self.subTest(state=state, method=method),
                    self.assertRaisesRegex(UserError, "cannot become"),
                ):
                    getattr(subscription, method)()
                self.assertEqual(subscription.state, state)
        with self.assertRaises(UserError):
            subscription.action_suspend(reason="closed services cannot be suspended")

    def test_forbidden_transition_in_batch_changes_nothing(self):
        active = self._create_subscription(number="TV-1")
        draft = self._create_subscription(number="TV-2", activate=False)
        with self.assertRaises(UserError):
            (active | draft).action_suspend(reason="batch")
        self.assertEqual(active.state, "active")
        self.assertEqual(draft.state, "draft")

    def test_activation_needs_a_price(self):
        free_item = self._create_fee_item("Free Item", 0.0)
        subscription = self._create_subscription(product=free_item, activate=False)
        with self.assertRaisesRegex(UserError, "has no price"):
            subscription.action_activate()
        self.assertEqual(subscription.state, "draft")

    def test_suspension_needs_a_reason(self):
        subscription = self._create_subscription()
        with self.assertRaisesRegex(UserError, "reason"):
            subscription.action_suspend()
        self.assertEqual(subscription.state, "active")

    def test_suspend_wizard(self):
        subscriptions = self._create_subscription(
            number="TV-1"
        ) | self._create_subscription(product=self.product_broadband, number="BB-1")
        action = subscriptions.action_open_suspend_wizard()
        with Form(
            self.env[action["res_model"]].with_context(**action["context"])
        ) as wizard:
            self.assertEqual(len(wizard.subscription_ids), 2)
            wizard.reason = "Relocation"
        wizard.record.action_confirm()
        self.assertEqual(set(subscriptions.mapped("state")), {"suspended"})
        self.assertEqual(set(subscriptions.mapped("suspend_reason")), {"Relocation"})

    def test_state_changes_tracked_in_chatter(self):
        subscription = self._create_subscription(activate=False).with_context(
            tracking_disable=False, mail_notrack=False
        )
        self.env.flush_all()
        self.env.cr.precommit.run()  # changes in the creating transaction are not tracked
        for action in (
            subscription.action_activate,
            lambda: subscription.action_suspend(reason="Customer request"),
        ):
            action()
            self.env.flush_all()
            self.env.cr.precommit.run()  # tracking is written just before each commit
        tracked = subscription.message_ids.tracking_value_ids.filtered(
            lambda value: value.field_id.name == "state"
        )
        self.assertEqual(
            sorted(tracked.mapped("new_value_char")), ["Active", "Suspended"]
        )
        reasons = subscription.message_ids.tracking_value_ids.filtered(
            lambda value: value.field_id.name == "suspend_reason"
        )
        self.assertEqual(reasons.new_value_char, "Customer request")

    @mute_logger("odoo.sql_db")
    def test_service_number_unique_per_item(self):
        self._create_subscription(number="TV-0001")
        self._create_subscription(product=self.product_broadband, number="TV-0001")
        with self.assertRaises(IntegrityError):
            self._create_subscription(number="TV-0001", activate=False)

    def test_price_from_pricelist_with_discount(self):
        pricelist = self.env["product.pricelist"].create(
            {
                "name": "Seniors",
                "currency_id": self.env.company.currency_id.id,
                "item_ids": [
                    (
                        0,
                        0,
                        {
                            "applied_on": "1_product",
                            "product_tmpl_id": self.product_tv.product_tmpl_id.id,
                            "compute_price": "percentage",
                            "percent_price": 20.0,
                        },
                    )
                ],
            }
        )
        senior = self._create_subscriber("Old Zhao", sequence="010")
        senior.property_product_pricelist = pricelist
        subscription = self._create_subscription(partner=senior)
        self.assertAlmostEqual(subscription.price_unit, 20.0)
        self.assertAlmostEqual(
            self._create_subscription(number="TV-2").price_unit, 25.0
        )

    def test_area_and_collector_follow_subscriber(self):
        self.subscriber.collector_id = self.user_collector_2
        subscription = self._create_subscription()
        self.assertEqual(subscription.area_id, self.grid)
        self.assertEqual(subscription.collector_id, self.user_collector_2)
