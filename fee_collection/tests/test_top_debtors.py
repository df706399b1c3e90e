import base64
import io

import openpyxl
from freezegun import freeze_time

from odoo.tests import tagged

from .common import FeeCollectionCommon


@tagged("post_install", "-at_install")
class TestTopDebtors(FeeCollectionCommon):
    """The monthly analysis's top debtors read as of the report's date, like its
    amounts: how late each one was and the dunning level they were at on that date, not
    today's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy = cls._create_dunning_policy(
            "Top debtors (test)",
            {"name": "Reminder", "days_overdue": 1},
            {"name": "Visit", "days_overdue": 30},
        )
        cls.reminder, cls.visit = cls.policy.level_ids
        cls.li_na = cls._create_subscriber("Li Na", sequence="002")

    def test_top_debtors_as_of_the_end_of_the_month(self):
        """Zhang Wei owed 100.00 from 1 January, at the visit level on 31 March, and paid
        in April; Li Na owed 50.00 from 1 March, reminded in March, visited in April."""
        january = self._invoice(amount=100.0, date="2024-01-01")
        self._invoice(amount=50.0, date="2024-03-01", partner=self.li_na)
        for date in ("2024-01-05", "2024-02-05", "2024-03-05", "2024-04-05"):
            self._dun_on(date)
        with freeze_time("2024-04-06"):
            self._register_payment(january, date="2024-04-06")
        self.assertFalse(self.subscriber.dunning_level_id, "no longer dunned today")
        self.assertEqual(self.li_na.dunning_level_id, self.visit, "visited in April")

        with freeze_time("2024-04-10"):
            wizard = (
                self.env["fee.arrears.monthly"]
                .with_user(self.user_accountant)
                .create({"month": "2024-03-01"})
            )
            wizard.action_export()
        book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(wizard.file)))
        rows = [
            [row[0], *row[3:6]]
            for row in book["Top Debtors"].iter_rows(min_row=5, values_only=True)
        ]
        self.assertEqual(
            rows,
            [
                ["Zhang Wei", 100.0, 90, "Visit"],
                ["Li Na", 50.0, 30, "Reminder"],
            ],
        )
