"""Online payment (在线缴费): three months ago the company switches on its online
payment provider (Odoo's demo provider, in test mode, published as 在线支付, in a bank
journal of its own), and from then on three subscribers pay by themselves from the pay
link of their notices: two within days of each bill, one late payer only once reminded.
Each payment is a transaction started as the pay page starts it (the bills due, their
amount computed from them) and confirmed by the provider's notification, handled as its
webhook does: the receipt of channel Online is booked at once, dunning reacts in the same
transaction, and the status page's post-processing finds it booked."""

from datetime import timedelta

from freezegun import freeze_time

from odoo import Command

# Subscribers who pay online from three months ago: two within days of each bill, one
# chronic late payer (history.LATE) once the reminder has come.
ONLINE_PAYERS = {12: "prompt", 35: "prompt", 28: "late"}
MONTHS_ONLINE = 3
PROVIDER_NAMES = {"en_US": "Online Payment", "zh_CN": "在线支付"}
JOURNAL_NAMES = {"en_US": "Online Payments", "zh_CN": "在线支付"}


class OnlinePayments:
    """Part of ``DemoHistory``: the online payment provider and the subscribers who pay
    through it."""

    def plan_online(self):
        """Plan the online payments, once the rest of the history is planned: the
        three subscribers' own payments of the last months are made online instead."""
        if not self.env.ref("payment.payment_provider_demo", raise_if_not_found=False):
            return
        start = self.months[-MONTHS_ONLINE]
        payers = {
            self.subscriber(number): kind for number, kind in ONLINE_PAYERS.items()
        }
        self.drop_own_payments(payers, start)
        self.at(start, 0, self.open_online_payment)
        for partner, kind in payers.items():
            for month in self.months[-MONTHS_ONLINE:]:
                days = (
                    self.rng.randint(38, 50)
                    if kind == "late"
                    else self.rng.randint(1, 9)
                )
                date = month + timedelta(days=days)
                self.payment_plan[partner].append(date)
                self.at(date, 2, self.pay_online, partner, date, month)

    def open_online_payment(self):
        """The manager switches the demo provider on: test mode, published, booking in
        a bank journal of its own, named in Chinese for the subscribers."""
        journal = self.env["account.journal"].create(
            {"name": JOURNAL_NAMES["en_US"], "code": "ONLN", "type": "bank"}
        )
        provider = self.env.ref("payment.payment_provider_demo")
        provider.write(
            {
                "name": PROVIDER_NAMES["en_US"],
                "state": "test",
                "is_published": True,
                "journal_id": journal.id,
            }
        )
        if self.env["res.lang"]._lang_get("zh_CN"):
            journal.with_context(lang="zh_CN").name = JOURNAL_NAMES["zh_CN"]
            provider.with_context(lang="zh_CN").name = PROVIDER_NAMES["zh_CN"]
        self.online_provider = provider

    def pay_online(self, partner, date, upto):
        """In the evening, the subscriber opens the pay link of their notice and pays
        every bill due up to ``upto``; the provider confirms at once."""
        payable = self.payable(partner, upto)
        if not payable:
            return
        invoices, due, _amount = payable
        provider = self.online_provider
        Tx = self.env["payment.transaction"]
        with freeze_time(self.moment(date, 20)):
            # Started as the pay page starts it, for the bills shown.
            tx = Tx.create(
                {
                    "provider_id": provider.id,
                    "payment_method_id": provider.payment_method_ids[:1].id,
                    "reference": Tx._compute_reference(
                        provider.code,
                        prefix=invoices.name if len(invoices) == 1 else None,
                        invoice_ids=[Command.set(invoices.ids)],
                    ),
                    "amount": due,
                    "currency_id": self.company.currency_id.id,
                    "partner_id": partner.id,
                    "operation": "online_direct",
                    "invoice_ids": [Command.set(invoices.ids)],
                    "fee_subscriber_id": partner.id,
                }
            )
            # The provider's notification, as its webhook hands it to Odoo.
            webhook = self.env(user=self.env.ref("base.public_user").id, su=True)
            webhook["payment.transaction"]._handle_notification_data(
                "demo",
                {
                    "reference": tx.reference,
                    "payment_details": "6222",
                    "simulated_state": "done",
                },
            )
            # The status page the subscriber lands on.
            tx._post_process()
