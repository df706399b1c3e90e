import logging
import time

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import FeeCollectionCommon
from .phone import PhoneTourMixin

_logger = logging.getLogger(__name__)

COUNTER_URL = "/odoo/action-fee_collection.fee_counter_payment_action"
RECEIPT_REPORT = "fee_collection.report_fee_receipt"


@tagged("post_install", "-at_install")
class TestCashierTour(PhoneTourMixin, FeeCollectionCommon, HttpCase):
    """A cashier's shift in the browser, at a desk and on a phone: open the session at the
    counter, find the subscriber among namesakes, take cash with change, print the
    receipt, go on to a fresh counter, close the shift with the counted cash
    (static/tests/tours/fee_cashier_tour.js).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cash = cls.env.company._fee_get_payment_journals().filtered(
            lambda journal: journal.fee_payment_method == "cash"
        )
        cls.tour_subscriber = cls._create_subscriber("Chen Jing", sequence="801")
        today = fields.Date.today()
        cls.service = cls._create_subscription(
            partner=cls.tour_subscriber,
            number="TV-8001",
            date_start=today - relativedelta(months=2),
        )
        cls.namesakes = cls.env["res.partner"]
        for sequence, number, street in (
            ("802", "TV-8002", "8 Gutian Road"),
            ("803", "TV-8003", "12 Hualin Road"),
        ):
            namesake = cls._create_subscriber(
                "Chen Jing", sequence=sequence, street=street
            )
            cls._create_subscription(partner=namesake, number=number)
            cls.namesakes |= namesake

    def setUp(self):
        super().setUp()
        today = fields.Date.today()
        self.invoices = self._invoice(
            amount=30.0,
            date=today - relativedelta(months=2),
            partner=self.tour_subscriber,
        ) | self._invoice(
            amount=45.0,
            date=today - relativedelta(months=1),
            partner=self.tour_subscriber,
        )

    def _run_cashier_tour(self, browser_size, touch_enabled=False):
        # What the tour relies on: the cashier signs in with the login as password, has no
        # session yet, and the cash method is labelled "Cash".
        self.user_cashier.password = self.user_cashier.login
        self.assertFalse(
            self.env["fee.cash.session"].search(
                [("user_id", "=", self.user_cashier.id), ("state", "=", "open")]
            )
        )
        self.assertEqual(self.cash.name, "Cash")
        self.assertEqual(sum(self.invoices.mapped("amount_residual")), 75.0)

        # The Print button downloads the PDF: record each rendering the browser asks for.
        rendered = []
        Report = type(self.env["ir.actions.report"])
        render = Report._render_qweb_pdf

        def record_rendering(report, report_ref, res_ids=None, data=None):
            rendered.append((report_ref, list(res_ids or []), report.env.uid))
            return render(report, report_ref, res_ids=res_ids, data=data)

        self.patch(Report, "_render_qweb_pdf", record_rendering)

        self.browser_size = browser_size
        self.touch_enabled = touch_enabled
        started = time.perf_counter()
        self.start_tour(COUNTER_URL, "fee_cashier_tour", login=self.user_cashier.login)
        _logger.info(
            "fee_cashier_tour at %s took %.1f s",
            browser_size,
            time.perf_counter() - started,
        )

        self.env.invalidate_all()
        receipt = self.env["fee.receipt"].search(
            [("partner_id", "=", self.tour_subscriber.id)]
        )
        self.assertEqual(len(receipt), 1)
        self.assertRecordValues(
            receipt,
            [
                {
                    "state": "posted",
                    "channel": "counter",
                    "user_id": self.user_cashier.id,
                    "journal_id": self.cash.id,
                    "amount": 75.0,
                    "amount_tendered": 100.0,
                    "amount_change": 25.0,
                    "balance_after": 0.0,
                    "print_count": 1,
                }
            ],
        )
        self.assertEqual(receipt.line_ids.move_id, self.invoices)
        self.assertEqual(
            self.env["fee.receipt"].search(
                [("partner_id", "in", (self.tour_subscriber | self.namesakes).ids)]
            ),
            receipt,
            "the namesakes paid nothing, nor did the subscriber a second time",
        )
        self.assertEqual(set(self.invoices.mapped("payment_state")), {"paid"})
        self.assertEqual(
            rendered,
            [(RECEIPT_REPORT, receipt.ids, self.user_cashier.id)],
            "the browser downloaded the receipt once, as the cashier",
        )

        session = receipt.cash_session_id
        self.assertRecordValues(
            session,
            [{"user_id": self.user_cashier.id, "state": "closed", "difference": 0.0}],
        )
        self.assertTrue(session.closing_date)
        cash_line = session.line_ids.filtered(lambda line: line.journal_id == self.cash)
        self.assertEqual(session.opening_cash, 50.0, "the float typed on opening")
        self.assertRecordValues(
            cash_line, [{"expected_amount": 125.0, "counted_amount": 125.0}]
        )

    def test_cashier_tour_desktop(self):
        self._run_cashier_tour("1366x768")

    def test_cashier_tour_phone(self):
        widths = self._emulate_phone(375, 667)
        self._run_cashier_tour("375x667", touch_enabled=True)
        self.assertEqual(widths, [375], "the tour ran in a phone's viewport")
