import logging
from urllib.parse import quote as url_quote

from dateutil.relativedelta import relativedelta
from markupsafe import Markup
from psycopg2.errors import UniqueViolation

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, format_amount, format_date

from ..tools import check_protected_fields

_logger = logging.getLogger(__name__)

ACCOUNTANT = "fee_collection.group_fee_accountant"
MANAGER = "fee_collection.group_fee_manager"
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
# Escalation: a phone call, then a visit, then the lawyers.
ORDER_TYPE_RANK = {"phone": 0, "visit": 1, "legal": 2}
# Attempts that did not reach the subscriber.
MISSED_RESULTS = ("no_answer", "wrong_number", "not_home")
ATTEMPT_FIXED_FIELDS = dict.fromkeys(("order_id", "user_id"))
DISPATCH_LOCK_KEY = 0x46454450  # advisory lock namespace of dispatches, per company


class FeeCollectionOrder(models.Model):
    """A collection work order (催缴工单): a call, a visit or a legal hand-over."""

    _name = "fee.collection.order"
    _description = "Collection Order"
    _inherit = ["mail.thread", "mail.activity.mixin"]
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
            self.partner_id.sudo()
            ._fee_get_open_invoices()
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

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_protected_fields(self.browse(), vals, WORKFLOW_FIELDS)
        # Numbered once the user is known to be allowed to create orders.
        self.check_access("create")
        self._check_one_open([vals.get("partner_id") for vals in vals_list])
        names = iter(self._next_names(len(vals_list)))
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
    def _next_names(self, count):
        """``count`` order numbers in one query: the daily dispatch issues thousands of
        orders, and a sequence call each would cost a query each. The numbers come
        from the same PostgreSQL sequence that ``next_by_code`` draws from."""
        sequence = (
            self.env["ir.sequence"]
            .sudo()
            .search(
                [
                    ("code", "=", "fee.collection.order"),
                    ("company_id", "in", [self.env.company.id, False]),
                ],
                order="company_id",
                limit=1,
            )
        )
        if not sequence or sequence.implementation != "standard" or count < 2:
            return [
                self.env["ir.sequence"].next_by_code("fee.collection.order") or "/"
                for _index in range(count)
            ]
        self.env.cr.execute(
            SQL(
                "SELECT nextval(%s) FROM generate_series(1, %s)",
                f"ir_sequence_{sequence.id:03d}",
                count,
            )
        )
        # get_next_char interpolates the prefix's date parts again for each number (a
        # dozen strftime calls each, a fifth of a 50,000-order dispatch): once is enough.
        prefix, suffix = sequence._get_prefix_suffix()
        return [
            f"{prefix}{number:0{sequence.padding}d}{suffix}"
            for (number,) in self.env.cr.fetchall()
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
    # Dispatch (每日派单): one open order per overdue subscriber
    # ------------------------------------------------------------------

    def init(self):
        result = super().init()
        # A subscriber has one open order at a time, whoever issues it (dunning, the
        # daily dispatch, two of them at once).
        self.env.cr.execute("""
            CREATE UNIQUE INDEX IF NOT EXISTS fee_collection_order_one_open_uniq
                ON fee_collection_order (partner_id) WHERE state = 'open'
        """)
        return result

    @api.model
    def _cron_dispatch(self):
        """Daily, for every company with dunning: each overdue subscriber at a level that
        asks for an order gets its one open order, for its collector, prioritised by
        amount × age. A company whose dispatch cannot run now (one started by hand is
        running) is left to that one: the others are dispatched all the same."""
        companies = self.env["res.company"].search([("dunning_policy_id", "!=", False)])
        for company in companies:
            try:
                with self.env.cr.savepoint():
                    self.with_company(company)._dispatch()
            except UserError as error:
                _logger.warning("Dispatch of %s skipped: %s", company.name, error)

    def action_dispatch(self):
        """The dispatch, on demand (accountants)."""
        if not self.env.user.has_group(ACCOUNTANT):
            raise UserError(
                self.env._("Only fee collection accountants dispatch orders.")
            )
        created, updated = self.sudo()._dispatch()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "%(created)s orders issued, %(updated)s brought up to date.",
                    created=len(created),
                    updated=len(updated),
                ),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    @api.model
    def _dispatch(self, date=None):
        """Issue or update the orders of the company's overdue subscribers; returns
        (orders issued, orders updated). Running it twice issues nothing more; a second
        dispatch of the company while one runs is refused (a lock held until the end of
        the transaction)."""
        date = date or fields.Date.context_today(self)
        company = self.env.company
        self.env.cr.execute(
            SQL(
                "SELECT pg_try_advisory_xact_lock(%s, %s)",
                DISPATCH_LOCK_KEY,
                company.id,
            )
        )
        if not self.env.cr.fetchone()[0]:
            raise UserError(
                self.env._(
                    "A dispatch of %(company)s is running: try again when it ends.",
                    company=company.name,
                )
            )
        Partner = self.env["res.partner"]
        figures = Partner._get_overdue_data(date, company)
        partners = Partner.browse(
            [partner_id for partner_id, data in figures.items() if data["amount"] > 0]
        ).filtered(
            lambda partner: (
                partner.dunning_level_id.order_type not in (False, "none")
                and not partner._is_dunning_exempt(date)
            )
        )
        requests = {
            partner: {
                "level": partner.dunning_level_id,
                "amount": figures[partner.id]["amount"],
                "days": (date - figures[partner.id]["oldest_due"]).days,
            }
            for partner in partners
        }
        return self._issue(requests, date)

    @api.model
    def _issue(self, requests, date, dunning_lines=None):
        """Give each subscriber of ``requests`` ({partner: {level, amount, days}}) its
        one open order: a new one, or the open one brought up to date (amount, age,
        priority, collector, level); a level that asks for more (a visit after calls)
        closes the open order and issues the next. Returns (issued, updated)."""
        company = self.env.company
        Order = self.sudo().with_company(company)
        open_orders = {
            order.partner_id: order
            for order in Order.search(
                [("partner_id", "in", [p.id for p in requests]), ("state", "=", "open")]
            )
        }
        substitutes = self.env["fee.collector.absence"].sudo()._get_substitutes(date)
        vals_list, updates, escalated = [], {}, Order.browse()
        for partner, request in requests.items():
            level = request["level"]
            collector = partner.collector_id or partner.area_id.collector_ids[:1]
            collector = substitutes.get(collector, collector)
            figures = {
                "amount_due": request["amount"],
                "days_overdue": request["days"],
                "priority": request["amount"] * max(request["days"], 1),
            }
            order = open_orders.get(partner)
            if order and order.promise_state == "pending":
                continue  # the collector waits for the promised date
            if (
                order
                and ORDER_TYPE_RANK[level.order_type]
                > ORDER_TYPE_RANK[order.order_type]
            ):
                escalated |= order
                order = None
            if order:
                updates[order] = {**figures, "collector_id": collector, "level": level}
                continue
            line = (dunning_lines or {}).get(partner)
            vals_list.append(
                {
                    **figures,
                    "partner_id": partner.id,
                    # Given, so that Odoo neither computes it order by order after the
                    # insert nor writes it again in a second UPDATE.
                    "area_id": partner.area_id.id,
                    "company_id": company.id,
                    "collector_id": collector.id,
                    "order_type": level.order_type,
                    "level_id": level.id,
                    "dunning_line_id": line.id if line else False,
                    "date": date,
                }
            )
        escalated._close_escalated()
        updated = Order._update_figures(updates)
        try:
            with self.env.cr.savepoint():
                issued = Order.with_context(
                    tracking_disable=True,
                    mail_create_nolog=True,
                    mail_create_nosubscribe=True,
                ).create(vals_list)
        except UniqueViolation as error:
            # Orders of the same subscribers committed by another dispatch or dunning run
            # since this one read the open orders.
            raise UserError(
                self.env._(
                    "Collection orders of %(company)s were issued to the same subscribers "
                    "meanwhile, by another dispatch or dunning run: try again now that it "
                    "has ended.",
                    company=company.name,
                )
            ) from error
        return issued, updated

    def _close_escalated(self):
        for company, orders in self.grouped("company_id").items():
            body = company._fee_get_lang_env()._(
                "Escalated: the subscriber is now due for more than this."
            )
            orders._message_log_batch(dict.fromkeys(orders.ids, body))
        self.write({"state": "cancel"})

    def _update_figures(self, updates):
        """Bring open orders up to date ({order: values}). The figures of thousands of
        orders change every day: one UPDATE for them all, rather than a write per
        distinct value; a change of collector or level is written (and tracked)."""
        changed = [
            (order.id, vals["amount_due"], vals["days_overdue"], vals["priority"])
            for order, vals in updates.items()
            if (order.amount_due, order.days_overdue, order.priority)
            != (vals["amount_due"], vals["days_overdue"], vals["priority"])
        ]
        if changed:
            self.flush_model(["amount_due", "days_overdue", "priority"])
            self.env.cr.execute(
                SQL(
                    """
                UPDATE fee_collection_order o
                   SET amount_due = v.amount, days_overdue = v.days, priority = v.priority
                  FROM (VALUES %s) AS v(id, amount, days, priority)
                 WHERE o.id = v.id
                """,
                    SQL(", ").join(
                        SQL("(%s, %s::numeric, %s, %s::numeric)", *row)
                        for row in changed
                    ),
                )
            )
            self.browse(row[0] for row in changed).invalidate_recordset(
                ["amount_due", "days_overdue", "priority"]
            )
        for (collector, level), orders in (
            self.browse([order.id for order in updates])
            .grouped(
                lambda order: (updates[order]["collector_id"], updates[order]["level"])
            )
            .items()
        ):
            if orders.collector_id != collector or orders.level_id != level:
                orders.write({"collector_id": collector.id, "level_id": level.id})
        return self.browse([order.id for order in updates])

    def _close_paid(self, partners):
        """Close the open orders of subscribers no longer overdue, in the transaction of
        the payment or credit note that settled them: outcome paid, with the receipt."""
        orders = self.sudo().search(
            [("partner_id", "in", partners.ids), ("state", "=", "open")]
        )
        if not orders:
            return
        receipts = {
            receipt.partner_id: receipt
            for receipt in self.env["fee.receipt"]
            .sudo()
            .search(
                [("partner_id", "in", orders.partner_id.ids), ("state", "=", "posted")],
                order="id",
            )
        }
        bodies = {}
        for company, company_orders in orders.grouped("company_id").items():
            env = company._fee_get_lang_env()
            channels = dict(
                self.env["fee.receipt"]._fields["channel"]._description_selection(env)
            )
            for order in company_orders:
                receipt = receipts.get(order.partner_id)
                bodies[order.id] = (
                    env._(
                        "Closed: nothing is overdue any more (receipt %(receipt)s, "
                        "%(channel)s, %(user)s).",
                        receipt=receipt.name,
                        channel=channels[receipt.channel],
                        user=receipt.user_id.name,
                    )
                    if receipt
                    else env._("Closed: nothing is overdue any more.")
                )
        orders._message_log_batch(bodies)
        orders.filtered(lambda order: order.promise_state == "pending").write(
            {"promise_state": "kept"}
        )
        orders.write({"state": "done", "outcome": "paid", "amount_due": 0.0})

    def _cancel_exempt(self, partners):
        orders = self.sudo().search(
            [("partner_id", "in", partners.ids), ("state", "=", "open")]
        )
        for company, company_orders in orders.grouped("company_id").items():
            body = company._fee_get_lang_env()._(
                "Cancelled: the subscriber is exempt from dunning."
            )
            company_orders._message_log_batch(dict.fromkeys(company_orders.ids, body))
        orders.write({"state": "cancel"})

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
            figures = self.env["res.partner"]._get_overdue_data(
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
        Partner = self.env["res.partner"]
        kept = broken = orders.browse()
        for company, company_orders in orders.grouped("company_id").items():
            figures = Partner._get_overdue_data(
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

    def _escalate_unreachable(self):
        """A phone order whose subscriber could not be reached the company's number of
        times (3 by default) becomes a visit: the order is closed, a visit order issued."""
        for order in self.filtered(
            lambda order: order.state == "open" and order.order_type == "phone"
        ):
            missed = order.attempt_ids.filtered(
                lambda attempt: attempt.result in MISSED_RESULTS
            )
            limit = order.company_id.fee_unreachable_attempts
            if limit and len(missed) >= limit:
                order.sudo()._escalate_to("visit")

    def _escalate_to(self, order_type):
        self.ensure_one()
        self._close_escalated()
        return self.with_context(
            tracking_disable=True, mail_create_nolog=True, mail_create_nosubscribe=True
        ).create(
            {
                "partner_id": self.partner_id.id,
                "company_id": self.company_id.id,
                "collector_id": self.collector_id.id,
                "order_type": order_type,
                "level_id": self.level_id.id,
                "amount_due": self.amount_due,
                "days_overdue": self.days_overdue,
                "priority": self.priority,
            }
        )

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
