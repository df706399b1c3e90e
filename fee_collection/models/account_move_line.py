from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date

from ..tools import check_protected_fields
from ..tools.groups import ACCOUNTANT

# What a line bills (a service period, a late fee) is the billing and dunning runs' to say.
PROTECTED_FIELDS = dict.fromkeys(
    ("subscription_id", "period_start", "period_end", "late_fee_source_move_id"),
    ACCOUNTANT,
)
# What the arrears analysis reads of a posted line that may still change (the rest is
# locked once posted).
ARREARS_FACT_FIELDS = {"date_maturity"}
# Where a journal item's money is: sealed on a receipt's payment.
SEALED_LINE_FIELDS = {
    "move_id",
    "account_id",
    "partner_id",
    "balance",
    "debit",
    "credit",
    "amount_currency",
    "currency_id",
    "date_maturity",
}


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    subscription_id = fields.Many2one(
        "fee.subscription",
        string="Subscriber Service",
        index="btree_not_null",
        copy=False,
        ondelete="restrict",
    )
    period_start = fields.Date(copy=False)
    period_end = fields.Date(copy=False)
    late_fee_source_move_id = fields.Many2one(
        "account.move",
        string="Late Fee For",
        index="btree_not_null",
        copy=False,
        ondelete="set null",
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_protected_fields(self.browse(), vals, PROTECTED_FIELDS)
        return super().create(vals_list)

    def write(self, vals):
        check_protected_fields(self, vals, PROTECTED_FIELDS)
        if vals.keys() & SEALED_LINE_FIELDS:
            self.move_id._fee_check_sealed()
        result = super().write(vals)
        if vals.keys() & ARREARS_FACT_FIELDS:
            posted = self.filtered(lambda line: line.parent_state == "posted")
            posted.move_id._fee_mark_arrears_dirty()
        return result

    def _reconcile_post_hook(self, data):
        """Paying or crediting an invoice may lower the subscriber's dunning level and
        reconnect the services suspended for arrears, in this same transaction. The arrears
        left are judged on the reconciliation's date: the latest of the receivable items
        reconciled, when the payment could settle the debt."""
        result = super()._reconcile_post_hook(data)
        dates = {}
        for line in self:
            if line.account_type == "asset_receivable" and line.partner_id:
                partner = line.partner_id.commercial_partner_id
                dates[partner] = max(line.date, dates.get(partner, line.date))
        self.env["fee.dunning.reaction"]._update_after_payments(dates.items())
        return result

    def init(self):
        res = super().init()
        # A service period is billed once, whatever happens to runs running side by side or
        # restarted after a crash: the database refuses a second line for it. A cancelled
        # invoice no longer bills its periods.
        self.env.cr.execute("""
            DROP INDEX IF EXISTS account_move_line_subscription_period_uniq;
            CREATE UNIQUE INDEX IF NOT EXISTS account_move_line_subscription_period_billed_uniq
                ON account_move_line (subscription_id, period_start)
             WHERE subscription_id IS NOT NULL AND parent_state != 'cancel'
        """)
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_free_billed_periods(self):
        """Deleting a (draft) invoice line frees its period."""
        self._fee_free_billed_periods()

    def _fee_free_billed_periods(self):
        """The periods of these lines are no longer billed (their invoice is deleted or
        cancelled): the next run bills their services again from the earliest of them. A
        system step of whoever deletes or cancels the invoice."""
        earliest = {}
        for line in self.filtered("subscription_id"):
            start = earliest.get(line.subscription_id)
            earliest[line.subscription_id] = (
                min(start, line.period_start) if start else line.period_start
            )
        for subscription, start in earliest.items():
            if subscription.next_bill_date and subscription.next_bill_date > start:
                subscription.sudo().next_bill_date = start

    def _fee_check_periods_not_billed_again(self):
        """Refuse to bring back these lines (of cancelled invoices) when a later run has
        billed their periods again."""
        lines = self.filtered("subscription_id")
        if not lines:
            return
        rebilled = self.search(
            [
                ("subscription_id", "in", lines.subscription_id.ids),
                ("period_start", "in", lines.mapped("period_start")),
                ("parent_state", "!=", "cancel"),
                ("id", "not in", lines.ids),
            ]
        )
        billed = {(line.subscription_id, line.period_start) for line in rebilled}
        clash = lines.filtered(
            lambda line: (line.subscription_id, line.period_start) in billed
        )[:1]
        if clash:
            raise UserError(
                self.env._(
                    "Invoice %(invoice)s cannot be reset to draft: the period of "
                    "%(service)s from %(start)s has been billed again since it was "
                    "cancelled.",
                    invoice=clash.move_id.display_name,
                    service=clash.subscription_id.display_name,
                    start=format_date(self.env, clash.period_start),
                )
            )
