from odoo import fields, models

LINE_TYPES = [("collection", "Collection"), ("adjustment", "Void Adjustment")]


class FeeAgentSettlementLine(models.Model):
    _name = "fee.agent.settlement.line"
    _description = "Agent Settlement Line"
    _order = "settlement_id, date, id"

    settlement_id = fields.Many2one(
        "fee.agent.settlement", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="settlement_id.company_id", store=True)
    currency_id = fields.Many2one(related="settlement_id.currency_id")
    receipt_id = fields.Many2one(
        "fee.receipt", required=True, ondelete="restrict", index=True
    )
    line_type = fields.Selection(LINE_TYPES, required=True, default="collection")
    date = fields.Date(related="receipt_id.date", store=True)
    partner_id = fields.Many2one(related="receipt_id.partner_id", string="Subscriber")
    amount = fields.Monetary(
        help="What the receipt took; negative for a receipt voided after an earlier "
        "settlement."
    )

    _sql_constraints = [
        (
            "receipt_once",
            "UNIQUE(receipt_id, line_type)",
            "A receipt is settled once, and taken back once.",
        ),
    ]
