from odoo import fields, models

PAYMENT_METHODS = [
    ("cash", "Cash"),
    ("card", "Bank Card"),
    ("transfer", "Bank Transfer"),
    ("ewallet", "E-wallet"),
]


class AccountJournal(models.Model):
    _inherit = "account.journal"

    fee_payment_method = fields.Selection(
        PAYMENT_METHODS,
        help="Offered at the fee collection counter and to collectors as this payment "
        "method; empty: not offered.",
    )
    fee_collector_id = fields.Many2one(
        "res.users",
        string="Collector's Cash",
        help="The cash a collector takes in the field, until handed over.",
    )
