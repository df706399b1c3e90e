import base64
import io

import openpyxl
from freezegun import freeze_time

from odoo.tests import tagged

from .common import FeeCollectionCommon


@tagged("post_install", "-at_install")
class TestExcelExport(FeeCollectionCommon):
    """The Excel exports write text as text: a name that reads as a formula stays a
    name, rather than a formula that runs when the file is opened."""

    def _export(self, model, vals):
        wizard = self.env[model].with_user(self.user_accountant).create(vals)
        wizard.action_export()
        return openpyxl.load_workbook(io.BytesIO(base64.b64decode(wizard.file)))

    def assertText(self, cell, text):
        self.assertEqual((cell.value, cell.data_type), (text, "s"))

    def test_subscriber_named_like_a_formula_among_the_top_debtors(self):
        name = '=HYPERLINK("http://x","y")'
        debtor = self._create_subscriber(name, sequence="050")
        self._invoice(amount=100.0, date="2024-01-01", partner=debtor)
        with freeze_time("2024-04-10"):
            book = self._export("fee.arrears.monthly", {"month": "2024-03-01"})
        sheet = book["Top Debtors"]
        self.assertText(sheet["A1"], "Top Debtors")
        self.assertText(sheet["A4"], "Subscriber")
        self.assertText(sheet["A5"], name)

    def test_collector_renamed_like_a_formula_in_the_progress_table(self):
        self.user_collector.with_user(self.user_collector).name = "=1+1"
        self.env["fee.collector.target"].create(
            {
                "collector_id": self.user_collector.id,
                "date_from": "2024-01-08",
                "date_to": "2024-01-14",
                "amount_target": 200.0,
            }
        )
        sheet = self._export(
            "fee.collector.progress",
            {"date_from": "2024-01-08", "date_to": "2024-01-14"},
        ).active
        self.assertText(sheet["A5"], "=1+1")
        self.assertText(sheet["A6"], "Total")
