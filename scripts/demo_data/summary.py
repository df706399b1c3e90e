"""The summary printed at the end of the build: subscribers, services, billing, payments,
arrears by age, dunning runs, receipts, collection orders and agent outlets."""

from collections import defaultdict


class Summary:
    """Part of ``DemoHistory``: the figures of the finished demo."""

    def summary(self, preview):
        env = self.env
        currency = self.company.currency_id

        def amount(value):
            return f"{currency.round(value):,.2f} {currency.name}"

        subscribers = env["res.partner"].search([("is_subscriber", "=", True)])
        services = env["fee.subscription"].search([])
        states = defaultdict(int)
        for service in services:
            states[service.state] += 1
        posted = [("state", "=", "posted")]
        invoices = env["account.move"].search(
            [*posted, ("move_type", "=", "out_invoice")]
        )
        refunds = env["account.move"].search(
            [*posted, ("move_type", "=", "out_refund")]
        )
        payments = env["account.payment"].search(
            [("state", "in", ("in_process", "paid")), ("payment_type", "=", "inbound")]
        )
        billed = sum(invoices.mapped("amount_total_signed"))
        open_lines = env["account.move.line"].search(
            [
                ("account_id.account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("reconciled", "=", False),
                # Not what agent outlets owe on their settlements.
                ("partner_id.is_subscriber", "=", True),
            ]
        )
        buckets = dict.fromkeys(("0-30", "31-60", "61-90", "91-180", ">180"), 0.0)
        for line in open_lines.filtered(
            lambda line: line.amount_residual > 0 and line.date_maturity < self.today
        ):
            days = (self.today - line.date_maturity).days
            label = next(
                label
                for label, limit in zip(buckets, (30, 60, 90, 180, None), strict=True)
                if limit is None or days <= limit
            )
            buckets[label] += line.amount_residual
        overdue = env["fee.overdue"]._get_overdue_data(self.today, self.company)
        overdue_total = sum(data["amount"] for data in overdue.values())
        in_advance = -sum(
            line.amount_residual for line in open_lines if line.amount_residual < 0
        )
        orders = env["fee.collection.order"].search([])
        receipts = env["fee.receipt"].search([])
        sessions = env["fee.cash.session"].search([])
        rows = [
            (
                "subscribers",
                f"{len(subscribers)}, "
                f"{len(subscribers.filtered(lambda p: not p.file_complete))} with an "
                f"incomplete file, {len(subscribers.filtered(lambda p: not p.id_verified))} "
                "not verified",
            ),
            (
                "services",
                ", ".join(f"{n} {state}" for state, n in sorted(states.items())),
            ),
            (
                "billing runs",
                f"{self.runs['billing']}: {len(invoices)} invoices (of which "
                f"{len(invoices.filtered('fee_charge_type'))} for late fees), "
                f"{len(refunds)} credit note(s)",
            ),
            (
                "billed",
                f"{amount(billed)}, credited "
                f"{amount(-sum(refunds.mapped('amount_total_signed')))}",
            ),
            (
                "paid",
                f"{amount(sum(payments.mapped('amount_company_currency_signed')))} "
                f"in {len(payments)} payments, {amount(in_advance)} of it unused on account",
            ),
            (
                "overdue",
                f"{amount(overdue_total)} from "
                f"{len([d for d in overdue.values() if d['amount'] > 0])} subscribers "
                f"({overdue_total / billed:.1%} of the billed amount)",
            ),
            ("  by days", ", ".join(f"{k}: {amount(v)}" for k, v in buckets.items())),
            (
                "dunning runs",
                f"{self.runs['dunning']} executed, today's "
                f"{preview.name} previewed ({len(preview.line_ids)} lines)",
            ),
            (
                "receipts",
                f"{len(receipts.filtered(lambda r: r.channel in ('counter', 'field')))} "
                "at the counter and in the field, "
                f"{len(receipts.filtered(lambda r: r.state == 'voided'))} voided; "
                f"{len(sessions)} cash sessions, "
                f"{len(sessions.filtered(lambda s: s.state == 'open'))} open; "
                f"{env['fee.anomaly'].search_count([])} anomalies",
            ),
            (
                "collection orders",
                f"{len(orders)}, "
                f"{len(orders.filtered(lambda o: o.state == 'open'))} open",
            ),
        ]
        rows.append(self.self_pay_row(receipts))
        rows.extend(self.agent_rows(amount))
        print(f"\nDemo history from {self.months[0]} to {self.today}")
        for label, text in rows:
            print(f"  {label:<18} {text}")

    def self_pay_row(self, receipts):
        """What subscribers paid by themselves: online, by bank direct debit, and the
        payment notices that carried their pay links."""
        env = self.env
        runs = env["fee.bank.collection"].search([])
        notices = env["fee.billing.notice"].search([])
        return (
            "self-pay",
            f"{len(receipts.filtered(lambda r: r.channel == 'online'))} receipts "
            "online, "
            f"{len(receipts.filtered(lambda r: r.channel == 'bank'))} by bank direct "
            f"debit ({len(runs)} debit runs); {len(notices)} payment notices, "
            f"{len(notices.filtered(lambda n: n.state == 'sent'))} sent",
        )

    def agent_rows(self, amount):
        """A row per agent outlet: its clerks' logins, terms, collections, settlements
        and what it holds against its credit limit."""
        env = self.env
        outlets = env["res.partner"].search([("is_fee_agent", "=", True)], order="id")
        states = dict(
            env["fee.agent.settlement"]._fields["state"]._description_selection(env)
        )
        rows = []
        for outlet in outlets:
            receipts = env["fee.receipt"].search(
                [("agent_id", "=", outlet.id), ("channel", "=", "agent")]
            )
            settlements = env["fee.agent.settlement"].search(
                [("agent_id", "=", outlet.id)]
            )
            by_state = defaultdict(int)
            for settlement in settlements:
                by_state[states[settlement.state]] += 1
            terms = (
                "tiered commission"
                if outlet.agent_commission_type == "tiered"
                else f"{outlet.agent_commission_rate:g}% commission"
            )
            rows.append(
                (
                    f"outlet ({', '.join(outlet.agent_user_ids.mapped('login'))})",
                    f"{outlet.name} ({outlet.agent_settlement_frequency}, {terms}): "
                    f"{len(receipts)} receipts, "
                    f"{amount(sum(receipts.mapped('amount')))}; settlements: "
                    + (
                        ", ".join(f"{n} {state}" for state, n in by_state.items())
                        or "none"
                    )
                    + f"; holds {amount(outlet.agent_unremitted_amount)} of a "
                    f"{amount(outlet.agent_credit_limit)} limit, "
                    f"{outlet.agent_state}",
                )
            )
        return rows
