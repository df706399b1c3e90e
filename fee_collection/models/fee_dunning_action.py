from odoo import fields, models


class FeeDunningAction(models.Model):
    """What a dunning line did, one record per action, with its outcome."""

    _name = "fee.dunning.action"
    _description = "Dunning Action"
    _order = "line_id, id"

    line_id = fields.Many2one(
        "fee.dunning.line", required=True, index=True, ondelete="cascade"
    )
    # The line's, written with each action (see fee.dunning.line.date).
    partner_id = fields.Many2one(
        "res.partner", string="Subscriber", required=True, readonly=True
    )
    date = fields.Date(required=True, readonly=True)
    action_type = fields.Selection(
        [
            ("sms", "SMS"),
            ("email", "E-mail"),
            ("letter", "Letter"),
            ("order", "Collection Order"),
            ("fee", "Fees"),
            ("suspend", "Suspension"),
            ("disconnect", "Disconnection"),
        ],
        required=True,
    )
    state = fields.Selection(
        [("done", "Done"), ("failed", "Failed"), ("skipped", "Skipped")], required=True
    )
    note = fields.Char()
