import json

from odoo.tests import HttpCase

from .common import FeeCollectionCommon
from .portal import HiddenPagesMixin


class OnlinePaymentCommon(HiddenPagesMixin, FeeCollectionCommon, HttpCase):
    """Subscribers who pay on their pay link's page with Odoo's demo provider (in
    test mode, published, in a bank journal of the company): Zhang Wei with service
    TV-0001, and a neighbour, Li Qiang."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bank = cls.company_data["default_journal_bank"]
        cls.provider = cls._prepare_demo_provider(cls.bank)
        cls.payment_method = cls.provider.payment_method_ids[:1]
        cls.service = cls._create_subscription(number="TV-0001")
        cls.neighbour = cls._create_subscriber("Li Qiang", sequence="032")

    @classmethod
    def _prepare_demo_provider(cls, journal):
        """The demo provider of the company (a copy of the database's, made once), in
        test mode, published, booking in ``journal``."""
        Provider = cls.env["payment.provider"].sudo()
        provider = Provider.search(
            [("code", "=", "demo"), ("company_id", "=", cls.env.company.id)], limit=1
        ) or Provider.search([("code", "=", "demo")], limit=1).copy(
            {"company_id": cls.env.company.id}
        )
        provider.write(
            {"state": "test", "is_published": True, "journal_id": journal.id}
        )
        return provider

    def _code(self, partner=None):
        """The code of the subscriber's pay link (Zhang Wei's by default)."""
        return (partner or self.subscriber)._fee_get_pay_url().rsplit("/", 1)[1]

    def _rpc(self, route, params):
        """A JSON-RPC call as a browser makes it: (result, error data) with the error's
        message, or None."""
        response = self.url_open(
            route,
            data=json.dumps(
                {"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}
            ),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200)
        body = response.json()
        return body.get("result"), body.get("error", {}).get("data")

    def _start_payment(self, code=None, amount=None, invoices=None, **params):
        """Start a payment on the pay page of ``code`` (Zhang Wei's) as the payment form
        does: (processing values, error data)."""
        return self._rpc(
            f"/p/{code or self._code()}/transaction",
            {
                "provider_id": self.provider.id,
                "payment_method_id": self.payment_method.id,
                "token_id": None,
                "amount": amount,
                "flow": "direct",
                "tokenization_requested": False,
                "landing_route": "/elsewhere",
                "is_validation": False,
                "access_token": None,
                "invoice_ids": invoices.ids if invoices else [],
                **params,
            },
        )

    def _transactions(self, partner=None):
        return self.env["payment.transaction"].search(
            [("fee_subscriber_id", "=", (partner or self.subscriber).id)]
        )

    def _pay(self, amount, invoices=None, partner=None):
        """A transaction of ``amount`` started on the subscriber's pay page."""
        partner = partner or self.subscriber
        result, error = self._start_payment(
            self._code(partner), amount=amount, invoices=invoices
        )
        self.assertFalse(error)
        tx = self.env["payment.transaction"].search(
            [("reference", "=", result["reference"])]
        )
        self.assertEqual(tx.fee_subscriber_id, partner)
        return tx

    def _notify(self, tx, state="done"):
        """The provider's notification of ``tx``, as its webhook hands it to Odoo."""
        return (
            self.env["payment.transaction"]
            .sudo()
            ._handle_notification_data(
                "demo",
                {
                    "reference": tx.reference,
                    "payment_details": "4242",
                    "simulated_state": state,
                },
            )
        )

    def _receipts(self, partner=None):
        return self.env["fee.receipt"].search(
            [("partner_id", "=", (partner or self.subscriber).id)]
        )

    def _setup_suspension(self):
        """A dunning policy that suspends services 30 days overdue, run on an invoice of
        2024: Zhang Wei's service suspended for arrears. Returns the invoice."""
        invoice = self._invoice(amount=25.0, date="2024-01-01")
        self._suspend_for_arrears("2024-03-10")
        self.assertEqual(self.service.state, "suspended")
        self.assertTrue(self.subscriber.dunning_level_id)
        return invoice
