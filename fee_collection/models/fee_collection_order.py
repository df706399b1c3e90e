from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_date

PROMISE_FIELDS = {"outcome", "promise_date"}


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

    @api.constrains("outcome", "promise_date")
    def _check_promise_date(self):
        today = fields.Date.context_today(self)
        for order in self:
            if (
                order.outcome == "promise"
                and order.promise_date
                and order.promise_date < today
            ):
                raise ValidationError(
                    self.env._(
                        "The promised payment date %(date)s of order %(order)s is in "
                        "the past: record the date the subscriber promises to pay by.",
                        date=format_date(self.env, order.promise_date),
                        order=order.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        sequence = self.env["ir.sequence"]
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = sequence.next_by_code("fee.collection.order") or "/"
        orders = super().create(vals_list)
        orders._apply_promise()
        orders._apply_arrears_reason()
        return orders

    def write(self, vals):
        result = super().write(vals)
        if PROMISE_FIELDS & vals.keys():
            self._apply_promise()
        if vals.get("reason_id"):
            self._apply_arrears_reason()
        return result

    # ------------------------------------------------------------------
    # What an order's outcome tells about the subscriber
    # ------------------------------------------------------------------

    def _get_promised_invoices_domain(self, date):
        """The open posted customer invoices of the orders' subscribers and companies with
        an amount overdue on ``date``: those a promise to pay holds back from dunning."""
        return [
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("payment_state", "in", ("not_paid", "partial")),
            ("company_id", "in", self.company_id.ids),
            ("commercial_partner_id", "in", self.partner_id.commercial_partner_id.ids),
            (
                "line_ids",
                "any",
                [
                    ("account_id.account_type", "=", "asset_receivable"),
                    ("reconciled", "=", False),
                    ("date_maturity", "<", date),
                ],
            ),
        ]

    def _apply_promise(self):
        """Set the promised date on the subscriber's overdue invoices, so that dunning waits
        until then. A system step of the order, whoever records the promise."""
        orders = self.filtered(
            lambda order: (
                order.outcome == "promise"
                and order.promise_date
                and order.state in ("open", "done")
            )
        )
        if not orders:
            return
        today = fields.Date.context_today(self)
        invoices = (
            self.env["account.move"]
            .sudo()
            .search(orders._get_promised_invoices_domain(today))
        )
        by_subscriber = invoices.grouped(
            lambda move: (move.commercial_partner_id, move.company_id)
        )
        promises = {}
        for order in orders:
            key = (order.partner_id.commercial_partner_id, order.company_id)
            for invoice in by_subscriber.get(key, []):
                promises[invoice] = order.promise_date
        promised = invoices.filtered(lambda move: move in promises)
        for date, date_invoices in promised.grouped(promises.get).items():
            date_invoices.promise_date = date

    def _apply_arrears_reason(self):
        """Copy the order's arrears reason to the subscriber's file."""
        for reason, orders in self.filtered("reason_id").grouped("reason_id").items():
            orders.partner_id.commercial_partner_id.sudo().arrears_reason_id = reason


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
