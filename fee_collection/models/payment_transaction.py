import logging

from markupsafe import Markup

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, format_amount

from ..tools import check_protected_fields

_logger = logging.getLogger(__name__)

# Set when a subscriber pays on their pay page, and by the booking of the payment: never
# by hand.
PROTECTED_FIELDS = dict.fromkeys(("fee_subscriber_id", "fee_receipt_id"))
# Operations whose money is no subscriber's payment.
NOT_PAYMENTS = ("validation", "refund")


class PaymentTransaction(models.Model):
    """A subscriber's online payment (from their pay link's page): confirmed by the
    provider, it becomes a receipt of channel "online" in the provider's journal, in the
    confirmation's own transaction (dunning reacts at once), and once, however often the
    provider notifies it or the browser reloads. Other transactions are left to Odoo."""

    _inherit = "payment.transaction"

    fee_subscriber_id = fields.Many2one(
        "res.partner",
        string="Subscriber",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="restrict",
        help="The subscriber who pays their dues through this transaction.",
    )
    fee_receipt_id = fields.Many2one(
        "fee.receipt",
        string="Receipt",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="restrict",
        help="The receipt that booked this payment.",
    )

    _sql_constraints = [
        (
            "fee_receipt_uniq",
            "unique(fee_receipt_id)",
            "A receipt books one online payment only.",
        ),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_protected_fields(self.browse(), vals, PROTECTED_FIELDS)
        return super().create(vals_list)

    def write(self, vals):
        check_protected_fields(self, vals, PROTECTED_FIELDS)
        return super().write(vals)

    # ------------------------------------------------------------------
    # Booking
    # ------------------------------------------------------------------

    def _set_done(self, state_message=None, extra_allowed_states=()):
        """Book subscribers' payments as they are confirmed, in the notification's
        transaction. Their rows are locked first: a second notification of the same
        payment waits, then fails to serialise and is run again, finding it done."""
        self._fee_lock()
        done = super()._set_done(
            state_message=state_message, extra_allowed_states=extra_allowed_states
        )
        done._fee_book_receipts()
        return done

    def _post_process(self):
        """What a confirmation could not book is booked before Odoo makes a payment of
        its own; what still cannot be (the subscriber is no longer one, the amount is
        above what a receipt may take ...) gets Odoo's payment, so that no money is lost,
        and a note on the subscriber for the accountants."""
        self.filtered(lambda tx: tx.state == "done")._fee_book_receipts(last_try=True)
        return super()._post_process()

    def _fee_to_book(self):
        """The confirmed payments of subscribers not booked yet."""
        return self.filtered(
            lambda tx: (
                tx.fee_subscriber_id
                and tx.state == "done"
                and not tx.fee_receipt_id
                and not tx.payment_id
                and tx.operation not in NOT_PAYMENTS
                and tx.currency_id.compare_amounts(tx.amount, 0.0) > 0
            )
        )

    def _fee_lock(self):
        """Lock the rows of the subscribers' transactions among these until the end of
        the transaction."""
        txs = self.filtered("fee_subscriber_id")
        if txs:
            self.env.cr.execute(
                SQL(
                    "SELECT id FROM payment_transaction WHERE id = ANY(%s) "
                    "ORDER BY id FOR UPDATE",
                    txs.ids,
                )
            )

    def _fee_book_receipts(self, last_try=False):
        """Book each of these payments of subscribers as a receipt, once: their rows
        locked, what another transaction booked meanwhile is read again first."""
        txs = self._fee_to_book()
        if not txs:
            return
        txs._fee_lock()
        txs.invalidate_recordset(["state", "fee_receipt_id", "payment_id"])
        for tx in txs._fee_to_book():
            tx._fee_book_receipt(last_try=last_try)

    def _fee_book_receipt(self, last_try=False):
        """The receipt of this payment, taken as the system in the provider's journal,
        paying the invoices it was made for that are still open (a subscriber who paid
        them at the counter meanwhile keeps the money as credit). A payment that cannot
        be booked is never an error the provider would retry forever: it is logged, and
        on the last try left to Odoo's own payment."""
        self.ensure_one()
        tx = self.with_user(SUPERUSER_ID).with_company(self.company_id)
        subscriber = tx.fee_subscriber_id
        still_open = tx.invoice_ids.filtered(
            lambda invoice: (
                invoice.state == "posted"
                and not invoice.currency_id.is_zero(invoice.amount_residual)
            )
        )
        try:
            with tx.env.cr.savepoint():
                if tx.currency_id != tx.company_id.currency_id:
                    raise UserError(
                        tx.env._(
                            "The payment is in %(currency)s: subscribers pay in "
                            "%(company_currency)s only.",
                            currency=tx.currency_id.name,
                            company_currency=tx.company_id.currency_id.name,
                        )
                    )
                receipt = subscriber._fee_collect(
                    tx.amount,
                    tx.provider_id.journal_id,
                    channel="online",
                    invoices=still_open or None,
                    user=tx._fee_get_receiver(),
                )
                payment = receipt.payment_id
                with tx.env["fee.receipt"]._fee_unsealed(payment):
                    payment.payment_transaction_id = tx
                # Odoo's post-processing finds the payment made: it makes no other.
                tx.write({"fee_receipt_id": receipt.id, "payment_id": payment.id})
        except (UserError, ValidationError) as error:
            _logger.warning(
                "Online payment %s of subscriber %s not booked as a receipt: %s",
                tx.reference,
                subscriber.id,
                error.args[0],
            )
            if last_try:
                tx._fee_note_not_booked(error.args[0])

    def _fee_get_receiver(self):
        """Who took the money of an online payment: the system."""
        return self.env.ref("base.user_root")

    def _fee_note_not_booked(self, reason):
        """Tell the subscriber's file why this payment got no receipt."""
        self.ensure_one()
        company = self.company_id
        env = company._fee_get_lang_env()
        body = Markup("<p>%s</p>") % env._(
            "Online payment %(reference)s of %(amount)s could not be booked as a "
            "receipt: %(reason)s The money is booked as a payment without a receipt.",
            reference=self.reference,
            amount=format_amount(env, self.amount, self.currency_id),
            reason=reason,
        )
        self.fee_subscriber_id._message_log(body=body)
