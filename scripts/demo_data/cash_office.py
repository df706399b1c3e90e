"""The cash office: payments at the counter (cash, WeChat Pay, Alipay) in the cashier's daily
session, handed over every evening and validated by the accountant the next morning; bank
transfers entered by the accountant; payments in advance settled against the bills; today's
open session and a voided receipt; the paper receipts of a power cut waiting to be posted."""

import base64
from datetime import timedelta

from freezegun import freeze_time

from odoo.tools import file_path

from .history import MODULE


class CashOffice:
    """Part of ``DemoHistory``: the money that comes in at the office."""

    def pay(self, partner, date, upto, journal, fraction=1.0):
        """The subscriber pays (part of) the bills issued up to ``upto``: mostly to the
        collector of their open order if they have one, else at the counter, or by bank
        transfer, entered by the accountant through Odoo's payment wizard."""
        payable = self.payable(partner, upto, fraction)
        if not payable:
            return
        invoices, due, amount = payable
        order = self.env["fee.collection.order"].search(
            [("partner_id", "=", partner.id), ("state", "=", "open")]
        )
        if order and journal != self.bank and self.rng.random() < 0.8:
            self.collect_in_field(order, date, min(amount, due))
            return
        if journal != self.bank:
            self.collect_at_counter(partner, date, min(amount, due), journal, invoices)
            return
        user = self.users["accountant"]
        wizard = (
            self.env["account.payment.register"]
            .with_env(self.env_of(user))
            .with_context(active_model="account.move", active_ids=invoices.ids)
            .create(
                {
                    "payment_date": date,
                    "journal_id": journal.id,
                    "amount": min(amount, due),
                    "group_payment": True,
                    "payment_difference_handling": "open",
                }
            )
        )
        wizard._create_payments()

    def collect_at_counter(self, partner, date, amount, journal, invoices=None):
        """The cashier takes the money at the counter, in the day's session."""
        session = self.cashier_session(date)
        with freeze_time(self.moment(date, 10)):
            return partner.with_env(self.env_of(self.users["cashier"]))._fee_collect(
                amount, journal, invoices=invoices, date=date, session=session
            )

    def cashier_session(self, date):
        """The cashier's session of ``date``: the day before's is closed then (its cash
        counted, once 2.00 short) and validated by the accountant the next morning."""
        Session = self.env["fee.cash.session"]
        session = Session.search(
            [("user_id", "=", self.users["cashier"].id), ("state", "=", "open")]
        )
        if session and session.opening_date.date() < date:
            self.hand_over(session)
            session = Session
        if not session:
            with freeze_time(self.moment(date, 8)):
                session = Session.with_env(self.env_of(self.users["cashier"])).create(
                    {"opening_cash": 200.0}
                )
        return session

    def hand_over(self, session):
        day = session.opening_date.date()
        short = not self.env["fee.cash.session"].search_count(
            [("state", "=", "validated"), ("difference", "!=", 0)]
        )
        cashier = session.with_env(self.env_of(self.users["cashier"]))
        for line in cashier.line_ids:
            line.counted_amount = line.expected_amount - (
                2.0 if short and line.journal_id == self.cash else 0.0
            )
        with freeze_time(self.moment(day, 18)):
            cashier.action_close()
        accountant = session.with_env(self.env_of(self.users["accountant"]))
        if short:
            accountant.difference_note = "找零多找2元，已登记。"
        with freeze_time(self.moment(day + timedelta(days=1), 9)):
            accountant.action_validate()

    def prepay(self, partner, date, amount):
        self.collect_at_counter(partner, date, amount, self.epay)
        self.apply_credit(partner)

    def apply_credit(self, partner):
        """Settle open bills from what the subscriber paid in advance."""
        for invoice in self.open_invoices(partner, self.today):
            credit = self.env["account.move.line"].search(
                [
                    ("partner_id", "=", partner.id),
                    ("account_id.account_type", "=", "asset_receivable"),
                    ("parent_state", "=", "posted"),
                    ("reconciled", "=", False),
                    ("amount_residual", "<", 0),
                ],
                order="date, id",
                limit=1,
            )
            if not credit:
                return
            invoice.with_env(
                self.env_of(self.users["accountant"])
            ).js_assign_outstanding_line(credit.id)

    def open_today(self):
        """The last day's session is handed over and the cashier's session of today is open;
        the manager voided the counter's last receipt, taken from the wrong subscriber."""
        self.cashier_session(self.today)
        receipt = self.env["fee.receipt"].search(
            [("channel", "=", "counter")], order="id desc", limit=1
        )
        with freeze_time(self.moment(self.today, 9)):
            receipt.with_env(self.env_of(self.users["manager"])).action_void(
                "收错用户，已退回。"
            )

    def outage_backfill(self):
        """The paper receipts written during a power cut, waiting to be entered (补录): the
        sample file of the demo data, checked, for a newcomer to post."""
        path = file_path(f"{MODULE}/demo/paper_receipts_sample.csv")
        with open(path, "rb") as sample:
            content = sample.read()
        backfill = (
            self.env["fee.receipt.import"]
            .with_env(self.env_of(self.users["cashier"]))
            .create(
                {
                    "file": base64.b64encode(content),
                    "file_name": "停电补录-paper_receipts_sample.csv",
                }
            )
        )
        backfill.action_check()
