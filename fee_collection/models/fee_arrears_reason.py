from odoo import fields, models


class FeeArrearsReason(models.Model):
    """Why a subscriber is in arrears (欠费原因): malicious, unable to pay, disputed ..."""

    _name = "fee.arrears.reason"
    _description = "Arrears Reason"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("code_uniq", "unique(code)", "The reason code must be unique.")
    ]
