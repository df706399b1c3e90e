import base64
import io
import subprocess
import tempfile
from pathlib import Path

import openpyxl
from freezegun import freeze_time
from lxml import html as lxml_html

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import Form, tagged

from .common import FeeAgentCommon


@tagged("post_install", "-at_install")
class TestAgentReports(FeeAgentCommon):
    """What is read of the agent channel: the settlement statement an outlet signs (PDF
    and Excel), the channel's figures per outlet and month, and the channels' shares of
    the month's collections on the dashboard.

    Two outlets over two months: the kiosk (2.5%) takes 100, 60 and 50 in January and
    voids the 50 the same month, is settled 160 at the end of January, voids the 60 in
    February after that settlement, takes 200, and is settled 140 at the end of
    February; it remits each settlement in full, 5 and 3 days after its period. The post
    office (3%) takes 80 in January and 30 in February and remits 50 of January's
    77.60."""

    def _settle_both(self, date_to):
        """Both outlets settled up to ``date_to``, submitted and approved: (the
        kiosk's, the post office's)."""
        settlements = self._settle(
            self.agent | self.agent_2, fields.Date.to_date(date_to)
        )
        return tuple(
            settlements.filtered(lambda s, a=agent: s.agent_id == a)
            for agent in (self.agent, self.agent_2)
        )

    def _remit(self, settlement, amount, date):
        settlement.with_user(self.user_accountant)._fee_register_remittance(
            amount, self.bank, date=fields.Date.to_date(date)
        )

    def _two_months(self):
        self._invoice(2000.0, date="2024-01-01")
        with freeze_time("2024-01-10"):
            self.kept = self._collect(100.0)
            self.voided_later = self._collect(60.0)
            voided_at_once = self._collect(50.0)
            self.post_january = self._collect(80.0, staff=self.staff_2)
        with freeze_time("2024-01-15"):
            self._void(voided_at_once, "Wrong amount")
        with freeze_time("2024-02-01"):
            self.january, self.january_2 = self._settle_both("2024-01-31")
        with freeze_time("2024-02-05"):
            self._remit(self.january, 156.0, "2024-02-05")
        with freeze_time("2024-02-10"):
            self._remit(self.january_2, 50.0, "2024-02-10")
        with freeze_time("2024-02-12"):
            self.february_receipt = self._collect(200.0)
            self._collect(30.0, staff=self.staff_2)
            self._void(self.voided_later, "Paid twice")
        with freeze_time("2024-03-01"):
            self.february, self.february_2 = self._settle_both("2024-02-29")
        with freeze_time("2024-03-03"):
            self._remit(self.february, 136.5, "2024-03-03")

    # ------------------------------------------------------------------
    # The statement
    # ------------------------------------------------------------------

    def _statement_html(self, settlements, user=None):
        html = (
            self.env["ir.actions.report"]
            .with_user(user or self.user_accountant)
            ._render_qweb_html(
                "fee_collection.action_report_fee_agent_statement", settlements.ids
            )[0]
        )
        return lxml_html.fromstring(html)

    def _text(self, document, css_class):
        return [
            " ".join(node.text_content().split())
            for node in document.find_class(css_class)
        ]

    def test_statement_lists_receipts_voids_and_totals(self):
        self._two_months()
        self.assertRecordValues(
            self.february,
            [
                {
                    "state": "paid",
                    "amount_collected": 140.0,
                    "commission_amount": 3.5,
                    "amount_to_remit": 136.5,
                    "amount_due": 0.0,
                    "days_to_remit": 3,
                }
            ],
        )
        document = self._statement_html(self.february)
        # Odoo writes a zero-width no-break space between a minus and its number.
        text = " ".join(document.text_content().replace("\ufeff", "").split())
        self.assertIn(f"Settlement Statement {self.february.name}", text)
        self.assertIn("Wusi Road Kiosk", text)
        self.assertIn("01/10/2024", text, "from the voided receipt taken back")
        self.assertIn("02/29/2024", text)
        self.assertIn(self.february_receipt.name, text)
        self.assertIn("Void Adjustments", text)
        self.assertIn(self.voided_later.name, text)
        self.assertNotIn(self.kept.name, text, "settled in January")
        self.assertIn("Zhang Wei", text)
        self.assertIn("-60.00", text)
        self.assertIn("2.50% of collected", text)
        for css_class, amount in (
            ("o_fee_collected", "140.00"),
            ("o_fee_commission", "3.50"),
            ("o_fee_to_remit", "136.50"),
            ("o_fee_remitted", "136.50"),
            ("o_fee_still_owed", "0.00"),
        ):
            with self.subTest(total=css_class):
                [shown] = self._text(document, css_class)
                self.assertIn(amount, shown)
        self.assertFalse(document.find_class("o_fee_not_final"))
        self.assertIn("Signature and seal", text)
        self.assertIn("Approved by: Fee Manager", text)

        # Partly remitted: what is still owed.
        document = self._statement_html(self.january_2)
        self.assertIn("50.00", self._text(document, "o_fee_remitted")[0])
        self.assertIn("27.60", self._text(document, "o_fee_still_owed")[0])

    def test_statement_of_a_draft_per_receipt_commission_in_chinese(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.agent.write(
            {
                "lang": "zh_CN",
                "agent_commission_type": "fixed",
                "agent_commission_fixed": 1.5,
            }
        )
        self._invoice(100.0, date="2024-01-01")
        with freeze_time("2024-01-10"):
            receipts = self._collect(10.0) | self._collect(20.0)
        settlement = self._generate_settlements(
            date_to=fields.Date.to_date("2024-01-31")
        )
        document = self._statement_html(settlement)
        text = " ".join(document.text_content().split())
        self.assertIn("2024年01月31日", text, "dates as Chinese offices write them")
        self.assertIn("× 2", text, "1.50 per receipt, two receipts")
        self.assertIn("3.00", self._text(document, "o_fee_commission")[0])
        for receipt in receipts:
            self.assertIn(receipt.sudo().name, text)
        self.assertTrue(document.find_class("o_fee_not_final"), "not approved yet")

    def test_statement_pdf(self):
        # One statement a file: the wkhtmltopdf of Linux distributions (without its
        # patched Qt) prints one document at a time.
        self._two_months()
        pdf, report_type = (
            self.env["ir.actions.report"]
            .with_user(self.user_accountant)
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(
                "fee_collection.action_report_fee_agent_statement", self.february.ids
            )
        )
        self.assertEqual(report_type, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        with tempfile.TemporaryDirectory() as folder:
            statement = Path(folder, "statement.pdf")
            statement.write_bytes(pdf)
            subprocess.run(["pdftotext", "-layout", statement], check=True)
            text = statement.with_suffix(".txt").read_text()
        self.assertIn(self.february.name, text)
        self.assertIn(self.february_receipt.name, text)
        self.assertIn("136.50", text)

    def test_outlet_staff_print_their_own_statements_only(self):
        self._two_months()
        document = self._statement_html(self.january, user=self.staff)
        self.assertIn(self.kept.name, document.text_content())
        with self.assertRaises(AccessError):
            self._statement_html(self.january_2, user=self.staff)

    # ------------------------------------------------------------------
    # The Excel file
    # ------------------------------------------------------------------

    def _export(self, settlements):
        """Export as the list's action does, and read the file back."""
        action = (
            self.env.ref("fee_collection.fee_agent_settlement_export_action")
            .with_user(self.user_accountant)
            .with_context(
                active_model="fee.agent.settlement",
                active_ids=settlements.ids,
                active_id=settlements[:1].id,
            )
            .run()
        )
        self.assertEqual(action["type"], "ir.actions.act_url")
        export = (
            self.env["fee.agent.settlement.export"]
            .with_user(self.user_accountant)
            .search([], order="id desc", limit=1)
        )
        self.assertIn(f"/{export.id}/file/", action["url"])
        return export, openpyxl.load_workbook(io.BytesIO(base64.b64decode(export.file)))

    def _rows(self, sheet):
        return [list(row) for row in sheet.iter_rows(min_row=5, values_only=True)]

    def test_excel_statement_of_one_and_of_several(self):
        self._two_months()
        export, book = self._export(self.february)
        self.assertEqual(
            export.file_name, f"Settlement {self.february.name}.xlsx".replace("/", "-")
        )
        sheet = book[self.february.name.replace("/", "-")]
        self.assertEqual(
            self._rows(sheet),
            [
                [
                    self.february_receipt.name,
                    "2024-02-12",
                    "Zhang Wei",
                    "Collection",
                    200.0,
                ],
                [
                    self.voided_later.name,
                    "2024-01-10",
                    "Zhang Wei",
                    "Void Adjustment",
                    -60.0,
                ],
                ["Collected", None, None, None, 140.0],
            ],
        )

        _export, book = self._export(
            self.january | self.january_2 | self.february | self.february_2
        )
        self.assertEqual(len(book.sheetnames), 5, "the summary and one per settlement")
        summary = self._rows(book["Settlements"])
        settlements = (
            self.january | self.january_2 | self.february | self.february_2
        ).sorted(lambda s: (s.date_to, s.name))
        self.assertEqual(
            [row[0] for row in summary], [*settlements.mapped("name"), "Total"]
        )
        by_name = {row[0]: row for row in summary}
        # Receipts, collected, rate, commission, to remit, remitted, still owed.
        self.assertEqual(
            by_name[self.january_2.name][1:],
            [
                "Gulou Post Office",
                "2024-01-10",
                "2024-01-31",
                "Posted",
                1,
                80.0,
                0.03,
                2.4,
                77.6,
                50.0,
                27.6,
            ],
        )
        self.assertEqual(by_name[self.february.name][10:], [136.5, 0.0])
        self.assertEqual(
            by_name["Total"][5:],
            [4, 410.0, None, 10.8, 399.2, 342.5, 56.7],
        )

    def test_excel_export_refused_to_cashiers(self):
        self._two_months()
        with self.assertRaises(AccessError):
            self.env.ref("fee_collection.fee_agent_settlement_export_action").with_user(
                self.user_cashier
            ).with_context(
                active_model="fee.agent.settlement", active_ids=self.january.ids
            ).run()

    # ------------------------------------------------------------------
    # The channel's figures
    # ------------------------------------------------------------------

    def test_channel_figures_per_outlet_and_month(self):
        self._two_months()
        Report = self.env["fee.agent.channel.report"].with_user(self.user_accountant)
        measures = [
            "receipt_count:sum",
            "amount_collected:sum",
            "commission_amount:sum",
            "amount_to_remit:sum",
            "amount_remitted:sum",
            "paid_count:sum",
            "days_to_remit:avg",
        ]
        rows = {
            (agent.name, month.strftime("%Y-%m")): values
            for agent, month, *values in Report._read_group(
                [("month", "<", "2024-04-01")],
                ["agent_id", "month:month"],
                measures,
            )
        }
        kiosk, post = self.agent.name, self.agent_2.name
        self.assertEqual(
            rows,
            {
                # Collected 100 + 60 (+ 50 voided the same month).
                (kiosk, "2024-01"): [2, 160.0, 4.0, 156.0, 0.0, 1, 5.0],
                # 200, less the 60 of January voided in February; January's remitted.
                (kiosk, "2024-02"): [0, 140.0, 3.5, 136.5, 156.0, 1, 3.0],
                (kiosk, "2024-03"): [0, 0.0, 0.0, 0.0, 136.5, 0, False],
                (post, "2024-01"): [1, 80.0, 2.4, 77.6, 0.0, 0, False],
                (post, "2024-02"): [1, 30.0, 0.9, 29.1, 50.0, 0, False],
            },
        )
        by_agent = {
            agent: (outstanding, days)
            for agent, outstanding, days in Report._read_group(
                [],
                ["agent_id"],
                ["amount_outstanding:sum", "days_to_remit:avg"],
            )
        }
        # What the outlets hold now, as their files say; days averaged by settlement.
        self.agent_2.invalidate_recordset(["agent_unremitted_amount"])
        self.assertEqual(self.agent_2.agent_unremitted_amount, 56.7)
        self.assertEqual(by_agent[self.agent_2], (56.7, False))
        self.assertEqual(by_agent[self.agent], (0.0, 4.0))

    def test_channel_figures_are_the_accountants(self):
        with self.assertRaises(AccessError):
            self.env["fee.agent.channel.report"].with_user(self.user_cashier).search([])
        with self.assertRaises(AccessError):
            self.env["fee.agent.channel.report"].with_user(self.staff).search([])

    # ------------------------------------------------------------------
    # The channels' shares
    # ------------------------------------------------------------------

    def test_dashboard_shares_collections_by_channel(self):
        cash = self._payment_journal("cash")
        self._invoice(1000.0, date="2024-03-01")
        with freeze_time("2024-02-20"):
            self._collect(500.0)
        with freeze_time("2024-03-10"):
            self.env["fee.cash.session"].with_user(self.user_cashier).create({})
            counter = self.subscriber.with_user(self.user_cashier)
            counter._fee_collect(120.0, cash)
            voided = counter._fee_collect(70.0, cash)
            self._collect(60.0)
            self._collect(20.0, staff=self.staff_2)
            self._void(voided, "Wrong subscriber")
        with freeze_time("2024-04-10"):
            dashboard = Form(
                self.env["fee.arrears.dashboard"].with_user(self.user_manager)
            )
            dashboard.month = fields.Date.to_date("2024-03-01")
            self.assertEqual(dashboard.channel_counter_amount, 120.0)
            self.assertEqual(dashboard.channel_agent_amount, 80.0)
            self.assertEqual(dashboard.channel_counter_share, 60.0)
            self.assertEqual(dashboard.channel_agent_share, 40.0)
            self.assertEqual(dashboard.channel_field_share, 0.0)
            dashboard.month = fields.Date.to_date("2024-02-01")
            self.assertEqual(dashboard.channel_agent_share, 100.0)
            self.assertEqual(dashboard.channel_agent_amount, 500.0)
            self.assertEqual(dashboard.channel_counter_share, 0.0)

    def test_the_arrears_analysis_reads_the_agent_channel(self):
        self._invoice(100.0, date="2024-01-01")
        with freeze_time("2024-01-10"):
            self._collect(40.0)
        with freeze_time("2024-02-10"):
            groups = dict(
                self.env["fee.arrears.report"]
                .with_user(self.user_accountant)
                ._read_group(
                    [("channel", "=", "agent")], ["channel"], ["collected:sum"]
                )
            )
        self.assertEqual(groups, {"agent": 40.0})
