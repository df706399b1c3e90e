import base64
import io

import openpyxl
from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .common import FeeCollectionCommon

AS_OF = "2024-03-31"


@tagged("post_install", "-at_install")
class TestArrearsReport(FeeCollectionCommon):
    """The arrears analysis on a data set whose answers are known, tied to the ledger.

    As of 2024-03-31:
    - Zhang Wei: January's 100.00 (cable TV), paid 40.00 on 20 January and 20.00 online
      on 20 March: 40.00 open, 90 days overdue; February's 80.00 (30.00 cable TV, 50.00
      broadband), 10.00 credited on 10 February: 70.00 open, 59 days.
    - Li Na: March's 60.00 (cable TV), 30 days overdue, paid on 5 April (after the
      date); 25.00 paid on 15 March and applied to nothing.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.li_na = cls._create_subscriber("Li Na", sequence="002")
        cls.bank = cls.env.company._fee_get_payment_journals().filtered(
            lambda journal: journal.type == "bank"
        )[:1]

    def setUp(self):
        super().setUp()
        self.january = self._invoice(amount=100.0, date="2024-01-01")
        self._register_payment(self.january, date="2024-01-20", amount=40.0)
        self.february = self._invoice_of_lines(
            "2024-02-01", [(self.product_tv, 30.0), (self.product_broadband, 50.0)]
        )
        credit_note = self._invoice_of_lines(
            "2024-02-10", [(self.product_tv, 10.0)], move_type="out_refund"
        )
        (credit_note | self.february).line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
        ).reconcile()
        with freeze_time("2024-03-20"):
            self.subscriber._fee_collect(
                20.0,
                self.bank,
                channel="online",
                date=fields.Date.to_date("2024-03-20"),
            )
        self.march = self._invoice(amount=60.0, date="2024-03-01", partner=self.li_na)
        unapplied = self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": self.li_na.id,
                "amount": 25.0,
                "date": "2024-03-15",
                "journal_id": self.bank.id,
            }
        )
        unapplied.action_post()
        self._register_payment(self.march, date="2024-04-05")

    def _invoice_of_lines(self, date, lines, move_type="out_invoice", partner=None):
        move = self.env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": (partner or self.subscriber).id,
                "invoice_date": date,
                "invoice_date_due": date,
                "invoice_line_ids": [
                    Command.create(
                        {"product_id": product.id, "price_unit": price, "tax_ids": []}
                    )
                    for product, price in lines
                ],
            }
        )
        move.action_post()
        return move

    def _report(self, as_of=AS_OF):
        return self.env["fee.arrears.report"].with_context(fee_as_of=as_of)

    def _totals(self, groupby=(), as_of=AS_OF, domain=()):
        measures = [
            "billed",
            "collected",
            "collected_in_month",
            "credited",
            "open_amount",
            "overdue",
            "unapplied",
            "age_not_due",
            "age_0_30",
            "age_31_60",
            "age_61_90",
            "age_91_180",
            "age_181_365",
            "age_over_365",
            "arrears_rate",
            "collection_rate",
            "collection_rate_month",
        ]
        rows = self._report(as_of)._read_group(
            list(domain), list(groupby), [f"{name}:sum" for name in measures]
        )
        return {
            tuple(row[: len(groupby)]): dict(
                zip(measures, row[len(groupby) :], strict=True)
            )
            for row in rows
        }

    def _ledger_balance(self, as_of):
        """The subscribers' receivable balance in the general ledger on ``as_of``."""
        [[balance]] = self.env["account.move.line"]._read_group(
            [
                ("account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("partner_id.is_subscriber", "=", True),
                ("date", "<=", as_of),
            ],
            [],
            ["balance:sum"],
        )
        return balance

    def test_figures_as_of_a_past_date(self):
        totals = self._totals()[()]
        self.assertEqual(totals["billed"], 230.0, "100 + 80 - 10 + 60")
        self.assertEqual(totals["collected"], 60.0, "Li Na's payment of April ignored")
        self.assertEqual(totals["credited"], 10.0)
        self.assertEqual(totals["open_amount"], 170.0)
        self.assertEqual(totals["overdue"], 170.0)
        self.assertEqual(totals["unapplied"], -25.0)
        self.assertEqual(
            (totals["age_0_30"], totals["age_31_60"], totals["age_61_90"]),
            (60.0, 70.0, 40.0),
        )
        self.assertEqual(totals["age_not_due"] + totals["age_91_180"], 0.0)
        self.assertEqual(totals["arrears_rate"], 73.91, "170 / 230")
        self.assertEqual(totals["collection_rate"], 26.09, "60 / 230")

    def test_ties_to_the_ledger_to_the_cent(self):
        for as_of in ("2024-01-31", "2024-02-15", AS_OF, fields.Date.today()):
            with self.subTest(as_of=as_of):
                totals = self._totals(as_of=as_of)[()]
                aging = sum(totals[name] for name in totals if name.startswith("age_"))
                self.assertEqual(aging, totals["open_amount"])
                self.assertAlmostEqual(
                    totals["open_amount"] + totals["unapplied"],
                    self._ledger_balance(as_of),
                    places=2,
                )
        today = self._totals(as_of=fields.Date.today())[()]
        self.assertEqual(today["open_amount"], 110.0, "Li Na paid in April")

    def test_products_add_up_to_the_invoices(self):
        by_product = self._totals(["product_id"])
        tv = by_product[(self.product_tv,)]
        broadband = by_product[(self.product_broadband,)]
        self.assertEqual(tv["billed"], 180.0, "100 + 30 - 10 + 60")
        self.assertEqual(broadband["billed"], 50.0)
        self.assertEqual(tv["open_amount"], 126.25, "40 + 70 x 30/80 + 60")
        self.assertEqual(broadband["open_amount"], 43.75, "70 x 50/80")

    def test_months_channels_and_collection_within_the_month(self):
        by_month = self._totals(["date:month"])
        january = by_month[(fields.Date.to_date("2024-01-01"),)]
        self.assertEqual(january["billed"], 100.0)
        self.assertEqual(january["collected_in_month"], 40.0)
        self.assertEqual(january["collected"], 60.0)
        self.assertEqual(january["collection_rate_month"], 40.0)
        self.assertEqual(january["arrears_rate"], 40.0)

        by_channel = self._totals(["channel"], domain=[("collected", "!=", 0)])
        self.assertEqual(by_channel[("online",)]["collected"], 20.0, "the receipt's")
        self.assertEqual(by_channel[("other",)]["collected"], 40.0, "Odoo's wizard")

    def test_a_day_to_come_is_refused(self):
        with freeze_time("2024-03-31"):
            with self.assertRaisesRegex(UserError, "has not come yet"):
                self._report("2024-04-01").search([])
            wizard = Form(self.env["fee.arrears.as.of"])
            wizard.date = fields.Date.to_date("2024-04-01")
            with self.assertRaisesRegex(UserError, "has not come yet"):
                wizard.save().action_open()
            wizard.date = fields.Date.to_date("2024-03-15")
            action = wizard.save().action_open()
        self.assertEqual(action["context"], {"fee_as_of": "2024-03-15"})
        self.assertEqual(action["res_model"], "fee.arrears.report")

    def test_collectors_and_cashiers_cannot_read_the_analysis(self):
        for user in (self.user_collector, self.user_cashier):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self._report().with_user(user).search([])
        rows = self._report().with_user(self.user_accountant).search([])
        self.assertTrue(rows)

    # ------------------------------------------------------------------
    # The monthly Excel report
    # ------------------------------------------------------------------

    def _export(self, month, user=None):
        """The file as the user's request makes it: in the user's language."""
        user = user or self.user_accountant
        wizard = (
            self.env["fee.arrears.monthly"]
            .with_user(user)
            .with_context(lang=user.lang)
            .create({"month": month})
        )
        wizard.action_export()
        return openpyxl.load_workbook(io.BytesIO(base64.b64decode(wizard.file)))

    def _table(self, sheet):
        """The rows under the header row (the fourth), as lists of values."""
        return [list(row) for row in sheet.iter_rows(min_row=5, values_only=True)]

    def test_monthly_excel_equals_the_pivot(self):
        with freeze_time("2024-04-10"):
            book = self._export("2024-03-01")
        self.assertEqual(
            book.sheetnames,
            [
                "Summary",
                "By Branch",
                "By Fee Item",
                "By Collector",
                "By Channel",
                "Aging",
                "Reasons",
                "Top Debtors",
                "Month over Month",
                "Dunning Wave",
            ],
        )
        summary = {row[0]: row[1:] for row in self._table(book["Summary"])}
        self.assertEqual(summary["Billed (12 months)"][0], 230.0)
        self.assertEqual(summary["Overdue"][0], 170.0)
        self.assertEqual(summary["Arrears Rate"][0], 0.7391)
        self.assertEqual(book["Summary"]["B5"].number_format, "#,##0.00")
        self.assertEqual(book["Summary"]["B8"].number_format, "0.00%")
        self.assertEqual(book["Summary"].freeze_panes, "B5")

        pivot = self._totals(["product_id"])
        fee_items = {row[0]: row[1:] for row in self._table(book["By Fee Item"])}
        for product in (self.product_tv, self.product_broadband):
            figures = pivot[(product,)]
            self.assertEqual(
                fee_items[product.display_name][:3],
                [figures["billed"], figures["collected"], figures["overdue"]],
            )
            self.assertEqual(
                fee_items[product.display_name][3] * 100, figures["arrears_rate"]
            )
        self.assertEqual(fee_items["Total"][:3], [230.0, 60.0, 170.0])

        aging = self._table(book["Aging"])[-1]
        self.assertEqual(aging[:2], ["Total", 170.0])
        self.assertEqual(aging[2:], [0.0, 60.0, 70.0, 40.0, 0.0, 0.0, 0.0])

        months = self._table(book["Month over Month"])
        self.assertEqual(
            [row[:5] for row in months],
            [
                ["2024-01", 100.0, 40.0, 60.0, 40.0],
                ["2024-02", 70.0, 0.0, 0.0, 70.0],
                ["2024-03", 60.0, 0.0, 0.0, 60.0],
                ["Total", 230.0, 40.0, 60.0, 170.0],
            ],
        )
        channels = {row[0]: row[1] for row in self._table(book["By Channel"])}
        self.assertEqual(channels, {"Online": 20.0, "Accounting": 40.0, "Total": 60.0})
        debtors = self._table(book["Top Debtors"])
        self.assertEqual([row[0] for row in debtors], ["Zhang Wei", "Li Na"])
        self.assertEqual([row[3] for row in debtors], [110.0, 60.0])

    def test_monthly_excel_refuses_months_to_come_and_empty_periods(self):
        with freeze_time("2024-04-10"):
            with self.assertRaisesRegex(UserError, "has not started yet"):
                self._export("2024-05-01")
            with self.assertRaisesRegex(UserError, "Nothing was billed"):
                self._export("2022-01-01")
            with self.assertRaises(AccessError):
                self._export("2024-03-01", user=self.user_cashier)
            mine = (
                self.env["fee.arrears.monthly"]
                .with_user(self.user_accountant)
                .create({"month": "2024-03-01"})
            )
            mine.action_export()
        with self.assertRaises(AccessError, msg="another user's file, by its id"):
            mine.with_user(self.user_manager).read(["file"])

    def test_dashboard_month_over_month(self):
        with freeze_time("2024-04-10"):
            dashboard = Form(
                self.env["fee.arrears.dashboard"].with_user(self.user_manager)
            )
            dashboard.month = fields.Date.to_date("2024-03-01")
            self.assertEqual(dashboard.arrears_rate, 73.91)
            self.assertEqual(
                dashboard.arrears_trend,
                "76.47% → 73.91%",
                "February as of its end: 130.00 overdue of 170.00",
            )
            self.assertEqual(dashboard.collection_rate_month, 0.0, "March's 60.00")
            action = dashboard.save().action_open_analysis()
        self.assertEqual(action["context"], {"fee_as_of": "2024-03-31"})
        rows = (
            self.env[action["res_model"]]
            .with_context(**action["context"])
            .search(action["domain"])
        )
        self.assertEqual(sum(rows.mapped("overdue")), 170.0)

    def test_overdue_by_reason_and_chronic_late_payers(self):
        refuses = self.env["fee.arrears.reason"].search([], limit=1)
        self.subscriber.arrears_reason_id = refuses
        by_reason = self._totals(["reason_id"], domain=[("overdue", "!=", 0)])
        self.assertEqual(by_reason[(refuses,)]["overdue"], 110.0)
        self.assertEqual(by_reason[(self.env["fee.arrears.reason"],)]["overdue"], 60.0)

        Partner = self.env["res.partner"].with_user(self.user_accountant)
        self.env.company.fee_chronic_late_count = 2
        with freeze_time("2024-04-10"):
            # Zhang Wei: January's and February's are not paid; Li Na paid March's
            # on 5 April, late.
            self.assertEqual(self.subscriber.fee_late_payment_count, 2)
            self.assertEqual(self.li_na.fee_late_payment_count, 1)
            chronic = Partner.search([("fee_chronic_late", "=", True)])
            self.assertIn(self.subscriber, chronic)
            self.assertNotIn(self.li_na, chronic)
            self.env.company.fee_chronic_late_count = 1
            self.assertIn(self.li_na, Partner.search([("fee_chronic_late", "=", True)]))
        self.subscriber.invalidate_recordset(["fee_late_payment_count"])
        with freeze_time("2025-03-01"):
            self.assertEqual(
                self.subscriber.fee_late_payment_count, 0, "due more than a year ago"
            )
        with self.assertRaises(ValidationError):
            self.env.company.fee_chronic_late_count = 0

    def test_aging_alone_reads_only_what_can_be_open_and_agrees(self):
        """An aging asks for open amounts only: it reads the items not reconciled today
        or reconciled since the date, and finds what the whole analysis finds."""
        aging = [
            "open_amount",
            "overdue",
            "unapplied",
            *(
                name
                for name in self.env["fee.arrears.report"]._fields
                if name.startswith("age_")
            ),
        ]
        for as_of in ("2024-01-31", "2024-02-15", AS_OF, fields.Date.today()):
            with self.subTest(as_of=as_of):
                report = self._report(as_of)
                full = self._totals(["partner_id"], as_of=as_of)
                alone = report._read_group(
                    [], ["partner_id"], [f"{name}:sum" for name in aging]
                )
                self.assertTrue(alone)
                for partner, *sums in alone:
                    for name, value in zip(aging, sums, strict=True):
                        if name in full[(partner,)]:
                            self.assertEqual(value, full[(partner,)][name], name)
                self.assertEqual(
                    sum(row[1] for row in alone),
                    sum(group["open_amount"] for group in full.values()),
                )
        read_today = self._report(fields.Date.today()).with_context(fee_open_only=True)
        read_in_march = self._report().with_context(fee_open_only=True)
        self.assertNotIn(self.march, read_today.search([]).move_id, "paid since")
        self.assertIn(self.march, read_in_march.search([]).move_id, "paid after")

    def test_totals_give_the_figures_of_the_rows(self):
        """Grouped and filtered by what the totals keep, the analysis reads them: the
        figures of the ledger's rows, as of any date, after a subscriber moves to another
        area or is given an arrears reason, after the totals are compacted and after a
        subscriber is no longer one."""
        report = self.env["fee.arrears.report"]
        measures = [
            "__count",
            *(
                f"{name}:sum"
                for name, field in report._fields.items()
                if field.type in ("monetary", "float")
            ),
            "days_overdue:max",
        ]
        groupings = [
            [],
            ["date:month"],
            ["area_id", "product_id"],
            ["branch_id", "date_due:month"],
            ["reason_id"],
        ]
        self.assertTrue(report._fee_totals_answer([("date", ">=", AS_OF)], ["area_id"]))
        self.assertFalse(report._fee_totals_answer([], ["partner_id"]))
        self.assertFalse(report._fee_totals_answer([("overdue", ">", 0)], []))
        other_grid = self.env["fee.area"].create(
            {"name": "Grid 2", "code": "N02", "parent_id": self.branch.id}
        )
        reason = self.env["fee.arrears.reason"].search([], limit=1)

        def assert_totals_agree(step):
            for as_of in ("2024-01-31", "2024-02-15", AS_OF, fields.Date.today()):
                for groupby in groupings:
                    with self.subTest(step=step, as_of=as_of, groupby=groupby):
                        read = self._report(as_of)._read_group
                        totals = read([], groupby, measures)
                        self.assertTrue(totals)
                        rows = read([("partner_id", "!=", False)], groupby, measures)
                        self.assertEqual(totals, rows)

        assert_totals_agree("as billed")
        self.li_na.write({"area_id": other_grid.id, "arrears_reason_id": reason.id})
        assert_totals_agree("moved")
        self.env["fee.arrears.total"]._fee_compact()
        assert_totals_agree("compacted")
        self.assertEqual(
            self.env["fee.arrears.total"].search_count(
                [("area_id", "=", other_grid.id)]
            ),
            3,
            "Li Na's invoice and her two payments, one row each",
        )
        self.li_na.is_subscriber = False
        assert_totals_agree("no longer a subscriber")

    def test_monthly_excel_in_the_users_language(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["fee_collection"], ["zh_CN"])
        self.user_accountant.lang = "zh_CN"
        with freeze_time("2024-04-10"):
            book = self._export("2024-03-01")
        self.assertEqual(book.sheetnames[:2], ["汇总", "按分公司"])
        self.assertEqual(book["汇总"]["A4"].value, "指标")
        self.assertEqual(book["汇总"]["D4"].value, "环比变化")
        summary = {row[0]: row[1] for row in self._table(book["汇总"])}
        self.assertEqual(summary["欠费率"], 0.7391)
