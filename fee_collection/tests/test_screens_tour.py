from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import FeeCollectionCommon
from .phone import PhoneTourMixin


@tagged("post_install", "-at_install")
class TestScreensTour(PhoneTourMixin, FeeCollectionCommon, HttpCase):
    """What the screens show at first sight, in the browser
    (static/tests/tours/fee_screens_tour.js): the subscriber's form on the subscriber's
    file, a broken promise on the collector's worklist, targets and the week's
    leaderboard on a phone."""

    def setUp(self):
        super().setUp()
        self.today = fields.Date.today()
        for user in (self.user_accountant, self.user_collector):
            user.password = user.login

    def _on_phone(self):
        widths = self._emulate_phone(375, 667)
        self.browser_size = "375x667"
        self.touch_enabled = True
        return widths

    def test_subscriber_form_opens_on_the_file(self):
        self._create_subscription()
        invoice = self._invoice(
            amount=702.21,
            date=self.today - relativedelta(days=45),
            due=self.today - relativedelta(days=40),
        )
        invoice.promise_date = self.today + relativedelta(days=5)
        self.assertEqual(self.subscriber.fee_paused_amount, 702.21)
        contact = self.env["res.partner"].create({"name": "Acme Supplies"})

        self.start_tour(
            "/odoo/action-fee_collection.res_partner_action_subscriber/"
            f"{self.subscriber.id}",
            "fee_subscriber_file_tour",
            login=self.user_accountant.login,
        )
        self.start_tour(
            f"/odoo/action-base.action_partner_form/{contact.id}",
            "fee_contact_form_tour",
            login=self.user_accountant.login,
        )

    def test_broken_promise_on_the_worklist(self):
        orders = self.env["fee.collection.order"]
        for name, sequence in (("Liu Yang", "811"), ("Sun Mei", "812")):
            partner = self._create_subscriber(name, sequence=sequence)
            self._invoice(
                amount=60.0, date=self.today - relativedelta(days=40), partner=partner
            )
            orders |= orders.create(
                {"partner_id": partner.id, "collector_id": self.user_collector.id}
            )
        broken = orders[0]
        broken.sudo().write(
            {"outcome": "promise", "promise_date": self.today + relativedelta(days=1)}
        )
        broken.sudo()._break_promises()
        self.assertEqual(broken.promise_state, "broken")

        widths = self._on_phone()
        self.start_tour(
            "/odoo/action-fee_collection.fee_collection_order_action_mine",
            "fee_broken_promise_tour",
            login=self.user_collector.login,
        )
        self.assertEqual(widths, [375], "the tour ran in a phone's viewport")

    def test_targets_and_the_weeks_leaderboard_on_a_phone(self):
        neighbour = self._create_grid_2_subscriber()
        monday = self.today - relativedelta(days=self.today.weekday())
        self._invoice(amount=200.0, date=monday - relativedelta(days=30))
        self._invoice(
            amount=200.0, date=monday - relativedelta(days=30), partner=neighbour
        )
        for date, partner, user, amount in (
            (
                monday - relativedelta(days=3),
                self.subscriber,
                self.user_collector,
                90.0,
            ),
            (monday, self.subscriber, self.user_collector, 50.0),
            (monday, neighbour, self.user_collector_2, 80.0),
        ):
            wallet = self.env.company._fee_get_field_journals(user)[1]
            partner.with_user(user)._fee_collect(
                amount, wallet, channel="field", date=date
            )
        self.env["fee.collector.target"].create(
            [
                {
                    "collector_id": user.id,
                    "date_from": monday,
                    "date_to": monday + relativedelta(days=6),
                    "amount_target": 100.0,
                }
                for user in (self.user_collector, self.user_collector_2)
            ]
        )

        widths = self._on_phone()
        self.start_tour(
            "/odoo/action-fee_collection.fee_collector_target_action",
            "fee_leaderboard_phone_tour",
            login=self.user_accountant.login,
        )
        self.assertEqual(widths, [375], "the tour ran in a phone's viewport")
