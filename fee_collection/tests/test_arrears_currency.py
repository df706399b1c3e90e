from odoo import Command
from odoo.tests import tagged

from .common import FeeCollectionCommon


@tagged("post_install", "-at_install")
class TestArrearsCurrency(FeeCollectionCommon):
    """The analysis shares an invoice's amounts between its lines in the decimals of
    the company's currency: to the fils of a Kuwaiti dinar (3 decimals), still adding up
    to the invoice."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        dinar = cls.setup_other_currency("KWD", rates=[])
        cls.company_kw = cls.setup_other_company(
            name="Kuwait Cable", currency_id=dinar.id
        )["company"]
        cls.subscriber_kw = cls._create_subscriber(
            "Ahmad Al-Sabah", sequence="002", company_id=cls.company_kw.id
        )

    def test_shares_in_the_decimals_of_the_currency(self):
        invoice = (
            self.env["account.move"]
            .with_company(self.company_kw)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.subscriber_kw.id,
                    "invoice_date": "2024-01-01",
                    "invoice_date_due": "2024-01-15",
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "price_unit": 10.0,
                                "tax_ids": [],
                            }
                        )
                        for product in (
                            self.product_tv,
                            self.product_broadband,
                            self.product_tv,
                        )
                    ],
                }
            )
        )
        invoice.action_post()
        self.assertEqual(invoice.currency_id.decimal_places, 3)
        # 10.000 of 30.000 paid: a third on each line, the rounding fils on the first.
        self._register_payment(invoice, date="2024-01-20", amount=10.0)
        facts = self.env["fee.arrears.fact"].search(
            [("move_id", "=", invoice.id)], order="rn"
        )
        self.assertEqual(facts.mapped("collected"), [3.334, 3.333, 3.333])
        self.assertEqual(facts.mapped("open_amount"), [6.666, 6.667, 6.667])

        report = self.env["fee.arrears.report"]
        measures = ["collected:sum", "open_amount:sum"]
        domain = [("company_id", "=", self.company_kw.id)]
        self.assertEqual(report._read_group(domain, [], measures), [(10.0, 20.0)])
        by_product = report._read_group(domain, ["product_id"], measures)
        self.assertEqual(
            {product: sums for product, *sums in by_product if product},
            {self.product_broadband: [3.333, 6.667], self.product_tv: [6.667, 13.333]},
        )
