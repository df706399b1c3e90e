import logging

from psycopg2.errors import UniqueViolation

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools import RELOAD_VIEW, notification
from ..tools.groups import ACCOUNTANT
from .fee_collection_attempt import MISSED_RESULTS

_logger = logging.getLogger(__name__)

DISPATCH_LOCK_KEY = 0x46454450  # advisory lock namespace of dispatches, per company
# Escalation: a phone call, then a visit, then the lawyers.
ORDER_TYPE_RANK = {"phone": 0, "visit": 1, "legal": 2}


class FeeCollectionOrder(models.Model):
    """The daily dispatch (每日派单): each overdue subscriber at a level that asks for
    an order has one open order, issued or brought up to date by the dispatch and by
    dunning, escalated when the level asks for more or when calls do not reach the
    subscriber, and closed once nothing is overdue any more or the subscriber is exempt
    from dunning."""

    _inherit = "fee.collection.order"

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
        return notification(
            self.env._(
                "%(created)s orders issued, %(updated)s brought up to date.",
                created=len(created),
                updated=len(updated),
            ),
            RELOAD_VIEW,
        )

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
        figures = self.env["fee.overdue"]._get_overdue_data(date, company)
        partners = (
            self.env["res.partner"]
            .browse(
                [
                    partner_id
                    for partner_id, data in figures.items()
                    if data["amount"] > 0
                ]
            )
            .filtered(
                lambda partner: (
                    partner.dunning_level_id.order_type not in (False, "none")
                    and not partner._is_dunning_exempt(date)
                )
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
