from odoo import api, fields, models

from ..tools import check_protected_fields

# Attempts that did not reach the subscriber.
MISSED_RESULTS = ("no_answer", "wrong_number", "not_home")
ATTEMPT_FIXED_FIELDS = dict.fromkeys(("order_id", "user_id"))


class FeeCollectionAttempt(models.Model):
    """One call or visit of a collection order, as logged by the collector."""

    _name = "fee.collection.attempt"
    _description = "Collection Attempt"
    _order = "date desc, id desc"

    order_id = fields.Many2one(
        "fee.collection.order", required=True, index=True, ondelete="cascade"
    )
    date = fields.Datetime(required=True, default=fields.Datetime.now)
    user_id = fields.Many2one(
        "res.users", required=True, default=lambda self: self.env.user
    )
    channel = fields.Selection(
        [("phone", "Phone"), ("visit", "Visit")], required=True, default="phone"
    )
    result = fields.Selection(
        [
            ("reached", "Reached"),
            ("no_answer", "No Answer"),
            ("wrong_number", "Wrong Number"),
            ("not_home", "Not at Home"),
        ],
        required=True,
        default="reached",
    )
    note = fields.Text()
    location = fields.Char()
    outcome = fields.Selection(
        selection=lambda self: (
            self.env["fee.collection.order"]
            ._fields["outcome"]
            ._description_selection(self.env)
        ),
        readonly=True,
    )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            # An attempt is logged by the one who made it, never in someone else's name.
            for vals in vals_list:
                vals["user_id"] = self.env.uid
        attempts = super().create(vals_list)
        if not self.env.su:
            attempts.order_id._check_state("open")
        attempts.order_id._escalate_unreachable()
        return attempts

    def write(self, vals):
        check_protected_fields(self, vals, ATTEMPT_FIXED_FIELDS)
        return super().write(vals)
