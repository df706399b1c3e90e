from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.osv import expression
from odoo.tools import SQL


class FeeReceipt(models.Model):
    """What agents' settlements need of receipts: which settlement took each one, and
    which took back a receipt voided after its settlement."""

    _inherit = "fee.receipt"

    settlement_id = fields.Many2one(
        "fee.agent.settlement",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )
    adjustment_settlement_id = fields.Many2one(
        "fee.agent.settlement",
        string="Void Adjusted In",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The settlement that took back this receipt, voided after the settlement "
        "that had counted it.",
    )

    def init(self):
        result = super().init()
        # What an outlet holds is read from its receipts not settled yet and its voided
        # ones (res.partner._fee_get_unremitted), at each of its collections: not from
        # every receipt it ever took.
        self.env.cr.execute(
            SQL(
                """
                CREATE INDEX IF NOT EXISTS fee_receipt_agent_unsettled_idx
                    ON fee_receipt (agent_id)
                 WHERE agent_id IS NOT NULL
                   AND state = 'posted'
                   AND settlement_id IS NULL;
                CREATE INDEX IF NOT EXISTS fee_receipt_agent_voided_idx
                    ON fee_receipt (agent_id)
                 WHERE agent_id IS NOT NULL AND state = 'voided'
                """
            )
        )
        return result

    @api.model
    def _fee_agent_unsettled_domain(self, agents, date_to=None):
        """The receipts of ``agents`` a settlement still has to take (up to
        ``date_to``): posted and never settled, or voided after their settlement was
        posted and not taken back yet."""
        collected = [("state", "=", "posted"), ("settlement_id", "=", False)]
        voided = [
            ("state", "=", "voided"),
            ("settlement_id.state", "in", ("posted", "paid")),
            ("adjustment_settlement_id", "=", False),
        ]
        if date_to:
            collected.append(("date", "<=", date_to))
            voided.append(("void_date", "<", fields.Date.add(date_to, days=1)))
        return expression.AND(
            [
                [("agent_id", "in", agents.ids), ("channel", "=", "agent")],
                expression.OR([collected, voided]),
            ]
        )

    def action_void(self, reason):
        """A receipt voided before its settlement is posted leaves that settlement:
        the void already gave the money back on the clearing account."""
        settlements = self.settlement_id.sudo().filtered(
            lambda settlement: settlement.state in ("draft", "submitted")
        )
        result = super().action_void(reason)
        if settlements:
            settlements._fee_drop_voided()
        return result

    def _check_voidable(self):
        """Agent outlets' staff never void: a void gives the money back and lowers what
        the outlet holds, so an outlet voiding its own receipts would pass its credit
        control and keep money a subscriber was given a receipt for."""
        if self.env.user.share:
            raise AccessError(
                self.env._(
                    "Agent outlets do not void receipts: ask the company to void it."
                )
            )
        return super()._check_voidable()
