"""How the demo subscribers behave: who pays within days, late, in part, in advance or not
at all (so that arrears of every age exist), and what happens to their services and bills:
services changed on request (manager), disputed bills, a credit note and a bad-debt
write-off (accountant)."""

from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import Command
from odoo.tools import float_round

# How the subscribers pay, by subscriber number; everyone else pays within days.
# Stopped paying from month k on (0 = the first bill), so that arrears of every age exist,
# and why (fee.arrears.reason).
STOPPED = {
    38: (0, "malicious"),
    46: (0, "unreachable"),
    17: (1, "malicious"),
    27: (1, "unable"),
    43: (2, "unable"),
    52: (2, "malicious"),
    11: (3, "unable"),
    19: (3, "forgot"),
    29: (3, "unreachable"),
    37: (3, "unreachable"),
    45: (3, "malicious"),
    32: (4, "forgot"),
    48: (4, "unable"),
}
# Stopped paying at month k, were suspended, then paid everything on day d of month m.
RECOVERED = {25: (0, 4, 8, "unable"), 15: (1, 4, 20, "forgot")}
LATE = {13, 20, 28, 34, 44, 50, 54}  # chronic late payers: 5 to 9 weeks after the bill
SLOW_BUSINESS = {59}  # pays a few weeks after the due date
PARTIAL = {22, 36, 41, 49}  # pays part of every bill
PREPAID = {6: 3000.0, 40: 600.0}  # paid in advance; the bills are settled from it
EXEMPT = {60: [2]}  # street office (red list): pays every few months only
DISPUTED = {31: (2, "用户称当月信号中断近一周，要求减免，拒付该月账单。")}
CREDITED = {42: (1, "机顶盒故障停播十天，经核实减免半月收视费。")}
# Services changed on request: (month index, day, service, action, reason).
SERVICE_CHANGES = [
    (1, 18, "fee_service_047_tv_demo", "disconnect", None),  # moved away
    (2, 3, "fee_service_047_tv_demo", "close", None),
    (2, 20, "fee_service_039_tv_demo", "disconnect", None),  # moved to a care home
    (3, 5, "fee_service_039_tv_demo", "close", None),
    (3, 10, "fee_service_016_tv_demo", "suspend", "用户申请报停：去外地子女家居住半年"),
    (4, 6, "fee_service_033_bb_demo", "suspend", "用户申请暂停宽带：子女外出务工"),
    (4, 12, "fee_service_026_bb_demo", "disconnect", None),  # switched provider
]


def reason_of(number):
    """Why a subscriber does not pay on time (code of a fee.arrears.reason)."""
    if number in STOPPED:
        return STOPPED[number][1]
    if number in RECOVERED:
        return RECOVERED[number][3]
    if number in DISPUTED:
        return "disputed"
    if number in PARTIAL:
        return "unable"
    return "forgot"


