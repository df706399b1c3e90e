import logging

from dateutil.relativedelta import relativedelta
from markupsafe import Markup
from psycopg2.errors import SerializationFailure

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, format_date

from .fee_subscription import PERIOD_MONTHS

_logger = logging.getLogger(__name__)

MAX_RUN_DATE_DISTANCE = relativedelta(years=1)
# More than a year of periods before the current one is billed only once an accountant
# confirms the catch-up: a wrong start date would otherwise bill decades on one invoice.
MAX_CATCH_UP_MONTHS = 12
# A run with more services due than this is billed by the scheduler, a committed batch at a
# time, rather than in the user's request and transaction.
SYNC_RUN_MAX_SERVICES = 1000


class FeeBillingRun(models.Model):
    """Bills every service due up to a date (出账): one posted invoice per subscriber, one line
    per service period. Safe to repeat, to restart after a crash and to run twice at once:
    services are locked while billed, and a period can be billed only once (database index)."""

    _name = "fee.billing.run"
    _description = "Billing Run"
    _inherit = ["fee.batch.run.mixin"]
    _order = "date desc, id desc"
    _batch_cron_xmlid = "fee_collection.ir_cron_fee_billing"

    date = fields.Date(
        required=True,
        default=fields.Date.context_today,
        tracking=True,
        help="Every service period starting on or before this date is billed.",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    journal_id = fields.Many2one(
        "account.journal",
        required=True,
        check_company=True,
        domain="[('type', '=', 'sale')]",
        default=lambda self: self._default_journal_id(),
    )
    state = fields.Selection(
        [("draft", "Draft"), ("running", "In Progress"), ("done", "Done")],
        required=True,
        default="draft",
        tracking=True,
        copy=False,
    )
    invoice_ids = fields.One2many(
        "account.move", "fee_billing_run_id", string="Invoices"
    )
    invoice_count = fields.Integer(compute="_compute_invoice_stats")
    amount_total = fields.Monetary(
        string="Amount Billed", compute="_compute_invoice_stats"
    )
    issue_ids = fields.One2many("fee.billing.run.issue", "run_id", string="Not Billed")
    issue_count = fields.Integer(compute="_compute_issue_count")

    def _default_journal_id(self):
        return self.env["account.journal"].search(
            [
                *self.env["account.journal"]._check_company_domain(self.env.company),
                ("type", "=", "sale"),
            ],
            limit=1,
        )

    def _compute_invoice_stats(self):
        stats = {
            run: (count, total)
            for run, count, total in self.env["account.move"]._read_group(
                [("fee_billing_run_id", "in", self.ids)],
                ["fee_billing_run_id"],
                ["__count", "amount_total_signed:sum"],
            )
        }
        for run in self:
            run.invoice_count, run.amount_total = stats.get(run, (0, 0.0))

    def _compute_issue_count(self):
        counts = dict(
            self.env["fee.billing.run.issue"]._read_group(
                [("run_id", "in", self.ids)],
                ["run_id"],
                ["__count"],
            )
        )
        for run in self:
            run.issue_count = counts.get(run, 0)

    @api.constrains("date", "company_id", "journal_id")
    def _check_date(self):
        today = fields.Date.context_today(self)
        for run in self:
            if (
                not today - MAX_RUN_DATE_DISTANCE
                < run.date
                < today + MAX_RUN_DATE_DISTANCE
            ):
                raise ValidationError(
                    self.env._(
                        "The billing date %(date)s is more than a year away from today: check the "
                        "date.",
                        date=format_date(self.env, run.date),
                    )
                )
            lock_date = run.company_id._get_user_fiscal_lock_date(run.journal_id)
            if run.date <= lock_date:
                raise ValidationError(
                    self.env._(
                        "The billing date %(date)s falls in a locked period (locked up to "
                        "%(lock)s).",
                        date=format_date(self.env, run.date),
                        lock=format_date(self.env, lock_date),
                    )
                )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_invoiced(self):
        if self.invoice_ids:
            raise UserError(
                self.env._("A billing run that created invoices cannot be deleted.")
            )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_run(self):
        """Bill everything due. Runs again safely: only periods not billed yet are billed.
        A large run is queued for the scheduler, which commits each batch: one transaction
        for thousands of invoices would hold its locks for minutes, keep the user waiting
        and slow every query down as it grows."""
        Subscription = self.env["fee.subscription"]
        queued = self.filtered(
            lambda run: (
                Subscription.search_count(
                    run._get_due_domain(), limit=SYNC_RUN_MAX_SERVICES + 1
                )
                > SYNC_RUN_MAX_SERVICES
            )
        )
        for run in self - queued:
            while run._bill_next_batch():
                pass
            run.state = "done"
        if not queued:
            return True
        queued.state = "running"
        return queued._queue_for_scheduler(
            self.env._(
                "%(runs)s: more than %(count)s services are due, they are billed in the "
                "background. Refresh the run to follow it.",
                runs=", ".join(queued.mapped("name")),
                count=SYNC_RUN_MAX_SERVICES,
            )
        )

    def _cron_bill_due_services(self, batch_size=500):
        """Daily, and when a user queues a large run: bill one bounded batch of today's run
        of each company and of every queued run, and report progress, so that the scheduler
        commits and calls again until nothing is due. The second worker is called to help;
        this first one alone writes the runs' state, so that the two never update one row."""
        runs = self._get_todays_runs() | self.search([("state", "=", "running")])
        remaining = runs._bill_batch_for_scheduler(batch_size)
        runs.filtered(lambda run: not remaining[run]).state = "done"
        if any(remaining.values()):
            self.env.ref("fee_collection.ir_cron_fee_billing_helper").sudo()._trigger()

    @api.model
    def _cron_help_bill_running_runs(self, batch_size=500):
        """The second billing worker. Odoo's scheduler runs a job in one worker at a time,
        but two jobs at once (its default), each in its own process when the server runs
        with workers: this job bills the runs in progress beside the first one, on other
        subscribers, and calls the first one back: to go on if a collision stopped it, and
        to close the runs."""
        runs = self.search([("state", "=", "running")])
        if runs:
            runs._bill_batch_for_scheduler(batch_size)
            self._trigger_batch_cron()

    def _bill_batch_for_scheduler(self, batch_size):
        """Bill one batch of each run and report progress to the scheduler; returns the
        number of services each run still has due. A batch that collides with the other
        worker's is left for the next round: a scheduled job reads the database as it was
        when its transaction began, so subscribers the other worker billed since then
        cannot be locked (PostgreSQL refuses with a serialization failure)."""
        Subscription = self.env["fee.subscription"]
        done = 0
        remaining = {}
        for run in self:
            try:
                with self.env.cr.savepoint():
                    done += run._bill_next_batch(batch_size)
            except SerializationFailure:
                _logger.info(
                    "Billing run %s: batch left for the next round, the other worker "
                    "billed some of its subscribers meanwhile.",
                    run.name,
                )
            remaining[run] = Subscription.search_count(run._get_due_domain())
        self.env["ir.cron"]._notify_progress(
            done=done, remaining=sum(remaining.values())
        )
        return remaining

    @api.model
    def _get_todays_runs(self):
        """Today's run of each company with services due, created when missing. A run
        already done is taken up again for services that became due since: one run a day."""
        today = fields.Date.context_today(self)
        Subscription = self.env["fee.subscription"]
        due_companies = Subscription._read_group(
            Subscription._get_billable_domain(today), ["company_id"]
        )
        runs = self.browse()
        for (company,) in due_companies:
            runs |= self.with_company(company).search(
                [("company_id", "=", company.id), ("date", "=", today)], limit=1
            ) or self.with_company(company).create(
                {"date": today, "company_id": company.id}
            )
        return runs

    # ------------------------------------------------------------------
    # Billing steps
    # ------------------------------------------------------------------

    def _get_due_domain(self):
        """Services this run still has to bill: due, and not already reported as a problem."""
        self.ensure_one()
        return [
            *self.env["fee.subscription"]._get_billable_domain(self.date),
            ("company_id", "=", self.company_id.id),
            ("id", "not in", self.issue_ids.subscription_id.ids),
        ]

    def _lock_next_batch(self, batch_size):
        """Lock the due services of the next ``batch_size`` subscribers that no concurrent
        worker holds. A subscriber is claimed through the lock on its first due service, so
        that workers skip each other's subscribers before the limit, not after it."""
        Subscription = self.env["fee.subscription"]
        Subscription.flush_model()
        due = Subscription._search(self._get_due_domain())
        self.env.cr.execute(
            SQL(
                """
            WITH claimed AS MATERIALIZED (
                SELECT id, partner_id FROM fee_subscription
                 WHERE id IN (SELECT DISTINCT ON (partner_id) id FROM fee_subscription
                               WHERE id IN %(due)s ORDER BY partner_id, id)
                 ORDER BY partner_id
                 LIMIT %(limit)s
                   FOR UPDATE SKIP LOCKED)
            SELECT id FROM fee_subscription
             WHERE id IN %(due)s AND partner_id IN (SELECT partner_id FROM claimed)
             ORDER BY partner_id, id
               FOR UPDATE
            """,
                due=due.subselect(),
                limit=batch_size,
            ),
            log_exceptions=False,
        )
        subscriptions = Subscription.browse(row[0] for row in self.env.cr.fetchall())
        # Another run may have billed them between our search and our lock.
        subscriptions.invalidate_recordset(["next_bill_date", "state"])
        return subscriptions.filtered_domain(self._get_due_domain())

    def _bill_next_batch(self, batch_size=200):
        """Bill one batch; returns how many services were handled (billed or reported)."""
        self.ensure_one()
        if self.state == "draft":
            self.state = "running"
        subscriptions = self.with_company(self.company_id)._lock_next_batch(batch_size)
        if subscriptions:
            self._bill_subscriptions(subscriptions)
        return len(subscriptions)

    def _bill_subscriptions(self, subscriptions):
        prices = subscriptions._get_unit_prices(self.date)
        billed = self._get_billed_periods(subscriptions)
        issues = []
        invoice_vals_list = []
        for partner, partner_subscriptions in subscriptions.grouped(
            "partner_id"
        ).items():
            line_commands = []
            for subscription in partner_subscriptions:
                periods = [
                    (start, end)
                    for start, end in subscription._get_due_periods(self.date)
                    if (subscription, start) not in billed
                ]
                issue = self._get_issue_vals(
                    subscription, prices.get(subscription, 0.0), periods
                )
                if issue:
                    issues.append(issue)
                    continue
                line_commands += [
                    Command.create(
                        self._prepare_invoice_line_vals(
                            subscription, start, end, prices[subscription]
                        )
                    )
                    for start, end in periods
                ]
            if line_commands:
                invoice_vals_list.append(
                    self._prepare_invoice_vals(partner, line_commands)
                )
        issues += self._create_invoices(invoice_vals_list)
        self.env["fee.billing.run.issue"].create(
            [{**vals, "run_id": self.id} for vals in issues]
        )
        self._advance_next_bill_dates(subscriptions)

    def _get_billed_periods(self, subscriptions):
        """{(service, period start)} already billed from the services' next bill dates on:
        periods after a hole left by a deleted or cancelled invoice."""
        return set(
            self.env["account.move.line"]._read_group(
                [
                    ("subscription_id", "in", subscriptions.ids),
                    ("period_start", ">=", min(subscriptions.mapped("next_bill_date"))),
                    ("parent_state", "!=", "cancel"),
                ],
                ["subscription_id", "period_start:day"],
            )
        )

    def _get_issue_vals(self, subscription, price, periods):
        """Values of the issue that keeps a service from being billed, or None."""
        reason = self._get_skip_reason(subscription, price)
        if reason:
            return {"subscription_id": subscription.id, "reason": reason}
        max_periods = MAX_CATCH_UP_MONTHS // PERIOD_MONTHS[subscription.billing_period]
        if len(periods) > max_periods + 1 and not subscription.catch_up_confirmed:
            return {
                "subscription_id": subscription.id,
                "issue_type": "catch_up",
                "reason": self.env._(
                    "%(count)s periods are due since %(date)s: correct the service's "
                    "start date, or confirm the catch-up to bill them all.",
                    count=len(periods),
                    date=format_date(self.env, periods[0][0]),
                ),
            }
        return None

    def _get_skip_reason(self, subscription, price):
        """Why a service cannot be billed, or False."""
        product = subscription.product_id.with_company(self.company_id)
        partner = subscription.partner_id
        if not product.product_tmpl_id._get_product_accounts()["income"]:
            return self.env._(
                "Fee item %(item)s has no income account.", item=product.display_name
            )
        pricelist = partner.property_product_pricelist
        if pricelist and pricelist.currency_id != self.company_id.currency_id:
            return self.env._(
                "Pricelist %(pricelist)s is in %(currency)s: services are billed in the company "
                "currency only.",
                pricelist=pricelist.display_name,
                currency=pricelist.currency_id.name,
            )
        if price <= 0.0:
            return self.env._(
                "Fee item %(item)s has no price.", item=product.display_name
            )
        return False

    def _prepare_invoice_line_vals(self, subscription, start, end, price):
        partner_env = self.with_context(lang=subscription.partner_id.lang).env
        label = partner_env._(
            "%(item)s %(number)s, %(start)s to %(end)s",
            item=subscription.product_id.with_env(partner_env).display_name,
            number=subscription.service_number,
            start=format_date(partner_env, start),
            end=format_date(partner_env, end),
        )
        return {
            "product_id": subscription.product_id.id,
            "name": label,
            "quantity": subscription.quantity,
            "price_unit": price,
            "subscription_id": subscription.id,
            "period_start": start,
            "period_end": end,
        }

    def _prepare_invoice_vals(self, partner, line_commands):
        return {
            "move_type": "out_invoice",
            # Numbered when posted: a draft name would cost a sequence look-up per invoice.
            "name": "/",
            "partner_id": partner.id,
            "invoice_date": self.date,
            "journal_id": self.journal_id.id,
            "company_id": self.company_id.id,
            "currency_id": self.company_id.currency_id.id,
            "invoice_origin": self.name,
            "fee_billing_run_id": self.id,
            "invoice_line_ids": line_commands,
        }

    def _create_invoices(self, invoice_vals_list):
        """Create and post the invoices of a batch at once; when that fails, retry them one by
        one so that a single bad subscriber is reported instead of stopping the others.
        Returns the issues' values."""
        try:
            with self.env.cr.savepoint():
                self._create_posted_invoices(invoice_vals_list)
            return []
        except (UserError, ValidationError):
            self.env.invalidate_all()
        issues = []
        for vals in invoice_vals_list:
            try:
                with self.env.cr.savepoint():
                    self._create_posted_invoices([vals])
            except (UserError, ValidationError) as error:
                self.env.invalidate_all()
                subscription_ids = {
                    command[2]["subscription_id"]
                    for command in vals["invoice_line_ids"]
                }
                issues += [
                    {"subscription_id": subscription_id, "reason": str(error)}
                    for subscription_id in sorted(subscription_ids)
                ]
        return issues

    def _create_posted_invoices(self, invoice_vals_list):
        """Create and post invoices with the chatter's work done for the whole batch: one
        note naming the run and the customer as follower, where creating and posting one
        invoice at a time would cost more than the accounting itself."""
        invoices = (
            self.env["account.move"]
            .with_company(self.company_id)
            .with_context(tracking_disable=True)
            .create(invoice_vals_list)
        )
        self._subscribe_customers(invoices)
        # Created and balanced an instant ago: posting writes state, number and flags only,
        # so their tax and receivable lines need not be synchronised again (as Odoo's point
        # of sale posts its entries).
        invoices.with_context(skip_invoice_sync=True).action_post()
        note = Markup("<p>%s</p>") % self.company_id._fee_get_lang_env()._(
            "Billed by run %(run)s.", run=self.name
        )
        invoices._message_log_batch(bodies=dict.fromkeys(invoices.ids, note))
        return invoices

    def _subscribe_customers(self, invoices):
        """Make each customer follow its new invoice, with Odoo's default subtypes, in one
        insert: posting then finds them following instead of subscribing one by one."""
        Followers = self.env["mail.followers"].sudo()
        customer_ids = invoices.partner_id.filtered("partner_share").ids
        vals_list = []
        for invoice in invoices:
            new, _existing = Followers._add_default_followers(
                invoice._name,
                invoice.ids,
                invoice.partner_id.ids,
                customer_ids=customer_ids,
                check_existing=False,
            )
            vals_list += [
                {**vals, "res_id": res_id}
                for res_id, res_vals_list in new.items()
                for vals in res_vals_list
            ]
        Followers.with_context(default_partner_id=False).create(vals_list)
        invoices.invalidate_recordset(["message_follower_ids", "message_partner_ids"])

    def _advance_next_bill_dates(self, subscriptions):
        """Move each billed service's next bill date past its last billed period."""
        last_ends = dict(
            self.env["account.move.line"]._read_group(
                [
                    ("subscription_id", "in", subscriptions.ids),
                    ("parent_state", "!=", "cancel"),
                ],
                ["subscription_id"],
                ["period_end:max"],
            )
        )
        next_dates = {}
        for subscription, period_end in last_ends.items():
            next_date = period_end + relativedelta(days=1)
            if next_date != subscription.next_bill_date:
                next_dates.setdefault(next_date, []).append(subscription.id)
        Subscription = self.env["fee.subscription"]
        for next_date, ids in next_dates.items():
            Subscription.browse(ids).next_bill_date = next_date
        billed = Subscription.browse(id_ for ids in next_dates.values() for id_ in ids)
        billed.filtered("catch_up_confirmed").sudo().catch_up_confirmed = False


class FeeBillingRunIssue(models.Model):
    _name = "fee.billing.run.issue"
    _description = "Service Not Billed"
    _order = "run_id desc, partner_id"

    run_id = fields.Many2one(
        "fee.billing.run", required=True, index=True, ondelete="cascade"
    )
    subscription_id = fields.Many2one(
        "fee.subscription", required=True, ondelete="cascade"
    )
    partner_id = fields.Many2one(related="subscription_id.partner_id", store=True)
    company_id = fields.Many2one(related="run_id.company_id", store=True)
    issue_type = fields.Selection(
        [("error", "To Correct"), ("catch_up", "Catch-up to Confirm")],
        required=True,
        default="error",
    )
    reason = fields.Text(required=True)

    def action_confirm_catch_up(self):
        """Let the next run bill every period due of these services, however far back
        (an accountant's decision); the run goes on with them when run again."""
        self.check_access("write")
        issues = self.filtered(lambda issue: issue.issue_type == "catch_up")
        issues.subscription_id.sudo().catch_up_confirmed = True
        issues.subscription_id._message_log_batch(
            {
                issue.subscription_id.id: issue.company_id._fee_get_lang_env()._(
                    "Catch-up billing confirmed: %(reason)s", reason=issue.reason
                )
                for issue in issues
            }
        )
        issues.sudo().unlink()
        return True
