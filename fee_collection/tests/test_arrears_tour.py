from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import FeeCollectionCommon


@tagged("post_install", "-at_install")
class TestArrearsTour(FeeCollectionCommon, HttpCase):
    """A manager in the browser reads the dashboard's headline figures and opens the
    analysis behind them (static/tests/tours/fee_arrears_tour.js)."""

    def test_arrears_tour(self):
        today = fields.Date.today()
        debtor = self._create_subscriber("Zhou Min", sequence="901")
        for months, amount in ((2, 50.0), (1, 38.0)):
            self._invoice(
                amount=amount, date=today - relativedelta(months=months), partner=debtor
            )
        kpis = self.env["fee.arrears.report"]._get_kpis(today.replace(day=1))
        self.assertEqual((kpis["overdue"], kpis["arrears_rate"]), (88.0, 1.0))
        self.user_manager.password = self.user_manager.login

        self.start_tour(
            "/odoo/action-fee_collection.fee_arrears_dashboard_action",
            "fee_arrears_tour",
            login=self.user_manager.login,
        )