class SubscribersAndServices:
    """Part of ``DemoHistory``: each subscriber's payments planned, their services and bills
    changed."""

    def plan_payments(self, number, partner):
        rng = self.rng
        journal = self.preferred_journal(partner)
        for index, month in enumerate(self.months):
            if number in STOPPED and index >= STOPPED[number][0]:
                continue
            if number in RECOVERED:
                stop, pay_month, pay_day, _reason = RECOVERED[number]
                if index == pay_month:
                    date = self.months[pay_month].replace(day=pay_day)
                    self.plan_payment(partner, date, date, journal)
                if index >= stop and index <= pay_month:
                    continue
            if number in PREPAID:
                if index == 0:
                    date = month + timedelta(days=2)
                    self.at(date, 2, self.prepay, partner, date, PREPAID[number])
                continue
            if number in EXEMPT:
                if index in EXEMPT[number]:
                    date = month + timedelta(days=19)
                    self.plan_payment(partner, date, month, self.bank)
                continue
            if number in DISPUTED and index == DISPUTED[number][0]:
                date = month + timedelta(days=12)
                self.at(date, 2, self.dispute, partner, month, DISPUTED[number][1])
                continue
            if number in CREDITED and index == CREDITED[number][0]:
                date = month + timedelta(days=10)
                self.at(date, 2, self.dispute, partner, month, CREDITED[number][1])
                date = month + timedelta(days=24)
                self.at(date, 2, self.credit, partner, month, date, CREDITED[number][1])
                self.plan_payment(partner, date + timedelta(days=2), month, journal)
                continue
            if number in LATE:
                date = month + timedelta(days=rng.randint(36, 64))
            elif number in SLOW_BUSINESS:
                date = month + relativedelta(months=1, days=rng.randint(5, 20))
            else:
                date = month + timedelta(days=rng.randint(1, 12))
            fraction = rng.uniform(0.4, 0.7) if number in PARTIAL else 1.0
            self.plan_payment(partner, date, month, journal, fraction)

    def plan_payment(self, partner, date, upto, journal, fraction=1.0):
        """On ``date``, the subscriber pays (part of) every open bill issued up to ``upto``."""
        self.payment_plan[partner].append(date)
        self.at(date, 2, self.pay, partner, date, upto, journal, fraction)

    def preferred_journal(self, partner):
        """The elderly pay cash at the counter, the young by WeChat or Alipay."""
        birth_year = int(partner.id_number[6:10]) if partner.id_number else 1975
        draw = self.rng.random()
        if birth_year < 1960:
            return self.cash if draw < 0.8 else self.epay
        if draw < 0.6:
            return self.epay if draw < 0.35 else self.alipay
        return self.bank if draw < 0.85 else self.cash

    def change_service(self, service, action, reason):
        service = service.with_env(self.env_of(self.users["manager"]))
        if action == "suspend":
            service.action_suspend(reason=reason)
        else:
            getattr(service, f"action_{action}")()

    def dispute(self, partner, month, note):
        invoice = self.invoice_of(partner, month).with_env(
            self.env_of(self.users["accountant"])
        )
        invoice.action_dispute()
        invoice.dispute_note = note
        partner.arrears_reason_id = self.ref("arrears_reason_disputed")

    def credit(self, partner, month, date, note):
        """The dispute is upheld: half a month of cable TV is credited."""
        accountant = self.users["accountant"]
        invoice = self.invoice_of(partner, month).with_env(self.env_of(accountant))
        tv_line = invoice.invoice_line_ids.filtered(
            lambda line: line.product_id == self.ref("fee_item_cable_tv_demo")
        )[:1]
        refund = (
            self.env["account.move"]
            .with_env(self.env_of(accountant))
            .create(
                {
                    "move_type": "out_refund",
                    "partner_id": partner.id,
                    "invoice_date": date,
                    "reversed_entry_id": invoice.id,
                    "ref": note,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": tv_line.product_id.id,
                                "name": note,
                                "quantity": 1,
                                "price_unit": float_round(tv_line.price_unit / 2, 2),
                            }
                        )
                    ],
                }
            )
        )
        refund.action_post()
        receivable = refund.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        # Odoo settles a credit note with the invoice it reverses by itself.
        if not receivable.reconciled:
            invoice.js_assign_outstanding_line(receivable.id)
        invoice.action_resolve_dispute()

    def write_off_bad_debt(self):
        """A subscriber who moved away without paying (坏账): the accountant asks to write
        off the oldest arrears, the manager approves, and the debt leaves the ledger's
        arrears for the bad-debt account."""
        subscribers = self.env["res.partner"].search([("is_subscriber", "=", True)])
        debtor = max(subscribers, key=lambda partner: partner.fee_overdue_days)
        write_off = (
            self.env["fee.write.off"]
            .with_env(self.env_of(self.users["accountant"]))
            .create(
                {
                    "partner_id": debtor.id,
                    "reason": "用户已搬离，多次上门联系不上，欠费无法收回。",
                    "arrears_reason_id": self.ref("arrears_reason_unable").id,
                }
            )
        )
        write_off.action_submit()
        write_off.with_env(self.env_of(self.users["manager"])).action_approve()
        return write_off
