import base64
import io

import openpyxl
from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import FeeCollectionCommon

D = fields.Date.to_date
HEADER = "paper_number,date,service_number,id_number,amount,method,cashier"


@tagged("post_install", "-at_install")
class TestReceiptImport(FeeCollectionCommon):
    """Paper receipts written during an outage are entered once, all or nothing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cash = cls.env.company._fee_get_payment_journals()[:1]
        cls.service = cls._create_subscription(
            number="TV-0001", date_start="2024-01-01"
        )
        cls.neighbour = cls._create_subscriber("Li Qiang", sequence="032")
        cls._create_subscription(
            partner=cls.neighbour, number="TV-0032", date_start="2024-01-01"
        )

    def setUp(self):
        super().setUp()
        self.enterContext(freeze_time("2024-03-10"))
        self.january = self._invoice(amount=25.0, date="2024-01-01")
        self.neighbours = self._invoice(
            amount=40.0, date="2024-01-01", partner=self.neighbour
        )

    def _import(self, rows, file_name="outage.csv", user=None):
        text = "\n".join([HEADER, *rows]) + "\n"
        return (
            self.env["fee.receipt.import"]
            .with_user(user or self.user_cashier)
            .create(
                {
                    "file": base64.b64encode(text.encode()),
                    "file_name": file_name,
                }
            )
        )

    def test_valid_file_posted_with_the_paper_dates_and_cashiers(self):
        backfill = self._import(
            [
                f"P-001,2024-03-08,TV-0001,,25.00,{self.cash.code},fee_cashier",
                f"P-002,2024/03/09,,{self.neighbour.id_number},40,cash,fee_accountant",
            ]
        )
        backfill.action_check()
        self.assertEqual(backfill.state, "valid")
        self.assertEqual(backfill.amount_total, 65.0)
        backfill.action_post()
        self.assertEqual(backfill.state, "done")
        receipts = backfill.line_ids.receipt_id
        self.assertEqual(receipts.mapped("paper_number"), ["P-001", "P-002"])
        self.assertEqual(receipts.mapped("channel"), ["import", "import"])
        self.assertEqual(receipts.mapped("date"), [D("2024-03-08"), D("2024-03-09")])
        self.assertEqual(receipts.payment_id.mapped("date"), receipts.mapped("date"))
        self.assertEqual(receipts.user_id, self.user_cashier | self.user_accountant)
        self.assertEqual(
            (self.january | self.neighbours).mapped("payment_state"), ["paid", "paid"]
        )

    def test_cashier_without_email_posts_and_the_file_says_so(self):
        """Counter staff often have no e-mail address: the automatic notes of a backfill
        are logged, not sent, so they do not need one."""
        self.user_cashier.email = False
        backfill = self._import(
            [f"P-001,2024-03-08,TV-0001,,25.00,{self.cash.code},fee_cashier"]
        )
        backfill.action_check()
        backfill.action_post()
        self.assertEqual(backfill.state, "done")
        self.assertIn("1 paper receipts posted", backfill.message_ids[0].body)
        self.assertEqual(
            backfill.message_ids[0].author_id, self.user_cashier.partner_id
        )

    def test_one_bad_row_posts_nothing_and_says_why(self):
        backfill = self._import(
            [
                f"P-001,2024-03-08,TV-0001,,25.00,{self.cash.code},fee_cashier",
                f"P-002,2024-02-30,TV-0001,,25.00,{self.cash.code},fee_cashier",
                f"P-003,2024-03-08,TV-9999,,25.00,{self.cash.code},fee_cashier",
                f"P-004,2024-03-08,TV-0001,,twenty,{self.cash.code},fee_cashier",
                f"P-001,2024-03-08,TV-0032,,40.00,{self.cash.code},fee_cashier",
                "P-005,2024-03-08,TV-0001,,25.00,cheque,fee_cashier",
                f"P-006,2024-03-08,TV-0001,,25.00,{self.cash.code},nobody",
                f"P-007,2024-04-08,TV-0001,,25.00,{self.cash.code},fee_cashier",
                f"P-008,2024-03-08,TV-0001,,25.001,{self.cash.code},fee_cashier",
            ]
        )
        backfill.action_check()
        self.assertEqual(backfill.state, "error")
        messages = dict(
            zip(
                backfill.line_ids.mapped("row"),
                backfill.line_ids.mapped("message"),
                strict=True,
            )
        )
        self.assertEqual(messages[2], "")
        self.assertIn("bad date 2024-02-30", messages[3])
        self.assertIn(
            "no subscriber with service number or ID number TV-9999", messages[4]
        )
        self.assertIn("bad amount twenty", messages[5])
        self.assertIn("paper number twice in the file", messages[6])
        self.assertIn("unknown payment method cheque", messages[7])
        self.assertIn("no cashier nobody", messages[8])
        self.assertIn("date in the future", messages[9])
        self.assertIn("bad amount 25.001", messages[10])
        with self.assertRaisesRegex(UserError, "Nothing was posted"):
            backfill.action_post()
        self.assertFalse(self.env["fee.receipt"].search([]))
        self.assertEqual(self.january.payment_state, "not_paid")

    def test_importing_again_or_overlapping_posts_nothing_twice(self):
        rows = [f"P-001,2024-03-08,TV-0001,,25.00,{self.cash.code},fee_cashier"]
        self._import(rows).action_post()
        again = self._import(rows)
        again.action_post()
        self.assertEqual(again.known_count, 1)
        self.assertFalse(again.line_ids.receipt_id)
        overlapping = self._import(
            [*rows, f"P-002,2024-03-09,TV-0032,,40.00,{self.cash.code},fee_cashier"]
        )
        overlapping.action_post()
        self.assertEqual(overlapping.posted_count, 1)
        self.assertEqual(
            self.env["fee.receipt"].search([]).mapped("paper_number"),
            ["P-002", "P-001"],
        )
        with self.assertRaisesRegex(UserError, "already posted"):
            overlapping.action_check()

    def test_xlsx_with_chinese_headers(self):
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.append(["票据号", "日期", "服务号码", "金额", "付款方式", "收款员"])
        sheet.append(
            [
                "P-101",
                fields.Date.to_date("2024-03-08"),
                "TV-0001",
                25,
                self.cash.code,
                "fee_cashier",
            ]
        )
        buffer = io.BytesIO()
        workbook.save(buffer)
        backfill = (
            self.env["fee.receipt.import"]
            .with_user(self.user_cashier)
            .create(
                {
                    "file": base64.b64encode(buffer.getvalue()),
                    "file_name": "停电补录.xlsx",
                }
            )
        )
        backfill.action_post()
        self.assertEqual(backfill.line_ids.receipt_id.paper_number, "P-101")
        self.assertEqual(self.january.payment_state, "paid")

    def test_a_file_without_the_columns_is_refused(self):
        backfill = (
            self.env["fee.receipt.import"]
            .with_user(self.user_cashier)
            .create({"file": base64.b64encode(b"a,b\n1,2\n"), "file_name": "x.csv"})
        )
        with self.assertRaisesRegex(UserError, "must name the columns"):
            backfill.action_check()
