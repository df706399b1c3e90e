from odoo import api, fields, models


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

    def init(self):
        res = super().init()
        # A service period is billed once, whatever happens to runs running side by side or
        # restarted after a crash: the database refuses a second line for it.
        self.env.cr.execute("""
            CREATE UNIQUE INDEX IF NOT EXISTS account_move_line_subscription_period_uniq
                ON account_move_line (subscription_id, period_start)
             WHERE subscription_id IS NOT NULL
        """)
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_free_billed_periods(self):
        """Deleting a (draft) invoice line frees its period: the service is billed again from
        the earliest freed period by the next run."""
        lines = self.filtered("subscription_id")
        earliest = {}
        for line in lines:
            start = earliest.get(line.subscription_id)
            earliest[line.subscription_id] = (
                min(start, line.period_start) if start else line.period_start
            )
        for subscription, start in earliest.items():
            if subscription.next_bill_date and subscription.next_bill_date > start:
                subscription.next_bill_date = start
