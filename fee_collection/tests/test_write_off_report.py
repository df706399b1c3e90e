from freezegun import freeze_time

from odoo import fields
from odoo.tests import tagged

from .common import FeeCollectionCommon


@tagged("post_install", "-at_install")
class TestBadDebtRate(FeeCollectionCommon):
    """The bad-debt rate of the arrears analysis: net new bad debt (written off less
    recovered) over what was billed, of each group.

    Zhang Wei is billed 100.00 in January and 80.00 in February, written off (180.00)
    on 10 March, and pays 45.00 at the counter on 20 March; Li Na is billed 50.00 in
    January and pays it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.li_na = cls._create_subscriber("Li Na", sequence="002")
        cls.cash = cls.env.company._fee_get_payment_journals()[:1]

    def setUp(self):
        super().setUp()
        self._invoice(amount=100.0, date="2024-01-01")
        self._invoice(amount=80.0, date="2024-02-01")
        li_na_invoice = self._invoice(
            amount=50.0, date="2024-01-01", partner=self.li_na
        )
        self._register_payment(li_na_invoice, date="2024-01-15")
        with freeze_time("2024-03-10"):
            write_off = (
                self.env["fee.write.off"]
                .with_user(self.user_accountant)
                .create({"partner_id": self.subscriber.id, "reason": "Insolvent"})
            )
            write_off.action_submit()
            write_off.with_user(self.user_manager).action_approve()
        with freeze_time("2024-03-20"):
            self.env["fee.cash.session"].with_user(self.user_cashier).create({})
            self.subscriber.with_user(self.user_cashier)._fee_collect(
                45.0, self.cash, date=fields.Date.to_date("2024-03-20")
            )

    def _totals(self, as_of, groupby=()):
        measures = ["billed", "written_off", "recovered", "net_bad_debt"]
        rows = (
            self.env["fee.arrears.report"]
            .with_context(fee_as_of=as_of)
            ._read_group(
                [],
                list(groupby),
                [f"{name}:sum" for name in [*measures, "bad_debt_rate"]],
            )
        )
        return {
            tuple(row[: len(groupby)]): dict(
                zip([*measures, "bad_debt_rate"], row[len(groupby) :], strict=True)
            )
            for row in rows
        }

    def test_bad_debt_rate_of_the_whole_and_of_each_subscriber(self):
        totals = self._totals("2024-03-31")[()]
        self.assertEqual(totals["billed"], 230.0)
        self.assertEqual(totals["written_off"], 180.0)
        self.assertEqual(totals["recovered"], 45.0)
        self.assertEqual(totals["net_bad_debt"], 135.0)
        self.assertEqual(totals["bad_debt_rate"], 58.7, "135 / 230")

        by_partner = self._totals("2024-03-31", ["partner_id"])
        self.assertEqual(by_partner[(self.subscriber,)]["bad_debt_rate"], 75.0)
        self.assertEqual(by_partner[(self.li_na,)]["bad_debt_rate"], 0.0)

    def test_as_of_before_the_recovery(self):
        totals = self._totals("2024-03-15")[()]
        self.assertEqual(totals["written_off"], 180.0)
        self.assertEqual(totals["recovered"], 0.0)
        self.assertEqual(totals["bad_debt_rate"], 78.26, "180 / 230")
        before = self._totals("2024-03-05")[()]
        self.assertEqual(before["written_off"], 0.0)
        self.assertEqual(before["bad_debt_rate"], 0.0)
