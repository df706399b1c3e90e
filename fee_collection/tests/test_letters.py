import base64

from freezegun import freeze_time
from lxml import html as lxml_html

from odoo import fields
from odoo.tests import tagged
from odoo.tools.misc import file_open

from .common import FeeCollectionCommon

D = fields.Date.to_date


@tagged("post_install", "-at_install")
class TestLetters(FeeCollectionCommon):
    """The printed letters and statements a subscriber receives: a letter always says
    something and totals what is overdue, a statement shows what was paid and how late
    each bill is, addresses are written the Chinese way for Chinese addresses, and no
    placeholder logo is printed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy = cls._create_dunning_policy(
            "Letters (test)", {"name": "Reminder", "days_overdue": 1}
        )
        cls.reminder = cls.policy.level_ids
        cls.bank = cls._payment_journal("transfer")

    def _render(self, report, records, user=None):
        """The document as the user prints it, parsed."""
        content = (
            self.env["ir.actions.report"]
            .with_user(user or self.user_collector)
            ._render_qweb_html(report, records.ids)[0]
        )
        return lxml_html.fromstring(content)

    def _find(self, node, css_class, path=""):
        """The elements of ``css_class`` under ``node`` (then ``path`` under them)."""
        return node.xpath(
            f".//*[contains(concat(' ', normalize-space(@class), ' '), ' {css_class} ')]"
            + path
        )

    def _text(self, document, css_class, path=""):
        """The elements' text, its spaces (and Odoo's minus sign's joiner) folded."""
        return " ".join(
            " ".join(node.text_content().replace("\ufeff", "").split())
            for node in self._find(document, css_class, path)
        )

    def test_a_level_without_text_prints_a_default_letter(self):
        self.assertFalse(self.reminder.letter_body)
        self._invoice(amount=100.0, date="2024-01-01")
        line = self._dun_on("2024-01-05").line_ids
        self.assertEqual(line.level_id, self.reminder)
        for report, records, user in (
            ("fee_collection.report_dunning_letter", line, self.user_accountant),
            ("fee_collection.report_subscriber_letter", self.subscriber, None),
        ):
            with self.subTest(report=report):
                letter = self._render(report, records, user)
                self.assertIn(
                    "the bills listed below are overdue",
                    self._text(letter, "o_fee_default_body"),
                )
                self.assertIn("Dear Zhang Wei,", self._text(letter, "page"))

        self.reminder.letter_body = "<p>Please pay within seven days.</p>"
        letter = self._render(
            "fee_collection.report_subscriber_letter", self.subscriber
        )
        self.assertFalse(self._find(letter, "o_fee_default_body"))
        self.assertIn("Please pay within seven days.", self._text(letter, "page"))

    def test_a_letter_totals_what_is_overdue_and_lists_the_rest_apart(self):
        overdue = self._invoice(amount=100.0, date="2024-01-01")
        coming = self._invoice(amount=50.0, date="2024-01-20", due="2024-02-20")
        self._dun_on("2024-01-05")
        with freeze_time("2024-02-01"):
            letter = self._render(
                "fee_collection.report_subscriber_letter", self.subscriber
            )
        self.assertIn(overdue.name, self._text(letter, "o_fee_overdue"))
        self.assertNotIn(coming.name, self._text(letter, "o_fee_overdue"))
        self.assertEqual(self._text(letter, "o_fee_total_overdue"), "$ 100.00")
        self.assertIn(coming.name, self._text(letter, "o_fee_not_due"))
        self.assertIn("Total not yet due $ 50.00", self._text(letter, "o_fee_not_due"))

    def test_a_payment_not_applied_yet_is_deducted_from_the_overdue_total(self):
        self._invoice(amount=100.0, date="2024-01-01")
        self._dun_on("2024-01-05")
        payment = self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": self.subscriber.id,
                "amount": 30.0,
                "date": "2024-01-25",
                "journal_id": self.bank.id,
            }
        )
        payment.action_post()
        with freeze_time("2024-02-01"):
            letter = self._render(
                "fee_collection.report_subscriber_letter", self.subscriber
            )
            statement = self._render(
                "fee_collection.report_subscriber_statement", self.subscriber
            )
        self.assertEqual(self._text(letter, "o_fee_total_overdue"), "$ 70.00")
        self.assertIn("$ -30.00", self._text(statement, "o_fee_credit"))
        self.assertEqual(self._text(statement, "o_fee_total"), "$ 70.00")

    def test_the_statement_shows_payments_and_days_overdue(self):
        january = self._invoice(amount=100.0, date="2024-01-01")
        self._register_payment(january, date="2024-01-20", amount=40.0)
        with freeze_time("2024-01-25"):
            receipt = self.subscriber._fee_collect(
                10.0, self.bank, channel="online", date=D("2024-01-25")
            )
        february = self._invoice(amount=80.0, date="2024-02-01", due="2024-02-10")
        with freeze_time("2024-02-01"):
            statement = self._render(
                "fee_collection.report_subscriber_statement", self.subscriber
            )
        rows = {
            row.xpath("td")[0].text_content().split()[0]: [
                " ".join(cell.text_content().split()) for cell in row.xpath("td")
            ]
            for row in self._find(statement, "o_fee_statement", "/tbody/tr")
        }
        # Invoice, due date, days overdue, amount, paid, still due.
        self.assertEqual(
            rows[january.name][1:],
            ["01/01/2024", "31", "$ 100.00", "$ 50.00", "$ 50.00"],
        )
        paid = self._find(statement, "o_fee_payment")
        self.assertEqual(len(paid), 2, "each payment under its invoice")
        self.assertIn("Paid 01/20/2024", rows[january.name][0])
        self.assertIn(f"Paid 01/25/2024 {receipt.name} $ 10.00", rows[january.name][0])
        self.assertEqual(
            rows[february.name][1:], ["02/10/2024", "", "$ 80.00", "$ 0.00", "$ 80.00"]
        )
        self.assertEqual(self._text(statement, "o_fee_total"), "$ 130.00")
        self.assertEqual(self._text(statement, "o_fee_total_overdue"), "$ 50.00")

    def test_chinese_addresses_from_the_province_down(self):
        self.subscriber.write(
            {
                "country_id": self.env.ref("base.cn").id,
                "state_id": self.env.ref("base.state_cn_JS").id,
                "city": "扬州市",
                "street": "文昌西路18号",
                "street2": "广电花园1栋602室",
                "zip": "225002",
            }
        )
        self.env.company.partner_id.write(
            {
                "country_id": self.env.ref("base.cn").id,
                "state_id": self.env.ref("base.state_cn_JS").id,
                "city": "扬州市",
                "street": "文昌中路212号",
            }
        )
        self._invoice(amount=100.0, date="2024-01-01")
        statement = self._render(
            "fee_collection.report_subscriber_statement", self.subscriber
        )
        lines = [
            " ".join(div.text_content().split())
            for div in self._find(statement, "o_fee_address", "/div")
        ]
        self.assertEqual(
            lines,
            [
                "225002",
                "江苏省扬州市文昌西路18号广电花园1栋602室",
                "Zhang Wei",
                "13800000001",
            ],
        )
        self.assertIn(
            "江苏省扬州市文昌中路212号", self._text(statement, "o_fee_letterhead")
        )

        self.subscriber.country_id = self.env.ref("base.fr")
        statement = self._render(
            "fee_collection.report_subscriber_statement", self.subscriber
        )
        self.assertIn("Zhang Wei", self._text(statement, "o_fee_address"))
        self.assertIn("France", self._text(statement, "o_fee_address"))

    def test_no_placeholder_logo(self):
        self._invoice(amount=100.0, date="2024-01-01")
        self.assertTrue(self.env.company.uses_default_logo, "Odoo's 'Your logo'")
        statement = self._render(
            "fee_collection.report_subscriber_statement", self.subscriber
        )
        self.assertFalse(self._find(statement, "o_fee_letterhead", "//img"))

        with file_open("web/static/img/logo.png", "rb") as logo:
            self.env.company.logo = base64.b64encode(logo.read())
        statement = self._render(
            "fee_collection.report_subscriber_statement", self.subscriber
        )
        self.assertTrue(self._find(statement, "o_fee_letterhead", "//img"))
