from freezegun import freeze_time

from odoo.tests import Form, HttpCase, tagged

from .common import FeeCollectionCommon


@tagged("post_install", "-at_install")
class TestCashSession(FeeCollectionCommon):
    """A shift at the counter as the cashier sees it: the float asked when it opens, the
    counting that starts empty, a difference that the header and the lines agree on."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        journals = cls.env.company._fee_get_payment_journals()
        cls.cash = journals.filtered(lambda journal: journal.type == "cash")
        cls.wechat = journals.filtered(lambda journal: journal.code == "WXPAY")
        cls._create_subscription(number="TV-0001", date_start="2024-01-01")

    def setUp(self):
        super().setUp()
        self.enterContext(freeze_time("2024-03-10"))
        self._invoice(amount=100.0, date="2024-02-01")

    def _open_shift(self, opening_cash):
        """Open the cashier's shift from the counter, as the dialog it opens does."""
        counter = Form(self.env["fee.counter.payment"].with_user(self.user_cashier))
        action = counter.save().action_open_session()
        self.assertEqual(
            (action["res_model"], action["target"]), ("fee.cash.session", "new")
        )
        with Form(
            self.env["fee.cash.session"]
            .with_user(self.user_cashier)
            .with_context(**action["context"]),
            view=action["views"][0][0],
        ) as dialog:
            self.assertEqual(dialog.opening_cash, 0.0)
            dialog.opening_cash = opening_cash
        return dialog.record

    def _collect(self, amount, journal):
        return self.subscriber.with_user(self.user_cashier)._fee_collect(
            amount, journal, channel="counter"
        )

    def test_opening_a_shift_asks_for_the_float(self):
        counter = (
            self.env["fee.counter.payment"].with_user(self.user_cashier).create({})
        )
        self.assertFalse(counter.session_id)
        session = self._open_shift(200.0)
        self.assertRecordValues(
            session,
            [
                {
                    "user_id": self.user_cashier.id,
                    "session_type": "counter",
                    "state": "open",
                    "opening_cash": 200.0,
                }
            ],
        )
        cash_line = session.line_ids.filtered(lambda line: line.journal_id == self.cash)
        self.assertEqual(cash_line.expected_amount, 200.0, "the float is in the drawer")
        counter.invalidate_recordset(["session_id"])
        self.assertEqual(counter.session_id, session)

    def test_counting_starts_empty_and_the_header_agrees_with_the_lines(self):
        session = self._open_shift(50.0)
        self._collect(60.0, self.cash)
        self._collect(40.0, self.wechat)
        self.assertEqual(
            session.line_ids.mapped("is_counted"), [False] * len(session.line_ids)
        )
        self.assertEqual(
            session.line_ids.mapped("difference"), [0.0] * len(session.line_ids)
        )
        self.assertEqual(session.difference, 0.0, "nothing counted: nothing missing")
        with Form(session.with_user(self.user_cashier)) as form:
            with form.line_ids.edit(0) as line:
                self.assertEqual(line.journal_id, self.cash)
                self.assertEqual(line.expected_amount, 110.0)
                self.assertFalse(line.is_counted)
                line.counted_amount = 105.0
                self.assertTrue(line.is_counted)
                self.assertEqual(line.difference, -5.0)
            self.assertEqual(
                form.difference, -5.0, "the header says what the line says"
            )
        wechat_line = session.line_ids.filtered(
            lambda line: line.journal_id == self.wechat
        )
        self.assertFalse(wechat_line.is_counted)
        self.assertEqual(session.difference, -5.0)
        # A zero typed in is counted: the e-wallet's money is missing.
        wechat_line.with_user(self.user_cashier).write(
            {"counted_amount": 0.0, "is_counted": True}
        )
        self.assertEqual(wechat_line.difference, -40.0)
        self.assertEqual(session.difference, -45.0)
        self.assertEqual(session.difference, sum(session.line_ids.mapped("difference")))

    def test_closing_counts_what_was_not_typed(self):
        """At the handover, electronic payments not counted are taken as expected (the
        bank's statements check them), cash not counted is missing."""
        session = self._open_shift(20.0)
        self._collect(60.0, self.cash)
        self._collect(40.0, self.wechat)
        session.with_user(self.user_cashier).action_close()
        lines = {line.journal_id: line for line in session.line_ids}
        self.assertRecordValues(
            lines[self.cash] | lines[self.wechat],
            [
                {"is_counted": True, "counted_amount": 0.0, "difference": -80.0},
                {"is_counted": True, "counted_amount": 40.0, "difference": 0.0},
            ],
        )
        self.assertEqual(session.difference, -80.0)

    def test_a_collectors_round_is_labelled_as_such(self):
        self.subscriber.collector_id = self.user_collector
        field_cash = self.env.company._fee_get_field_journals(self.user_collector)[:1]
        receipt = self.subscriber.with_user(self.user_collector)._fee_collect(
            30.0, field_cash, channel="field"
        )
        labels = dict(
            self.env["fee.cash.session"]
            ._fields["session_type"]
            ._description_selection(self.env)
        )
        self.assertEqual(
            labels[receipt.cash_session_id.session_type], "Collector's Round"
        )


@tagged("post_install", "-at_install")
class TestCashSessionsTour(FeeCollectionCommon, HttpCase):
    """The sessions an accountant validates, in the browser
    (static/tests/tours/fee_cash_sessions_tour.js)."""

    def test_cash_sessions_tour(self):
        Session = self.env["fee.cash.session"]
        cash = self.env.company._fee_get_payment_journals()[:1]
        validated = Session.with_user(self.user_cashier).create({})
        validated.action_close()
        validated.with_user(self.user_accountant).action_validate()
        handed_over = Session.with_user(self.user_cashier).create({"opening_cash": 5.0})
        handed_over.action_close()
        self.subscriber.collector_id = self.user_collector
        self._invoice(amount=30.0)
        field_cash = self.env.company._fee_get_field_journals(self.user_collector)[:1]
        self.subscriber.with_user(self.user_collector)._fee_collect(
            30.0, field_cash, channel="field"
        )
        self.assertEqual(cash.name, "Cash")
        self.user_accountant.password = self.user_accountant.login
        self.browser_size = "1366x768"

        self.start_tour(
            "/odoo/action-fee_collection.fee_cash_session_action",
            "fee_cash_sessions_tour",
            login=self.user_accountant.login,
        )
