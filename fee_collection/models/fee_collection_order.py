from urllib.parse import quote as url_quote

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_amount, format_date

from ..tools import check_protected_fields
from ..tools.groups import ACCOUNTANT, MANAGER
from . import fee_state_mixin  # noqa: F401

PROMISE_FIELDS = {"outcome", "promise_date"}
# What the collector working an order logs directly; every other field is the
# accountants'.
OUTCOME_FIELDS = {"attempt_ids"}
# Set by dunning and by the order's actions only; the outcome and what it says (a
# promise, a refusal's reason) by the outcome form, after its checks, for everyone.
WORKFLOW_FIELDS = dict.fromkeys(
    (
        "name",
        "state",
        "level_id",
        "dunning_line_id",
        "priority",
        "promise_state",
        "promise_owed",
        "date_done",
        "outcome",
        "promise_date",
        "promise_amount",
        "reason_id",
    )
)


class FeeCollectionOrder(models.Model):
    """A collection work order (催缴工单): a call, a visit or a legal hand-over.

    The order's record, actions and what its outcome tells about the subscriber are
    here; how orders are issued, escalated and closed (the daily dispatch) in
    ``fee_collection_order_dispatch.py``, and the calls and visits logged on an order
    in ``fee_collection_attempt.py``."""

    _name = "fee.collection.order"
    _description = "Collection Order"
    _inherit = ["mail.thread", "mail.activity.mixin", "fee.state.mixin"]
    _order = "priority desc, date desc, id desc"
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
    amount_due = fields.Monetary(
        help="Overdue amount of the subscriber, as of the last dispatch or payment."
    )
    days_overdue = fields.Integer(
        help="Age of the oldest unpaid amount, as of the last dispatch."
    )
    priority = fields.Float(
        index=True,
        readonly=True,
        digits=(16, 0),
        help="Amount overdue × days overdue, as of the last dispatch: the worklist's "
        "order.",
    )
    area_id = fields.Many2one(related="partner_id.area_id", store=True, index=True)
    phone = fields.Char(compute="_compute_contact")
    address = fields.Char(compute="_compute_contact")
    map_url = fields.Char(string="Map", compute="_compute_contact")
    open_invoices_html = fields.Html(
        string="Open Invoices", compute="_compute_open_invoices_html"
    )
    promise_state = fields.Selection(
        [("pending", "Pending"), ("kept", "Kept"), ("broken", "Broken")],
        readonly=True,
        tracking=True,
        copy=False,
    )
    date_done = fields.Date(readonly=True, copy=False, index=True)
    receipt_ids = fields.One2many(
        "fee.receipt", "collection_order_id", string="Receipts", readonly=True
    )
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
            ("written_off", "Written Off"),
        ],
        tracking=True,
    )
    promise_date = fields.Date(tracking=True)
    promise_amount = fields.Monetary()
    promise_owed = fields.Monetary(
        readonly=True,
        copy=False,
        help="What the subscriber owed, overdue, when the promise was recorded: the "
        "promise is kept once it owes no more than this less the promised amount.",
    )
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

    @api.depends("partner_id")
    def _compute_contact(self):
        for order in self:
            partner = order.partner_id
            order.phone = partner.mobile or partner.phone or partner.mobile2
            order.address = ", ".join(
                part for part in (partner.city, partner.street, partner.street2) if part
            )
            order.map_url = (
                "https://uri.amap.com/search?keyword=" + url_quote(order.address)
                if order.address
                else False
            )

    @api.depends("partner_id")
    def _compute_open_invoices_html(self):
        """The subscriber's open invoices, for the collector who cannot read invoices:
        what each bills and what is left to pay."""
        invoices = (
            self.env["fee.overdue"]
            ._get_open_invoices(self.partner_id.sudo())
            .grouped("commercial_partner_id")
        )
        for order in self:
            rows = [
                Markup("<tr><td>%s</td><td>%s</td><td class='text-end'>%s</td></tr>")
                % (
                    format_date(self.env, invoice.invoice_date_due),
                    "; ".join(invoice.invoice_line_ids.mapped("name")),
                    format_amount(
                        self.env, invoice.amount_residual, invoice.currency_id
                    ),
                )
                for invoice in invoices.get(
                    order.partner_id.commercial_partner_id, self.env["account.move"]
                )
            ]
            order.open_invoices_html = (
                Markup("<table class='table table-sm'>%s</table>")
                % Markup("").join(rows)
                if rows
                else False
            )

    @api.constrains("outcome", "promise_amount")
    def _check_promise_amount(self):
        for order in self.filtered(lambda order: order.outcome == "promise"):
            if order.currency_id.compare_amounts(order.promise_amount, 0.0) < 0:
                raise ValidationError(
                    self.env._(
                        "The promised amount of order %(order)s cannot be negative.",
                        order=order.name,
                    )
                )

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

    def init(self):
        result = super().init()
        # A subscriber has one open order at a time, whoever issues it (dunning, the
        # daily dispatch, two of them at once).
        self.env.cr.execute("""
            CREATE UNIQUE INDEX IF NOT EXISTS fee_collection_order_one_open_uniq
                ON fee_collection_order (partner_id) WHERE state = 'open'
        """)
        return result

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_protected_fields(self.browse(), vals, WORKFLOW_FIELDS)
        # Numbered once the user is known to be allowed to create orders.
        self.check_access("create")
        self._check_one_open([vals.get("partner_id") for vals in vals_list])
        names = iter(self._next_names(vals_list))
        for vals in vals_list:
            name = next(names)
            if vals.get("name", "/") == "/":
                vals["name"] = name
        orders = super().create(vals_list)
        orders._apply_promise()
        orders._apply_arrears_reason()
        return orders

    @api.model
    def _check_one_open(self, partner_ids):
        """A subscriber has one open order at a time: say which, rather than let the
        database refuse the second."""
        open_order = self.sudo().search(
            [("partner_id", "in", partner_ids), ("state", "=", "open")], limit=1
        )
        if open_order or len(set(partner_ids)) < len(partner_ids):
            partner = open_order.partner_id or self.env["res.partner"].browse(
                next(id_ for id_ in partner_ids if partner_ids.count(id_) > 1)
            )
            raise UserError(
                self.env._(
                    "%(partner)s already has an open collection order (%(order)s): "
                    "work that one.",
                    partner=partner.display_name,
                    order=open_order.name or self.env._("being created"),
                )
            )

    @api.model
    def _next_names(self, vals_list):
        """The number of each order of ``vals_list``, from the date range of the order's
        date (given, or the default one), as ``sequence_date`` picks it."""
        dates = [vals.get("date") for vals in vals_list]
        if not all(dates):
            default_date = self.default_get(["date"])["date"]
            dates = [date or default_date for date in dates]
        return [
            name or "/"
            for name in self.env["ir.sequence"]._fee_next_by_code_for_dates(
                "fee.collection.order", [fields.Date.to_date(date) for date in dates]
            )
        ]

    def write(self, vals):
        check_protected_fields(
            self,
            vals,
            {
                **dict.fromkeys(vals.keys() - OUTCOME_FIELDS, ACCOUNTANT),
                **WORKFLOW_FIELDS,
            },
        )
        if (OUTCOME_FIELDS | PROMISE_FIELDS) & vals.keys() and not self.env.su:
            self._check_state("open")
        if vals.get("state") == "done":
            vals = {**vals, "date_done": fields.Date.context_today(self)}
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
        unpaid = self.filtered(
            lambda order: order.outcome in ("paid", "partial") and not order.receipt_ids
        )
        if unpaid:
            raise UserError(
                self.env._(
                    "Order %(order)s says paid, but no receipt was taken on it: record "
                    "the payment with its outcome form.",
                    order=unpaid[0].name,
                )
            )
        self._check_state("open")
        self.sudo().state = "done"
        return True

    def action_open_outcome(self):
        """The outcome form for this order, the outcome clicked already chosen."""
        self.ensure_one()
        self._check_state("open")
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Outcome of %(order)s", order=self.partner_id.name),
            "res_model": "fee.collection.outcome",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_order_id": self.id,
                "default_outcome": self.env.context.get("outcome") or "paid",
            },
        }

    def action_cancel(self):
        if not self.env.user.has_group(ACCOUNTANT):
            raise UserError(
                self.env._("Only fee collection accountants can cancel orders.")
            )
        self.check_access("write")
        self._check_state("open")
        self.sudo().state = "cancel"
        return True

    def _get_state_refusal(self, state):
        return self.env._("Order %(order)s is %(state)s.", order=self.name, state=state)

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
        # What is owed now is the measure of the promise: kept once that much less is.
        for company, company_orders in orders.grouped("company_id").items():
            figures = self.env["fee.overdue"]._get_overdue_data(
                today, company, company_orders.partner_id.commercial_partner_id.ids
            )
            for order in company_orders.filtered(lambda order: order.state == "open"):
                data = figures.get(order.partner_id.commercial_partner_id.id, {})
                order.sudo().write(
                    {
                        "promise_state": "pending",
                        "promise_owed": data.get("amount", 0.0)
                        + data.get("paused_amount", 0.0),
                    }
                )

    @api.model
    def _cron_check_promises(self):
        """Daily: a promise whose date has passed is kept when the subscriber paid what
        was promised (or owes nothing overdue), and the order is done; otherwise it is
        broken, dunning resumes on the invoices it held back, and the collector gets an
        activity."""
        today = fields.Date.context_today(self)
        orders = self.sudo().search(
            [
                ("state", "=", "open"),
                ("promise_state", "=", "pending"),
                ("promise_date", "<", today),
            ]
        )
        Overdue = self.env["fee.overdue"]
        kept = broken = orders.browse()
        for company, company_orders in orders.grouped("company_id").items():
            figures = Overdue._get_overdue_data(
                today, company, company_orders.partner_id.commercial_partner_id.ids
            )
            for order in company_orders:
                data = figures.get(order.partner_id.commercial_partner_id.id, {})
                owed = data.get("amount", 0.0) + data.get("paused_amount", 0.0)
                promised = order.promise_amount or order.promise_owed
                if company.currency_id.compare_amounts(
                    order.promise_owed - owed, promised
                ) >= 0 or company.currency_id.is_zero(owed):
                    kept |= order
                else:
                    broken |= order
        kept.write({"promise_state": "kept", "state": "done"})
        broken._break_promises()
        return kept, broken

    def _break_promises(self):
        if not self:
            return
        self.write({"promise_state": "broken"})
        invoices = (
            self.env["account.move"]
            .sudo()
            .search(
                [
                    (
                        "commercial_partner_id",
                        "in",
                        self.partner_id.commercial_partner_id.ids,
                    ),
                    ("promise_date", "!=", False),
                    ("state", "=", "posted"),
                ]
            )
        )
        invoices.promise_date = False
        for order in self:
            env = order.company_id._fee_get_lang_env()
            order.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=env._(
                    "Promise broken: %(partner)s did not pay by %(date)s",
                    partner=order.partner_id.display_name,
                    date=format_date(env, order.promise_date),
                ),
                user_id=(order.collector_id or self.env.user).id,
            )

    def _report_dispute(self, note):
        """The subscriber disputes the bill (争议欠费): the overdue invoices are put in
        dispute, which pauses their dunning, and the accountants get an activity to
        investigate. A system step of the collector's report."""
        self.ensure_one()
        invoices = (
            self.env["account.move"]
            .sudo()
            .search(self._get_promised_invoices_domain(fields.Date.context_today(self)))
        )
        invoices.action_dispute()
        if note:
            invoices.dispute_note = note
        users = self.env.ref(ACCOUNTANT).users.filtered(
            lambda user: not user.share and self.company_id in user.company_ids
        )
        accountants = users - self.env.ref(MANAGER).users
        for accountant in accountants or users:
            self.sudo().activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.company_id._fee_get_lang_env()._(
                    "Investigate the dispute of %(partner)s",
                    partner=self.partner_id.name,
                ),
                note=note,
                user_id=accountant.id,
            )

    def _apply_arrears_reason(self):
        """Copy the order's arrears reason to the subscriber's file."""
        for reason, orders in self.filtered("reason_id").grouped("reason_id").items():
            orders.partner_id.commercial_partner_id.sudo().arrears_reason_id = reason
