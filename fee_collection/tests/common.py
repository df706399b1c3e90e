from contextlib import contextmanager
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command, fields

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.fee_collection.tools.gb11643 import check_character
from odoo.addons.mail.tests.common import mail_new_test_user


def make_id_number(region="350102", birth="19800101", sequence="123"):
    """A valid resident ID number for the given parts."""
    first17 = f"{region}{birth}{sequence}"
    return first17 + check_character(first17)


class FeeCollectionCommon(AccountTestInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        cls.branch = cls.env["fee.area"].create({"name": "North Branch", "code": "N"})
        cls.grid = cls.env["fee.area"].create(
            {"name": "Grid 1", "code": "N01", "parent_id": cls.branch.id}
        )
        cls.user_collector = cls._create_fee_user(
            "fee_collector", "group_fee_collector"
        )
        cls.user_collector_2 = cls._create_fee_user(
            "fee_collector_2", "group_fee_collector"
        )
        cls.user_cashier = cls._create_fee_user("fee_cashier", "group_fee_cashier")
        cls.user_accountant = cls._create_fee_user(
            "fee_accountant", "group_fee_accountant"
        )
        cls.user_manager = cls._create_fee_user("fee_manager", "group_fee_manager")
        cls.grid.collector_ids = cls.user_collector
        cls.product_tv = cls._create_fee_item("Cable TV", 25.0)
        cls.product_broadband = cls._create_fee_item("Broadband", 80.0)
        cls.subscriber = cls._create_subscriber("Zhang Wei", sequence="001")
        cls.company = company

    @classmethod
    def get_default_groups(cls):
        return super().get_default_groups() | cls.env.ref(
            "fee_collection.group_fee_manager"
        )

    @classmethod
    def _create_fee_user(cls, login, group):
        return mail_new_test_user(
            cls.env,
            login=login,
            name=login.replace("_", " ").title(),
            groups=f"fee_collection.{group}",
            company_id=cls.env.company.id,
            company_ids=[Command.set(cls.env.company.ids)],
        )

    @classmethod
    def _create_fee_item(cls, name, price, **vals):
        return cls._create_product(
            name=name,
            lst_price=price,
            type="service",
            is_fee_item=True,
            taxes_id=[Command.clear()],
            **vals,
        )

    @classmethod
    def _create_subscriber(cls, name, sequence="001", **vals):
        return cls.env["res.partner"].create(
            {
                "name": name,
                "is_subscriber": True,
                "id_number": make_id_number(sequence=sequence),
                "mobile": "13800000" + sequence,
                "street": "1 Wusi Road",
                "area_id": cls.grid.id,
                **vals,
            }
        )

    @classmethod
    def _create_subscription(
        cls, partner=None, product=None, number="TV-0001", activate=True, **vals
    ):
        subscription = cls.env["fee.subscription"].create(
            {
                "partner_id": (partner or cls.subscriber).id,
                "product_id": (product or cls.product_tv).id,
                "service_number": number,
                **vals,
            }
        )
        if activate:
            subscription.action_activate()
        return subscription

    @classmethod
    def _create_dunning_policy(cls, name, *levels):
        """Make the company's dunning policy ``name`` of ``levels``, each level's values,
        numbered in order."""
        policy = cls.env["fee.dunning.policy"].create(
            {
                "name": name,
                "level_ids": [
                    Command.create({"sequence": sequence, **level})
                    for sequence, level in enumerate(levels, start=1)
                ],
            }
        )
        cls.env.company.dunning_policy_id = policy
        return policy

    def _dun_on(self, date):
        """Run dunning on ``date``, as if it were that day; returns the run."""
        with freeze_time(date):
            run = self.env["fee.dunning.run"].create({"date": date})
            run.action_execute()
        return run

    def _suspend_for_arrears(self, date):
        """Suspend the subscriber's services for arrears: a policy whose one level
        suspends at 30 days overdue, run on ``date``."""
        self._create_dunning_policy(
            "Suspension (test)",
            {"name": "Suspend", "days_overdue": 30, "suspend_service": True},
        )
        self.env["fee.dunning.run"].create({"date": date}).action_execute()

    @classmethod
    def _sms_reminder_level(cls):
        """A level's values: a reminder by SMS one day overdue."""
        return {
            "name": "Reminder",
            "days_overdue": 1,
            "send_sms": True,
            "sms_template_id": cls.env.ref(
                "fee_collection.sms_template_dunning_reminder"
            ).id,
        }

    @classmethod
    def _setup_late_fees(cls):
        """Charge late fees of 0.1% a day after 5 days of grace, capped at a tenth of the
        debt; returns their product."""
        product = cls._create_product(
            name="Late Fee", type="service", taxes_id=[Command.clear()]
        )
        cls.env.company.write(
            {
                "late_fee_daily_rate": 0.001,
                "late_fee_grace_days": 5,
                "late_fee_cap_ratio": 0.1,
                "late_fee_product_id": product.id,
            }
        )
        return product

    @classmethod
    def _create_grid_2_subscriber(cls):
        """Li Qiang, in a second grid of the branch, worked by the second collector."""
        grid_2 = cls.env["fee.area"].create(
            {
                "name": "Grid 2",
                "code": "N02",
                "parent_id": cls.branch.id,
                "collector_ids": cls.user_collector_2.ids,
            }
        )
        return cls._create_subscriber("Li Qiang", sequence="032", area_id=grid_2.id)

    @classmethod
    def _payment_journal(cls, method):
        """The company's counter journals of payment ``method``."""
        return cls.env.company._fee_get_payment_journals().filtered(
            lambda journal: journal.fee_payment_method == method
        )

    def _invoice(self, amount=100.0, date="2024-01-01", due=None, partner=None):
        """A posted invoice of one untaxed line, due on ``due`` (its date by default)."""
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": (partner or self.subscriber).id,
                "invoice_date": date,
                "invoice_date_due": due or date,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": self.product_tv.id,
                            "price_unit": amount,
                            "tax_ids": [],
                        }
                    )
                ],
            }
        )
        invoice.action_post()
        return invoice

    def _register_payment(self, invoices, date=None, amount=None):
        """Pay ``invoices`` through the payment wizard, on ``date`` (today by default),
        in full unless an ``amount`` is given."""
        vals = {"payment_date": date or fields.Date.today()}
        if amount is not None:
            vals["amount"] = amount
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoices.ids
        ).create(vals)._create_payments()

    @contextmanager
    def _record_cron_progress(self):
        """Yield the list that collects each (done, remaining) reported to the scheduler."""
        progress = []
        IrCron = type(self.env["ir.cron"])
        notify = IrCron._notify_progress

        def record(crons, *, done, remaining, deactivate=False):
            progress.append((done, remaining))
            return notify(crons, done=done, remaining=remaining, deactivate=deactivate)

        with patch.object(IrCron, "_notify_progress", record):
            yield progress

    def _run_billing(self, date, **vals):
        run = self.env["fee.billing.run"].create({"date": date, **vals})
        run.action_run()
        return run


