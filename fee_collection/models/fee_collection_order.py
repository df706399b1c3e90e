from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_date

from ..tools import check_protected_fields

ACCOUNTANT = "fee_collection.group_fee_accountant"
MANAGER = "fee_collection.group_fee_manager"
PROMISE_FIELDS = {"outcome", "promise_date"}
# What the collector working an order records; every other field is the accountants'.
OUTCOME_FIELDS = {
    "outcome",
    "promise_date",
    "promise_amount",
    "reason_id",
    "attempt_ids",
}
# Set by dunning and by the order's actions only.
WORKFLOW_FIELDS = dict.fromkeys(("name", "state", "level_id", "dunning_line_id"))
ATTEMPT_FIXED_FIELDS = dict.fromkeys(("order_id", "user_id"))


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
    can_edit_order = fields.Boolean(
        compute="_compute_can_edit_order",
        help="The user may change the order itself, not only its outcome.",
    )

    def _compute_can_edit_order(self):
        self.can_edit_order = self.env.user.has_group(ACCOUNTANT)

    @api.constrains("outcome", "promise_date")
    def _check_promise_date(self):
        """A promise pauses dunning: not in the past, and not beyond the company's horizon
        unless a manager grants it."""
        today = fields.Date.context_today(self)
        may_exceed = self.env.su or self.env.user.has_group(MANAGER)
        for order in self.filtered(
            lambda order: order.outcome == "promise" and order.promise_date
        ):
            if order.promise_date < today:
                raise ValidationError(
                    self.env._(
                        "The promised payment date %(date)s of order %(order)s is in "
                        "the past: record the date the subscriber promises to pay by.",
                        date=format_date(self.env, order.promise_date),
                        order=order.name,
                    )
                )
            horizon = order.company_id.fee_promise_max_days
            if not may_exceed and order.promise_date > today + relativedelta(
                days=horizon
            ):
                raise ValidationError(
                    self.env._(
                        "The promised payment date %(date)s of order %(order)s is more "
                        "than %(days)s days away: only a fee collection manager can "
                        "grant a longer delay.",
                        date=format_date(self.env, order.promise_date),
                        order=order.name,
                        days=horizon,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_protected_fields(self.browse(), vals, WORKFLOW_FIELDS)
        # Numbered once the user is known to be allowed to create orders.
        self.check_access("create")
        sequence = self.env["ir.sequence"]
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = sequence.next_by_code("fee.collection.order") or "/"
        orders = super().create(vals_list)
        orders._apply_promise()
        orders._apply_arrears_reason()
        return orders

    def write(self, vals):
        check_protected_fields(
            self,
            vals,
            {
                **dict.fromkeys(vals.keys() - OUTCOME_FIELDS, ACCOUNTANT),
                **WORKFLOW_FIELDS,
            },
        )
        if OUTCOME_FIELDS & vals.keys() and not self.env.su:
            self._check_state("open")
        result = super().write(vals)
        if PROMISE_FIELDS & vals.keys():
            self._apply_promise()
        if vals.get("reason_id"):
            self._apply_arrears_reason()
        return result

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_done(self):
        """Close open orders whose outcome is recorded (the collector's own or any, as
        the record rules allow)."""
        self.check_access("write")
        without_outcome = self.filtered(lambda order: not order.outcome)
        if without_outcome:
            raise UserError(
                self.env._(
                    "Record the outcome of order %(order)s before closing it.",
                    order=without_outcome[0].name,
                )
            )
        self._check_state("open")
        self.sudo().state = "done"
        return True

    def action_cancel(self):
        if not self.env.user.has_group(ACCOUNTANT):
            raise UserError(
                self.env._("Only fee collection accountants can cancel orders.")
            )
        self.check_access("write")
        self._check_state("open")
        self.sudo().state = "cancel"
        return True

    def _check_state(self, state):
        wrong = self.filtered(lambda order: order.state != state)
        if wrong:
            labels = dict(self._fields["state"]._description_selection(self.env))
            raise UserError(
                self.env._(
                    "Order %(order)s is %(state)s.",
                    order=wrong[0].name,
                    state=labels[wrong[0].state],
                )
            )

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

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            # An attempt is logged by the one who made it, never in someone else's name.
            for vals in vals_list:
                vals["user_id"] = self.env.uid
        attempts = super().create(vals_list)
        if not self.env.su:
            attempts.order_id._check_state("open")
        return attempts

    def write(self, vals):
        check_protected_fields(self, vals, ATTEMPT_FIXED_FIELDS)
        return super().write(vals)
