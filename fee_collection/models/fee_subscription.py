from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_date

from ..tools import check_protected_fields

PERIOD_MONTHS = {"month": 1, "quarter": 3, "year": 12}
# A service's state changes only through its actions (activation checks the price, a
# suspension needs a reason, reconnection resumes billing ...).
PROTECTED_FIELDS = dict.fromkeys(
    ("state", "suspend_reason", "suspended_for_arrears", "catch_up_confirmed")
)
# A start date further ahead than this is a typing error.
MAX_START_AHEAD = relativedelta(years=1)


class FeeSubscription(models.Model):
    """One service of a subscriber (用户服务): a fee item billed every period."""

    _name = "fee.subscription"
    _description = "Subscriber Service"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "partner_id, service_number"
    _rec_names_search = ["service_number", "partner_id.name"]
    _check_company_auto = True

    # Who and what
    partner_id = fields.Many2one(
        "res.partner",
        string="Subscriber",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
        domain="[('is_subscriber', '=', True)]",
    )
    product_id = fields.Many2one(
        "product.product",
        string="Fee Item",
        required=True,
        tracking=True,
        check_company=True,
        domain="[('is_fee_item', '=', True)]",
    )
    service_number = fields.Char(
        required=True,
        tracking=True,
        help="Phone number, account, meter or house number identifying the service.",
    )
    quantity = fields.Float(
        default=1.0, digits="Product Unit of Measure", tracking=True
    )
    price_unit = fields.Monetary(
        string="Current Price",
        compute="_compute_price_unit",
        help="Unit price from the subscriber's pricelist today (discounts included).",
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")

    # Billing
    billing_period = fields.Selection(
        [("month", "Monthly"), ("quarter", "Quarterly"), ("year", "Yearly")],
        required=True,
        default="month",
        tracking=True,
    )
    date_start = fields.Date(
        required=True,
        default=fields.Date.context_today,
        tracking=True,
        help="First day billed; later periods start on the same day of the month.",
    )
    next_bill_date = fields.Date(
        compute="_compute_next_bill_date",
        store=True,
        readonly=False,
        index=True,
        copy=False,
        help="Start of the next period to bill.",
    )
    catch_up_confirmed = fields.Boolean(
        copy=False,
        readonly=True,
        help="An accountant confirmed billing every period due, however far back; "
        "cleared once billed.",
    )
    invoice_line_ids = fields.One2many(
        "account.move.line", "subscription_id", string="Invoice Lines", readonly=True
    )
    invoice_count = fields.Integer(compute="_compute_invoice_count")

    # Service state
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("active", "Active"),
            ("suspended", "Suspended"),
            ("disconnected", "Disconnected"),
            ("closed", "Closed"),
        ],
        required=True,
        default="draft",
        index=True,
        tracking=True,
        copy=False,
    )
    suspend_reason = fields.Char(tracking=True, copy=False)
    suspended_for_arrears = fields.Boolean(
        copy=False,
        readonly=True,
        help="Suspended by dunning: reconnected when arrears clear.",
    )

    # People and place, from the subscriber file by default
    area_id = fields.Many2one(
        "fee.area",
        compute="_compute_from_partner",
        store=True,
        readonly=False,
        index=True,
        check_company=True,
    )
    acquirer_id = fields.Many2one(
        "res.users",
        string="Acquired By",
        compute="_compute_from_partner",
        store=True,
        readonly=False,
    )
    agent_id = fields.Many2one(
        "res.partner",
        compute="_compute_from_partner",
        store=True,
        readonly=False,
        domain="[('is_fee_agent', '=', True)]",
    )
    collector_id = fields.Many2one(
        "res.users",
        compute="_compute_from_partner",
        store=True,
        readonly=False,
        index=True,
    )

    _sql_constraints = [
        (
            "service_number_uniq",
            "unique(service_number, product_id, company_id)",
            "This service number is already used for this fee item.",
        ),
        ("quantity_positive", "CHECK(quantity > 0)", "The quantity must be positive."),
    ]

    @api.depends("service_number", "product_id", "partner_id")
    def _compute_display_name(self):
        for subscription in self:
            subscription.display_name = (
                f"{subscription.service_number} - {subscription.product_id.name}"
                if subscription.product_id
                else subscription.service_number or ""
            )

    @api.depends("partner_id", "product_id", "quantity")
    def _compute_price_unit(self):
        prices = self._get_unit_prices(fields.Date.context_today(self))
        for subscription in self:
            subscription.price_unit = prices.get(subscription, 0.0)

    @api.depends("date_start")
    def _compute_next_bill_date(self):
        """Follows the start date until the service is first billed."""
        for subscription in self:
            if not subscription.invoice_line_ids or not subscription.next_bill_date:
                subscription.next_bill_date = subscription.date_start
            else:
                subscription.next_bill_date = subscription.next_bill_date

    def _compute_invoice_count(self):
        counts = dict(
            self.env["account.move.line"]._read_group(
                [("subscription_id", "in", self.ids)],
                ["subscription_id"],
                ["move_id:count_distinct"],
            )
        )
        for subscription in self:
            subscription.invoice_count = counts.get(subscription, 0)

    @api.depends(
        "partner_id.area_id",
        "partner_id.acquirer_id",
        "partner_id.agent_id",
        "partner_id.collector_id",
    )
    def _compute_from_partner(self):
        for subscription in self:
            partner = subscription.partner_id
            subscription.area_id = partner.area_id
            subscription.acquirer_id = partner.acquirer_id
            subscription.agent_id = partner.agent_id
            subscription.collector_id = partner.collector_id

    @api.constrains("date_start")
    def _check_date_start(self):
        latest = fields.Date.context_today(self) + MAX_START_AHEAD
        for subscription in self:
            if subscription.date_start > latest:
                raise ValidationError(
                    self.env._(
                        "Service %(service)s starts on %(date)s, more than a year from "
                        "today: check the start date.",
                        service=subscription.display_name,
                        date=format_date(self.env, subscription.date_start),
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_protected_fields(self.browse(), vals, PROTECTED_FIELDS)
        services = super().create(vals_list)
        # A service may bring its subscriber under a rule (service number, acquirer).
        self.env["fee.collector.rule"]._assign_collectors(
            services.partner_id.filtered(lambda partner: not partner.collector_id)
        )
        return services

    def write(self, vals):
        check_protected_fields(self, vals, PROTECTED_FIELDS)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_billed(self):
        if self.filtered("invoice_line_ids"):
            raise UserError(
                self.env._(
                    "A service that has been billed cannot be deleted: close it instead."
                )
            )

    # ------------------------------------------------------------------
    # State machine
    # ------------------------------------------------------------------

    def _change_state(self, new_state, allowed_from, **extra_vals):
        """The one way a service changes state: by a user who may change services (the
        state itself is protected), or by a system step (dunning, payments)."""
        self.check_access("write")
        forbidden = self.filtered(lambda s: s.state not in allowed_from)
        if forbidden:
            labels = dict(self._fields["state"]._description_selection(self.env))
            raise UserError(
                self.env._(
                    "Service %(service)s is %(state)s and cannot become %(target)s.",
                    service=forbidden[0].display_name,
                    state=labels[forbidden[0].state],
                    target=labels[new_state],
                )
            )
        self.sudo().write({"state": new_state, **extra_vals})
        return True

    def action_activate(self):
        prices = self._get_unit_prices(fields.Date.context_today(self))
        unpriced = self.filtered(lambda s: prices.get(s, 0.0) <= 0.0)
        if unpriced:
            raise UserError(
                self.env._(
                    "Service %(service)s has no price: set a sales price on %(item)s or in the "
                    "subscriber's pricelist before activating it.",
                    service=unpriced[0].display_name,
                    item=unpriced[0].product_id.display_name,
                )
            )
        return self._change_state("active", {"draft"})

    def action_suspend(self, reason=None, for_arrears=False):
        """Suspend (停机) with a reason; the form's button asks for it in a wizard."""
        if not reason:
            raise UserError(self.env._("Give the reason for suspending the service."))
        return self._change_state(
            "suspended",
            {"active"},
            suspend_reason=reason,
            suspended_for_arrears=for_arrears,
        )

    def action_open_suspend_wizard(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Suspend Services"),
            "res_model": "fee.subscription.suspend",
            "view_mode": "form",
            "target": "new",
            "context": {"active_model": self._name, "active_ids": self.ids},
        }

    def action_reconnect(self):
        """Reconnect (复机) a suspended service. Periods that went by unbilled while it was
        suspended are not billed afterwards: billing resumes with the current period."""
        today = fields.Date.context_today(self)
        result = self._change_state(
            "active", {"suspended"}, suspend_reason=False, suspended_for_arrears=False
        )
        for subscription in self.filtered(
            lambda s: (
                not s.product_id.fee_bill_when_suspended and s.next_bill_date < today
            )
        ):
            current_start = subscription._get_period_start(
                subscription._get_period_index(today)
            )
            subscription.next_bill_date = max(
                subscription.next_bill_date, current_start
            )
        return result

    def action_disconnect(self):
        """Disconnect (拆机): the service stops and is no longer billed."""
        return self._change_state(
            "disconnected", {"active", "suspended"}, suspended_for_arrears=False
        )

    def action_close(self):
        return self._change_state("closed", {"draft", "disconnected"})

    # ------------------------------------------------------------------
    # Billing helpers
    # ------------------------------------------------------------------

    @api.model
    def _get_billable_domain(self, date):
        """Services with a period starting on or before ``date`` that must be billed."""
        return [
            ("next_bill_date", "<=", date),
            "|",
            ("state", "=", "active"),
            "&",
            ("state", "=", "suspended"),
            ("product_id.fee_bill_when_suspended", "=", True),
        ]

    def _get_period_start(self, index):
        """Start of the ``index``-th period counted from ``date_start`` (anchored, so that a
        service started on the 31st is billed from the last day of shorter months and back
        to the 31st afterwards)."""
        self.ensure_one()
        return self.date_start + relativedelta(
            months=index * PERIOD_MONTHS[self.billing_period]
        )

    def _get_period_index(self, date):
        self.ensure_one()
        months = PERIOD_MONTHS[self.billing_period]
        elapsed = (
            (date.year - self.date_start.year) * 12 + date.month - self.date_start.month
        )
        index = max(elapsed // months, 0)
        while self._get_period_start(index + 1) <= date:
            index += 1
        while index and self._get_period_start(index) > date:
            index -= 1
        return index

    def _get_due_periods(self, date):
        """(start, end) of every unbilled period starting on or before ``date``."""
        self.ensure_one()
        periods = []
        index = self._get_period_index(self.next_bill_date)
        start = self.next_bill_date
        while start <= date:
            next_start = self._get_period_start(index + 1)
            periods.append((start, next_start - relativedelta(days=1)))
            index, start = index + 1, next_start
        return periods

    def _get_unit_prices(self, date):
        """Unit price per service from each subscriber's pricelist (in that pricelist's
        currency), in one call per pricelist and quantity."""
        prices = {}
        groups = self.grouped(
            lambda s: (s.partner_id.property_product_pricelist, s.quantity)
        )
        for (pricelist, quantity), subscriptions in groups.items():
            products = subscriptions.product_id
            if pricelist:
                product_prices = pricelist._get_products_price(
                    products, quantity or 1.0, date=date
                )
            else:
                product_prices = {product.id: product.lst_price for product in products}
            for subscription in subscriptions:
                prices[subscription] = product_prices.get(
                    subscription.product_id.id, 0.0
                )
        return prices
