import base64
import io
from unittest.mock import patch

import openpyxl
from freezegun import freeze_time
from lxml import etree

from odoo import SUPERUSER_ID, fields
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .common import FeeCollectionCommon

D = fields.Date.to_date
HEADER = "paper_number,date,service_number,id_number,amount,method,cashier"
SYNC_POST_MAX_ROWS = (
    "odoo.addons.fee_collection.models.fee_receipt_import.SYNC_POST_MAX_ROWS"
)


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

    def _messages(self, backfill):
        """{row: message} of a checked file."""
        return dict(
            zip(
                backfill.line_ids.mapped("row"),
                backfill.line_ids.mapped("message"),
                strict=True,
            )
        )

    def _run_scheduler(self):
        """One call of the scheduled job, as the scheduler makes it."""
        self.env["fee.receipt.import"].with_user(SUPERUSER_ID)._cron_post_imports()

    def test_valid_file_posted_with_the_paper_dates_and_cashiers(self):
        backfill = self._import(
            [
                f"P-001,2024-03-08,TV-0001,,25.00,{self.cash.code},fee_cashier",
                f"P-002,2024/03/09,,{self.neighbour.id_number},40,cash,fee_accountant",
            ],
            user=self.user_accountant,
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

    # ------------------------------------------------------------------
    # Large files, posted by the scheduler
    # ------------------------------------------------------------------

    def test_large_file_is_posted_in_the_background_and_its_user_told(self):
        backfill = self._import(
            [
                f"P-00{day},2024-03-0{day},TV-0001,,10.00,{self.cash.code},fee_cashier"
                for day in (1, 2, 3)
            ]
        )
        job = self.env.ref("fee_collection.ir_cron_fee_receipt_import")
        with patch(SYNC_POST_MAX_ROWS, 2):
            action = backfill.action_post()
        self.assertEqual(action["tag"], "display_notification")
        self.assertIn(backfill.name, action["params"]["message"])
        self.assertEqual(backfill.state, "posting")
        self.assertFalse(
            self.env["fee.receipt"].search([]), "nothing posted in the request"
        )
        self.assertTrue(
            self.env["ir.cron.trigger"].search([("cron_id", "=", job.id)]),
            "the scheduler is called",
        )
        with self.assertRaisesRegex(UserError, "being posted in the background"):
            backfill.action_check()
        with self._record_cron_progress() as progress:
            self._run_scheduler()
        self.assertEqual(progress, [(1, 0)], "the whole file in one call")
        backfill.invalidate_recordset()
        self.assertEqual(backfill.state, "done")
        self.assertEqual(backfill.posted_count, 3)
        receipts = backfill.line_ids.receipt_id
        self.assertEqual(receipts.mapped("paper_number"), ["P-001", "P-002", "P-003"])
        self.assertEqual(
            receipts.create_uid, self.user_cashier, "posted as who asked for it"
        )
        self.assertEqual(self.january.payment_state, "paid")
        message = backfill.message_ids[0]
        self.assertIn("3 paper receipts posted", message.body)
        self.assertEqual(message.partner_ids, self.user_cashier.partner_id)

    def test_row_failing_in_the_background_posts_nothing_until_posted_again(self):
        backfill = self._import(
            [
                f"P-001,2024-03-08,TV-0001,,25.00,{self.cash.code},fee_accountant",
                f"P-002,2024-03-08,TV-0032,,40.00,{self.cash.code},fee_cashier",
                f"P-003,2024-03-09,TV-0001,,5.00,{self.cash.code},fee_accountant",
            ],
            user=self.user_accountant,
        )
        with patch(SYNC_POST_MAX_ROWS, 1):
            backfill.action_post()
            # The cashier who wrote the second receipt leaves before it is posted.
            self.user_cashier.active = False
            self._run_scheduler()
            backfill.invalidate_recordset()
            self.assertEqual(backfill.state, "error")
            self.assertEqual(backfill.line_ids.mapped("status"), ["ok", "error", "ok"])
            self.assertIn("cannot take payments", backfill.line_ids[1].message)
            self.assertFalse(self.env["fee.receipt"].search([]), "all or nothing")
            self.assertFalse(self.env["account.payment"].search([]))
            self.assertEqual(self.january.payment_state, "not_paid")
            message = backfill.message_ids[0]
            self.assertIn(
                "Posting stopped at row 3 (paper receipt P-002)", message.body
            )
            self.assertIn("Nothing of the file was posted", message.body)
            self.assertEqual(message.partner_ids, self.user_accountant.partner_id)

            self.user_cashier.active = True
            backfill.action_check()
            self.assertEqual(backfill.state, "valid")
            backfill.action_post()
            self._run_scheduler()
        backfill.invalidate_recordset()
        self.assertEqual(backfill.state, "done")
        self.assertEqual(
            self.env["fee.receipt"].search([], order="id").mapped("paper_number"),
            ["P-001", "P-002", "P-003"],
        )
        self.assertEqual(self.neighbours.payment_state, "paid")
        self.assertEqual(self.january.payment_state, "paid")

    def test_rows_entered_meanwhile_are_not_posted_twice(self):
        backfill = self._import(
            [
                f"P-001,2024-03-08,TV-0001,,25.00,{self.cash.code},fee_cashier",
                f"P-002,2024-03-08,TV-0032,,40.00,{self.cash.code},fee_cashier",
            ]
        )
        with patch(SYNC_POST_MAX_ROWS, 1):
            backfill.action_post()
        self._import(
            [f"p-002,2024-03-08,TV-0032,,40.00,{self.cash.code},fee_cashier"]
        ).action_post()
        self._run_scheduler()
        backfill.invalidate_recordset()
        self.assertEqual(backfill.state, "done")
        self.assertEqual(backfill.line_ids.mapped("status"), ["posted", "known"])
        self.assertEqual(
            sorted(self.env["fee.receipt"].search([]).mapped("paper_number")),
            ["P-001", "P-002"],
        )

    # ------------------------------------------------------------------
    # Rows refused with their reason
    # ------------------------------------------------------------------

    def test_not_a_number_or_infinite_amounts_are_bad_amounts(self):
        backfill = self._import(
            [
                f"P-00{index},2024-03-08,TV-0001,,{amount},{self.cash.code},fee_cashier"
                for index, amount in enumerate(("nan", "inf", "-Infinity", "1e999"))
            ]
        )
        backfill.action_check()
        self.assertEqual(backfill.state, "error")
        self.assertEqual(
            list(self._messages(backfill).values()),
            [
                "bad amount nan",
                "bad amount inf",
                "bad amount -Infinity",
                "bad amount 1e999",
            ],
        )

    def test_amount_above_the_largest_receipt_is_refused(self):
        self.env.company.fee_max_receipt_amount = 1000.0
        backfill = self._import(
            [
                f"P-001,2024-03-08,TV-0001,,1000.00,{self.cash.code},fee_cashier",
                f"P-002,2024-03-08,TV-0001,,1000.01,{self.cash.code},fee_cashier",
            ]
        )
        backfill.action_check()
        messages = self._messages(backfill)
        self.assertEqual(messages[2], "")
        self.assertIn("amount above the largest receipt allowed", messages[3])

    def test_dates_of_long_ago_or_of_a_locked_period_are_refused(self):
        self.env.company.fiscalyear_lock_date = "2024-02-29"
        backfill = self._import(
            [
                f"P-001,1900-03-08,TV-0001,,5.00,{self.cash.code},fee_cashier",
                f"P-002,2023-03-09,TV-0001,,5.00,{self.cash.code},fee_cashier",
                f"P-003,2024-02-29,TV-0001,,5.00,{self.cash.code},fee_cashier",
                f"P-004,2024-03-01,TV-0001,,5.00,{self.cash.code},fee_cashier",
            ]
        )
        backfill.action_check()
        messages = self._messages(backfill)
        self.assertIn("more than a year ago", messages[2])
        self.assertIn("more than a year ago", messages[3])
        self.assertIn("in a locked period", messages[4])
        self.assertEqual(messages[5], "")

    def test_paper_numbers_are_the_same_whatever_their_case(self):
        self._import(
            [f"P-001,2024-03-08,TV-0001,,5.00,{self.cash.code},fee_cashier"]
        ).action_post()
        backfill = self._import(
            [
                f"p-001,2024-03-08,TV-0001,,5.00,{self.cash.code},fee_cashier",
                f" p-002 ,2024-03-08,TV-0001,,5.00,{self.cash.code},fee_cashier",
                f"P-002,2024-03-08,TV-0001,,5.00,{self.cash.code},fee_cashier",
            ]
        )
        backfill.action_check()
        self.assertEqual(backfill.line_ids.mapped("status"), ["known", "ok", "error"])
        self.assertIn("paper number twice in the file", backfill.line_ids[2].message)
        self.assertEqual(backfill.line_ids[1].paper_number, "P-002")

    def test_paper_number_too_long_is_refused(self):
        backfill = self._import(
            [f"{'9' * 9000},2024-03-08,TV-0001,,5.00,{self.cash.code},fee_cashier"]
        )
        backfill.action_check()
        self.assertEqual(backfill.state, "error")
        self.assertIn(
            "paper number longer than 64 characters", backfill.line_ids.message
        )

    def test_cashier_imports_own_receipts_only(self):
        rows = [
            f"P-001,2024-03-08,TV-0001,,5.00,{self.cash.code},fee_cashier",
            f"P-002,2024-03-08,TV-0001,,5.00,{self.cash.code},fee_accountant",
            f"P-003,2024-03-08,TV-0001,,5.00,{self.cash.code},",
        ]
        backfill = self._import(rows)
        backfill.action_check()
        self.assertEqual(backfill.line_ids.mapped("status"), ["ok", "error", "ok"])
        self.assertIn(
            "a receipt of fee_accountant: cashiers import their own receipts only",
            backfill.line_ids[1].message,
        )
        self.assertEqual(backfill.line_ids[2].user_id, self.user_cashier)
        accountants = self._import(rows, user=self.user_accountant)
        accountants.action_check()
        self.assertEqual(accountants.state, "valid")

    def test_closed_service_is_refused(self):
        closed = self._create_subscription(
            partner=self.neighbour, number="TV-0040", activate=False
        )
        closed.action_close()
        backfill = self._import(
            [f"P-001,2024-03-08,TV-0040,,40.00,{self.cash.code},fee_cashier"]
        )
        backfill.action_check()
        self.assertEqual(backfill.state, "error")
        self.assertIn("service TV-0040 is closed", backfill.line_ids.message)

    def test_subscriber_of_another_company_is_not_found_by_id_number(self):
        other_company = self.env["res.company"].create({"name": "Other Cable Co"})
        stranger = self._create_subscriber(
            "Wang Fang", sequence="077", company_id=other_company.id
        )
        self.user_accountant.company_ids |= other_company
        backfill = self._import(
            [
                f"P-001,2024-03-08,,{stranger.id_number},40.00,{self.cash.code},"
                "fee_accountant"
            ],
            user=self.user_accountant,
        )
        backfill.action_check()
        self.assertEqual(backfill.state, "error")
        self.assertIn(
            f"no subscriber with service number or ID number {stranger.id_number}",
            backfill.line_ids.message,
        )

    def test_file_with_only_its_header_is_refused(self):
        backfill = self._import([])
        for action in (backfill.action_check, backfill.action_post):
            with self.assertRaisesRegex(
                UserError, "has no receipt under its first row"
            ):
                action()
        self.assertEqual(backfill.state, "draft")

    def test_totals_to_post_leave_out_rows_in_error_and_already_entered(self):
        self._import(
            [f"P-001,2024-03-08,TV-0001,,25.00,{self.cash.code},fee_cashier"]
        ).action_post()
        backfill = self._import(
            [
                f"P-001,2024-03-08,TV-0001,,25.00,{self.cash.code},fee_cashier",
                f"P-002,2024-03-08,TV-0032,,40.00,{self.cash.code},fee_cashier",
                f"P-003,2024-03-08,TV-9999,,90.00,{self.cash.code},fee_cashier",
            ]
        )
        backfill.action_check()
        self.assertRecordValues(
            backfill,
            [
                {
                    "row_count": 3,
                    "error_count": 1,
                    "known_count": 1,
                    "to_post_count": 1,
                    "amount_total": 40.0,
                }
            ],
        )

    def test_a_file_with_nothing_new_offers_no_post(self):
        rows = [f"P-001,2024-03-08,TV-0001,,25.00,{self.cash.code},fee_cashier"]
        first = self._import(rows)
        first.action_check()
        again = self._import(rows)
        self.assertFalse(self._post_button_hidden(first))
        first.action_post()
        again.action_check()
        self.assertRecordValues(
            again,
            [{"state": "valid", "known_count": 1, "to_post_count": 0}],
        )
        self.assertTrue(self._post_button_hidden(again))

    def _post_button_hidden(self, backfill):
        """Whether the form hides the Post button of ``backfill``."""
        arch = etree.fromstring(backfill.get_view(view_type="form")["arch"].encode())
        (button,) = arch.xpath("//header/button[@name='action_post']")
        return safe_eval(
            button.get("invisible"),
            {name: backfill[name] for name in ("state", "to_post_count")},
        )
