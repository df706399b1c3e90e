from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import (
    CLOSE_DIALOG,
    check_finite_numbers,
    keep_given_values,
    notification,
)


class FeeCollectionOutcome(models.TransientModel):
    """What a collector records after a call or a visit, from the phone: each outcome is
    an attempt logged with its time, note and place, and does what it says (money taken
    on the spot, a promise that pauses dunning, a refusal with its reason, a dispute for
    the accountants)."""

    _name = "fee.collection.outcome"
    _inherit = "fee.collect.form"
    _description = "Collection Outcome"

    order_id = fields.Many2one("fee.collection.order", required=True, readonly=True)
    company_id = fields.Many2one(related="order_id.company_id")
    currency_id = fields.Many2one(related="order_id.currency_id")
    amount_due = fields.Monetary(related="order_id.amount_due")
    outcome = fields.Selection(
        [
            ("paid", "Paid on the Spot"),
            ("partial", "Partly Paid"),
            ("promise", "Promise to Pay"),
            ("refused", "Refused"),
            ("unreachable", "Unreachable"),
            ("disputed", "Disputed"),
        ],
        required=True,
    )
    note = fields.Text()
    location = fields.Char(
        help="Where the visit took place (the phone's position, or an address)."
    )
    promise_date = fields.Date()
    promise_amount = fields.Monetary(
        compute="_compute_amount", store=True, readonly=False
    )
    reason_id = fields.Many2one("fee.arrears.reason", string="Arrears Reason")

    @api.model_create_multi
    def create(self, vals_list):
        check_finite_numbers(self, vals_list)
        outcomes = super().create(vals_list)
        keep_given_values(
            outcomes, vals_list, ["amount", "promise_amount", "journal_id"]
        )
        # The order's figures show through the form: only for orders one may work.
        outcomes.order_id.check_access("write")
        return outcomes

    def write(self, vals):
        check_finite_numbers(self, [vals])
        return super().write(vals)

    @api.depends("order_id", "outcome")
    def _compute_amount(self):
        for wizard in self:
            wizard.amount = wizard.amount_due if wizard.outcome == "paid" else 0.0
            wizard.promise_amount = wizard.amount_due

    @api.depends("order_id")
    def _compute_journal_ids(self):
        for wizard in self:
            wizard.journal_ids = wizard.company_id._fee_get_field_journals(
                self.env.user
            )

    @api.depends("journal_ids")
    def _compute_journal_id(self):
        for wizard in self:
            wizard.journal_id = wizard.journal_ids[:1]

    def action_confirm(self):
        self.ensure_one()
        order = self.order_id
        order.check_access("write")
        order._check_state("open")
        self._check_values()
        self.env["fee.collection.attempt"].create(self._prepare_attempt_vals())
        if self.outcome in ("paid", "partial"):
            return self._take_payment()
        # The outcome is written as a system step of this form, after its checks: no one
        # writes an order's outcome directly. The arrears reason, when given, goes with
        # any outcome to the subscriber's file.
        reason = {"reason_id": self.reason_id.id} if self.reason_id else {}
        if self.outcome == "promise":
            with self.env.cr.savepoint():
                order.sudo().write(
                    {
                        "outcome": "promise",
                        "promise_date": self.promise_date,
                        "promise_amount": self.promise_amount,
                        **reason,
                    }
                )
                # Only a manager grants a longer delay than the company's horizon.
                order._check_promise_date()
        elif self.outcome == "refused":
            order.sudo().write({"outcome": "refused", **reason})
            order.action_done()
        elif self.outcome == "unreachable":
            order.sudo().write({"outcome": "unreachable", **reason})
        elif self.outcome == "disputed":
            order.sudo().write({"outcome": "disputed", **reason})
            order._report_dispute(self.note)
            order.action_done()
        labels = dict(self._fields["outcome"]._description_selection(self.env))
        return notification(
            self.env._(
                "%(outcome)s recorded for %(partner)s.",
                outcome=labels[self.outcome],
                partner=order.partner_id.name,
            ),
            CLOSE_DIALOG,
        )

    def _check_values(self):
        currency = self.currency_id
        if self.outcome in ("paid", "partial") and (
            currency.compare_amounts(self.amount, 0.0) <= 0 or not self.journal_id
        ):
            raise UserError(self.env._("Give the amount received and how it was paid."))
        if self.outcome == "promise":
            if not self.promise_date:
                raise UserError(self.env._("Give the date the subscriber promises."))
            if currency.compare_amounts(self.promise_amount, 0.0) <= 0 or (
                currency.compare_amounts(self.promise_amount, self.amount_due) > 0
            ):
                raise UserError(
                    self.env._(
                        "The promised amount must be positive and at most what is "
                        "overdue (%(amount)s).",
                        amount=currency.format(self.amount_due),
                    )
                )
        if self.outcome == "refused" and not self.reason_id:
            raise UserError(self.env._("Give the reason the subscriber refuses."))

    def _prepare_attempt_vals(self):
        visit = self.order_id.order_type == "visit"
        missed = "not_home" if visit else "no_answer"
        return {
            "order_id": self.order_id.id,
            "channel": "visit" if visit else "phone",
            "result": missed if self.outcome == "unreachable" else "reached",
            "note": self.note,
            "location": self.location,
            "outcome": self.outcome,
        }

    def _take_payment(self):
        order = self.order_id
        receipt = order.partner_id._fee_collect(
            self.amount, self.journal_id, channel="field", order=order
        )
        if order.state == "open":
            # Paid but still owing (what a promise or a dispute holds back, or part of
            # the debt): the order's work is done; tomorrow's dispatch issues the next.
            order.sudo().write(
                {
                    "outcome": self.outcome,
                    "state": "done",
                    "promise_state": "kept" if order.promise_state else False,
                }
            )
        return self._open_form(receipt)
