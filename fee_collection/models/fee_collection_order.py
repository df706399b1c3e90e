from odoo import api, fields, models


class FeeCollectionOrder(models.Model):
    """A collection work order (催缴工单): a call, a visit or a legal hand-over."""

    _name = "fee.collection.order"
    _description = "Collection Order"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(required=True, readonly=True, copy=False, default="/")
    date = fields.Date(required=True, default=fields.Date.context_today)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one(
        "res.partner", string="Subscriber", required=True, index=True
    )
    collector_id = fields.Many2one("res.users", index=True, tracking=True)
    order_type = fields.Selection(
        [("phone", "Phone Call"), ("visit", "Visit"), ("legal", "Legal")],
        required=True,
        default="phone",
        tracking=True,
    )
    amount_due = fields.Monetary(help="Overdue amount when the order was issued.")
    level_id = fields.Many2one(
        "fee.dunning.level", string="Dunning Level", readonly=True
    )
    dunning_line_id = fields.Many2one(
        "fee.dunning.line", readonly=True, index="btree_not_null"
    )
    call_script = fields.Html(related="level_id.call_script")
    state = fields.Selection(
        [("open", "Open"), ("done", "Done"), ("cancel", "Cancelled")],
        required=True,
        default="open",
        tracking=True,
        index=True,
    )
    outcome = fields.Selection(
        [
            ("paid", "Paid"),
            ("partial", "Partly Paid"),
            ("promise", "Promise to Pay"),
            ("refused", "Refused"),
            ("unreachable", "Unreachable"),
            ("disputed", "Disputed"),
        ],
        tracking=True,
    )
    promise_date = fields.Date(tracking=True)
    promise_amount = fields.Monetary()
    reason_id = fields.Many2one(
        "fee.arrears.reason", string="Arrears Reason", tracking=True
    )
    attempt_ids = fields.One2many(
        "fee.collection.attempt", "order_id", string="Attempts"
    )

    @api.model_create_multi
    def create(self, vals_list):
        sequence = self.env["ir.sequence"]
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = sequence.next_by_code("fee.collection.order") or "/"
        return super().create(vals_list)


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