class FeeAgentCommon(FeeCollectionCommon):
    """Two agent outlets of the company, the kiosk (2.5%) and the post office (3%),
    each with a clerk of its counter; the agent journal and its clearing account, and
    a bank journal the outlets remit to."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.agent = cls._create_agent("Wusi Road Kiosk", rate=2.5)
        cls.agent_2 = cls._create_agent("Gulou Post Office", rate=3.0)
        cls.staff = cls._create_agent_staff("kiosk_clerk", cls.agent)
        cls.staff_2 = cls._create_agent_staff("post_clerk", cls.agent_2)
        cls.journal = cls.env.company.fee_agent_journal_id
        cls.clearing = cls.env.company.fee_agent_clearing_account_id
        cls.bank = cls._payment_journal("transfer")

    @classmethod
    def _create_agent(cls, name, rate=0.0, **vals):
        return cls.env["res.partner"].create(
            {
                "name": name,
                "is_company": True,
                "is_fee_agent": True,
                "agent_commission_rate": rate,
                "company_id": cls.env.company.id,
                **vals,
            }
        )

    @classmethod
    def _create_agent_staff(cls, login, agent):
        """A portal clerk of ``agent``'s counter."""
        user = mail_new_test_user(
            cls.env,
            login=login,
            groups="fee_collection.group_fee_agent",
            company_id=cls.env.company.id,
        )
        user.partner_id.parent_id = agent
        return user

    def _collect(self, amount, staff=None, agent=None, subscriber=None):
        """``amount`` taken by ``staff`` (the kiosk's clerk) in their own rights, for
        ``agent`` (their outlet): the receipt as they read it."""
        staff = staff or self.staff
        subscriber = (subscriber or self.subscriber).with_user(staff)
        return subscriber._fee_collect(
            amount,
            self.journal.with_user(staff),
            channel="agent",
            agent=(agent or staff.partner_id.commercial_partner_id).with_user(staff),
        )

    def _void(self, receipt, reason):
        receipt.sudo().with_user(self.user_manager).action_void(reason)

    def _generate_settlements(self, agents=None, date_to=None):
        """The drafts of ``agents`` (the kiosk) up to ``date_to`` (today), as the
        accountant makes them."""
        return (
            self.env["fee.agent.settlement"]
            .with_user(self.user_accountant)
            ._fee_generate(agents or self.agent, date_to or fields.Date.today())
        )

    def _settle(self, agents=None, date_to=None):
        """Settle, submitted by the accountant and approved by the manager."""
        settlements = self._generate_settlements(agents, date_to)
        settlements.action_submit()
        settlements.with_user(self.user_manager).action_approve()
        return settlements.sudo()

    def _unremitted(self, agent):
        """What the outlet holds, read from the books afresh."""
        agent.invalidate_recordset(["agent_unremitted_amount", "agent_over_limit"])
        return agent.agent_unremitted_amount

    def _clearing_balance(self):
        lines = self.env["account.move.line"].search(
            [("account_id", "=", self.clearing.id), ("parent_state", "=", "posted")]
        )
        return self.env.company.currency_id.round(sum(lines.mapped("balance")))

    def _assert_kiosk_receipt(self, receipt, amount, user=None, **values):
        """``receipt`` is the kiosk's collection of ``amount`` in the agent journal,
        taken by ``user`` (its clerk), with ``values``."""
        self.assertRecordValues(
            receipt,
            [
                {
                    "channel": "agent",
                    "agent_id": self.agent.id,
                    "journal_id": self.journal.id,
                    "user_id": (user or self.staff).id,
                    "amount": amount,
                    **values,
                }
            ],
        )
