from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_amount, format_date

DUNNING_LOCK_KEY = 0x46454544  # advisory lock namespace of dunning runs, per company
# A run with more lines to execute than this is executed by the scheduler, a committed
# batch at a time, rather than in the user's request and transaction.
SYNC_RUN_MAX_LINES = 1000


class FeeDunningRun(models.Model):
    """A dunning run (催缴批次) for one date: ``action_compute`` previews a line per subscriber
    whose level changes, ``action_execute`` does what the levels say. Repeating it, restarting
    it after a crash or running a second one for the same date does nothing more."""

    _name = "fee.dunning.run"
    _description = "Dunning Run"
    _inherit = ["fee.batch.run.mixin"]
    _order = "date desc, id desc"
    _batch_cron_xmlid = "fee_collection.ir_cron_fee_dunning"

    date = fields.Date(required=True, default=fields.Date.context_today, tracking=True)
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("computed", "Previewed"),
            ("running", "In Progress"),
            ("done", "Done"),
        ],
        required=True,
        default="draft",
        tracking=True,
        copy=False,
    )
    line_ids = fields.One2many("fee.dunning.line", "run_id", string="Lines")
    line_count = fields.Integer(compute="_compute_line_counts")
    skipped_count = fields.Integer(compute="_compute_line_counts")

    def _compute_line_counts(self):
        counts = {
            (run, state): count
            for run, state, count in self.env["fee.dunning.line"]._read_group(
                [("run_id", "in", self.ids)], ["run_id", "state"], ["__count"]
            )
        }
        for run in self:
            run.line_count = sum(
                counts.get((run, state), 0) for state in ("draft", "done", "skipped")
            )
            run.skipped_count = counts.get((run, "skipped"), 0)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_compute(self):
        for run in self:
            run._lock_company()
            run._check_date_after_last_run()
            if run.state in ("running", "done"):
                raise UserError(
                    self.env._(
                        "Run %(run)s has already been executed: start a new run.",
                        run=run.name,
                    )
                )
            # The preview is made again; what was executed is history, which no user deletes.
            run.line_ids.filtered(
                lambda line: line.state in ("draft", "skipped")
            ).sudo().unlink()
            # Skip reasons, as the run's other notes, in the company's language.
            company_run = run.with_env(run.company_id._fee_get_lang_env())
            self.env["fee.dunning.line"].create(company_run._prepare_line_vals_list())
            run.state = "computed"
        return True

    def action_execute(self):
        """Do what the preview says. A large run is queued for the scheduler, which
        commits each batch: messages, orders and suspensions of thousands of subscribers in
        one request would keep the user waiting and hold the run's locks for minutes."""
        self.filtered(lambda run: run.state == "draft").action_compute()
        to_do = dict(
            self.env["fee.dunning.line"]._read_group(
                [("run_id", "in", self.ids), ("state", "=", "draft")],
                ["run_id"],
                ["__count"],
            )
        )
        queued = self.filtered(lambda run: to_do.get(run, 0) > SYNC_RUN_MAX_LINES)
        for run in self - queued:
            while run._execute_next_batch():
                pass
        if not queued:
            return True
        queued.state = "running"
        return queued._queue_for_scheduler(
            self.env._(
                "%(runs)s: more than %(count)s subscribers to dun, they are dunned in "
                "the background. Refresh the run to follow it.",
                runs=", ".join(queued.mapped("name")),
                count=SYNC_RUN_MAX_LINES,
            )
        )

    def action_view_lines(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "fee_collection.fee_dunning_line_action"
        )
        action["domain"] = [("run_id", "=", self.id)]
        action["context"] = {"search_default_groupby_level": 1}
        return action

    @api.model
    def _cron_run_dunning(self, batch_size=1000):
        """Daily, and when a user queues a large run: compute today's run per company, then
        execute it and every queued run a batch at a time; the scheduler commits after each
        call. While lines remain the job is called again, at once. A company with a queued
        run in progress gets today's run once that one is done (the job calls itself back
        then), since a run never starts before an earlier one is finished."""
        running = self.search([("state", "=", "running")])
        runs = running | self._get_todays_runs(
            self.env["res.company"].search([("id", "not in", running.company_id.ids)])
        )
        done = 0
        for run in runs.filtered(lambda run: run.state in ("computed", "running")):
            done += run._execute_next_batch(batch_size)
        remaining = self.env["fee.dunning.line"].search_count(
            [("run_id", "in", runs.ids), ("state", "=", "draft")]
        )
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        if remaining or running.filtered(lambda run: run.state == "done"):
            self._trigger_batch_cron()

    @api.model
    def _get_todays_runs(self, companies):
        """Today's run of each of ``companies`` with a dunning policy, created and
        computed when missing."""
        today = fields.Date.context_today(self)
        companies = companies.filtered("dunning_policy_id")
        runs = self.browse()
        for company in companies:
            company_runs = self.with_company(company)
            run = company_runs.search(
                [("company_id", "=", company.id), ("date", "=", today)], limit=1
            ) or company_runs.create({"date": today, "company_id": company.id})
            if run.state == "draft":
                run.action_compute()
            runs |= run
        return runs

    # ------------------------------------------------------------------
    # Steps
    # ------------------------------------------------------------------

    def _lock_company(self):
        """Refuse a second run working for the same company at the same time (a lock held
        until the end of the current transaction, i.e. of the current batch)."""
        self.ensure_one()
        self.env.cr.execute(
            SQL(
                "SELECT pg_try_advisory_xact_lock(%s, %s)",
                DUNNING_LOCK_KEY,
                self.company_id.id,
            )
        )
        if not self.env.cr.fetchone()[0]:
            raise UserError(
                self.env._(
                    "Another dunning run is working for %(company)s right now: try again when it "
                    "has finished.",
                    company=self.company_id.name,
                )
            )

    def _check_date_after_last_run(self):
        last = self.search(
            [
                ("company_id", "=", self.company_id.id),
                ("state", "in", ("running", "done")),
                ("id", "!=", self.id),
            ],
            order="date desc",
            limit=1,
        )
        if last and self.date < last.date:
            raise UserError(
                self.env._(
                    "Dunning already ran on %(last)s (%(run)s): a run cannot go back to "
                    "%(date)s.",
                    last=format_date(self.env, last.date),
                    run=last.name,
                    date=format_date(self.env, self.date),
                )
            )

    def _get_candidate_partners(self, figures):
        """Partners with something overdue, or at a level that may have to drop."""
        leveled = self.env["res.partner"].search(
            [
                ("dunning_level_id.company_id", "=", self.company_id.id),
            ]
        )
        return leveled | self.env["res.partner"].browse(figures)

    def _prepare_line_vals_list(self):
        self.ensure_one()
        Overdue = self.env["fee.overdue"]
        figures = Overdue._get_overdue_data(self.date, self.company_id)
        ladders = {}
        vals_list = []
        for partner in self._get_candidate_partners(figures):
            policy = partner._get_dunning_policy(self.company_id)
            if not policy:
                continue
            if policy not in ladders:
                ordered = policy.level_ids._ordered()
                ladders[policy] = ordered, ordered._get_ladder()
            levels, ladder = ladders[policy]
            current = partner.dunning_level_id
            amount, days = Overdue._dunning_figures(figures, partner, self.date)
            step = self._get_next_step(
                levels, current, levels._get_reached_level(amount, days, ladder)
            )
            overdue = figures.get(partner.id, {})
            vals = {
                "run_id": self.id,
                "company_id": self.company_id.id,
                "date": self.date,
                "partner_id": partner.id,
                "amount_due": amount,
                "days_overdue": days,
                "previous_level_id": current.id,
                "level_id": step.id,
                "invoice_ids": [Command.set(overdue.get("move_ids", []))],
            }
            if step != current and current._escalates_from(step):
                vals["change_reason"] = self._drop_reason(overdue, amount, days)
            if step != current:
                if step._escalates_from(current) and partner._is_dunning_exempt(
                    self.date
                ):
                    vals_list.append(
                        self._skip_vals(
                            vals,
                            self.env._(
                                "Exempt from dunning: %(reason)s",
                                reason=partner.dunning_exempt_reason or "-",
                            ),
                        )
                    )
                else:
                    vals_list.append(vals)
                continue
            paused = self._get_paused_figures(overdue, amount, days)
            paused_step = paused and self._get_next_step(
                levels, current, levels._get_reached_level(*paused, ladder)
            )
            if paused_step and paused_step._escalates_from(current):
                amount_due, days_overdue = paused
                vals_list.append(
                    self._skip_vals(
                        {
                            **vals,
                            "level_id": paused_step.id,
                            "amount_due": amount_due,
                            "days_overdue": days_overdue,
                        },
                        self._paused_reason(overdue),
                    )
                )
        return vals_list

    @api.model
    def _get_next_step(self, levels, current, reached):
        """One level up at most per run; straight down to the level reached otherwise."""
        if not reached._escalates_from(current):
            return reached
        return levels[current._rank() + 1]

    def _get_paused_figures(self, overdue, amount, days):
        """(amount, days) overdue counting the invoices paused by a dispute or a promise,
        or None when nothing is paused."""
        if not overdue.get("paused"):
            return None
        paused_days = (
            (self.date - overdue["paused_due"]).days if overdue["paused_due"] else 0
        )
        return amount + overdue["paused_amount"], max(days, paused_days)

    def _drop_reason(self, overdue, amount, days):
        """Why a subscriber's level drops: what is left overdue, and what a promise or a
        dispute holds back."""
        currency = self.company_id.currency_id
        reason = (
            self.env._(
                "%(amount)s still overdue for %(days)s days.",
                amount=format_amount(self.env, amount, currency),
                days=days,
            )
            if amount
            else self.env._("Nothing overdue any more.")
        )
        if overdue.get("paused"):
            reason += " " + self.env._(
                "%(amount)s held back by a promise to pay or a dispute.",
                amount=format_amount(self.env, overdue["paused_amount"], currency),
            )
        return reason

    def _paused_reason(self, overdue):
        paused = overdue["paused"]
        if paused == {"promise", "dispute"}:
            return self.env._(
                "Paused: a promise to pay is not yet due and an invoice is in dispute."
            )
        if "promise" in paused:
            return self.env._("Paused: a promise to pay is not yet due.")
        return self.env._("Paused: an invoice is in dispute.")

    @api.model
    def _skip_vals(self, vals, reason):
        return {**vals, "state": "skipped", "skip_reason": reason}

    def _execute_next_batch(self, batch_size=1000):
        """Execute the next batch of preview lines; returns how many were handled."""
        self.ensure_one()
        self._lock_company()
        lines = self.env["fee.dunning.line"].search(
            [("run_id", "=", self.id), ("state", "=", "draft")],
            order="id",
            limit=batch_size,
        )
        if not lines:
            self.state = "done"
            return 0
        # In the company's language, whoever runs it (a user, the scheduler): the
        # reasons, notes and orders a run writes are read by everyone. What subscribers
        # receive is in their own language (the templates', the charges' own rule).
        lines.with_env(self.company_id._fee_get_lang_env())._execute()
        left = self.env["fee.dunning.line"].search_count(
            [("run_id", "=", self.id), ("state", "=", "draft")], limit=1
        )
        self.state = "running" if left else "done"
        return len(lines)
