from odoo import api, fields, models


class FeeAgentRemittance(models.TransientModel):
    """What an agent outlet hands over of what its posted settlement asks it to remit,
    received in one of the company's banks or cash desks."""

    _name = "fee.agent.remittance"
    _description = "Register Agent Remittance"

    settlement_id = fields.Many2one(
        "fee.agent.settlement",
        required=True,
        readonly=True,
        domain="[('state', '=', 'posted')]",
    )
    company_id = fields.Many2one(related="settlement_id.company_id")
    currency_id = fields.Many2one(related="settlement_id.currency_id")
    agent_id = fields.Many2one(related="settlement_id.agent_id")
    amount_due = fields.Monetary(related="settlement_id.amount_due")
    agent_journal_id = fields.Many2one(related="company_id.fee_agent_journal_id")
    amount = fields.Monetary(
        compute="_compute_amount",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
        help="At most what the outlet still owes on this settlement.",
    )
    journal_id = fields.Many2one(
        "account.journal",
        string="Received In",
        compute="_compute_journal_id",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
        domain="[('type', 'in', ('bank', 'cash')), ('company_id', '=', company_id), "
        "('id', '!=', agent_journal_id)]",
    )
    date = fields.Date(required=True, default=fields.Date.context_today)

    @api.depends("settlement_id")
    def _compute_amount(self):
        for wizard in self:
            wizard.amount = wizard.settlement_id.amount_due

    @api.depends("settlement_id")
    def _compute_journal_id(self):
        """The company's first bank journal: outlets remit by transfer, mostly."""
        for wizard in self:
            company = wizard.company_id
            wizard.journal_id = (
                self.env["account.journal"].search(
                    [
                        ("company_id", "=", company.id),
                        ("type", "=", "bank"),
                        ("id", "!=", company.fee_agent_journal_id.id),
                    ],
                    limit=1,
                )
                if company
                else False
            )

    def action_confirm(self):
        self.ensure_one()
        self.settlement_id._fee_register_remittance(
            self.amount, self.journal_id, self.date
        )
        return {"type": "ir.actions.act_window_close"}
