from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import FeeAgentCommon


@tagged("post_install", "-at_install")
class TestAgent(FeeAgentCommon):
    """Agent outlets (代办网点) collect through the receipt, in the agent clearing
    journal; settlements empty the clearing account against what the outlet remits and
    its commission; credit control stops an outlet holding too much."""

    def test_the_company_has_an_agent_journal_on_its_clearing_account(self):
        self.assertEqual(self.journal.type, "cash")
        self.assertEqual(
            self.journal.inbound_payment_method_line_ids.payment_account_id,
            self.clearing,
        )
        self.assertTrue(self.env.company.fee_agent_commission_account_id)

    def test_staff_collect_in_the_clearing_journal_oldest_first(self):
        january = self._invoice(100.0, date="2024-01-01")
        february = self._invoice(50.0, date="2024-02-01")
        receipt = self._collect(120.0)
        self.assertEqual(receipt.env.user, self.staff)
        receipt = receipt.sudo()
        self._assert_kiosk_receipt(receipt, 120.0)
        self.assertEqual(january.payment_state, "paid")
        self.assertEqual(february.amount_residual, 30.0)
        self.assertEqual(self._clearing_balance(), 120.0)
        self.assertEqual(self._unremitted(self.agent), 120.0)
        self.assertEqual(self._unremitted(self.agent_2), 0.0)

    def test_staff_collect_for_their_own_outlet_in_its_journal_only(self):
        self._invoice(100.0)
        with self.assertRaises(AccessError):
            self._collect(10.0, agent=self.agent_2)
        with self.assertRaisesRegex(UserError, "booked in"):
            self.subscriber.with_user(self.staff)._fee_collect(
                10.0, self.bank, channel="agent", agent=self.agent.with_user(self.staff)
            )
        # Staff have no counter of their own, nor the subscriber's file.
        with self.assertRaises(AccessError):
            self.subscriber.with_user(self.staff)._fee_collect(10.0, self.journal)
        with self.assertRaises(AccessError):
            self.subscriber.with_user(self.staff).read(["name"])
        with self.assertRaisesRegex(UserError, "Name the agent"):
            self.subscriber.with_user(self.user_cashier)._fee_collect(
                10.0, self.journal, channel="agent"
            )
        # A cashier registers a collection an outlet brings in.
        receipt = self.subscriber.with_user(self.user_cashier)._fee_collect(
            10.0, self.journal, channel="agent", agent=self.agent
        )
        self.assertEqual(receipt.agent_id, self.agent)
        self.assertFalse(receipt.cash_session_id)

    def test_staff_read_their_own_outlets_collections_only(self):
        self._invoice(100.0)
        mine = self._collect(10.0)
        theirs = self._collect(20.0, staff=self.staff_2)
        Receipt = self.env["fee.receipt"]
        self.assertEqual(Receipt.with_user(self.staff).search([]), mine)
        self.assertEqual(Receipt.with_user(self.staff_2).search([]), theirs)
        with self.assertRaises(AccessError):
            theirs.with_user(self.staff).read(["amount"])
        settlements = self._settle(self.agent | self.agent_2)
        Settlement = self.env["fee.agent.settlement"]
        self.assertEqual(
            Settlement.with_user(self.staff).search([]),
            settlements.filtered(lambda s: s.agent_id == self.agent),
        )
        with self.assertRaises(AccessError):
            settlements.filtered(lambda s: s.agent_id == self.agent_2).with_user(
                self.staff
            ).read(["amount_to_remit"])

    def test_terms_are_the_managers_and_the_status_the_workflows(self):
        for user in (self.user_cashier, self.user_accountant):
            for vals in (
                {"agent_commission_rate": 0.0},
                {"agent_credit_limit": 1e6},
                {"is_fee_agent": False},
            ):
                with self.subTest(user=user.login, vals=vals):
                    with self.assertRaises(AccessError):
                        self.agent.with_user(user).write(vals)
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(self.user_cashier).create(
                {"name": "My Own Outlet", "is_fee_agent": True}
            )
        self.agent.with_user(self.user_manager).agent_credit_limit = 500.0
        self.agent.with_user(self.user_manager).action_agent_block()
        for vals in ({"agent_state": "active"}, {"agent_blocked_by_credit": True}):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                self.agent.with_user(self.user_manager).write(vals)
        self.assertEqual(self.agent.agent_state, "blocked")

    def test_an_outlet_collects_in_its_own_company_only(self):
        self._invoice(100.0)
        other = self.setup_other_company(name="Gulou Cable")["company"]
        self.assertTrue(other.fee_agent_journal_id)
        outlet = self._create_agent("Gulou Kiosk", company_id=other.id)
        with self.assertRaisesRegex(UserError, "not an agent outlet of"):
            self.subscriber.with_user(self.user_cashier)._fee_collect(
                10.0, self.journal, channel="agent", agent=outlet
            )
        # Nor in the other company's agent journal for a subscriber of this one.
        with self.assertRaises(UserError):
            self.subscriber.with_user(self.user_cashier)._fee_collect(
                10.0, other.fee_agent_journal_id, channel="agent", agent=self.agent
            )
        self.assertFalse(self.env["fee.receipt"].search([]))
        # Nor is it settled by another company's accountant.
        with self.assertRaises(AccessError):
            self.env["fee.agent.settlement"].with_user(
                self.user_accountant
            )._fee_generate(outlet.with_user(self.user_accountant), fields.Date.today())

    def test_bad_terms_are_refused(self):
        for vals in (
            {"agent_commission_rate": -1.0},
            {"agent_commission_rate": 100.5},
            {"agent_commission_fixed": -0.5},
            {"agent_credit_limit": -10.0},
        ):
            with self.subTest(vals=vals), self.assertRaises(ValidationError):
                self.agent.write(vals)
        with self.assertRaises(ValidationError):
            self.env["fee.agent.commission.tier"].create(
                {"agent_id": self.agent.id, "volume_from": 0.0, "rate": 101.0}
            )

    def test_a_full_cycle_empties_the_clearing_account(self):
        self._invoice(200.0)
        for _ in range(3):
            self._collect(33.33)
        settlement = self._settle()
        self.assertRecordValues(
            settlement,
            [
                {
                    "state": "posted",
                    "receipt_count": 3,
                    "amount_collected": 99.99,
                    # 2.5% of 99.99 is 2.49975.
                    "commission_amount": 2.5,
                    "amount_to_remit": 97.49,
                    "amount_due": 97.49,
                }
            ],
        )
        self.assertEqual(self._clearing_balance(), 0.0)
        self.assertEqual(settlement.move_id.state, "posted")
        self.assertIn(
            settlement.commission_bill_id.payment_state, ("paid", "in_payment")
        )
        self.assertEqual(settlement.commission_bill_id.amount_total, 2.5)
        self.assertEqual(self._unremitted(self.agent), 97.49)
        self.assertEqual(settlement.receipt_ids.settlement_id, settlement)

        with self.assertRaisesRegex(UserError, "more than"):
            settlement.with_user(self.user_accountant)._fee_register_remittance(
                97.5, self.bank
            )
        settlement.with_user(self.user_accountant)._fee_register_remittance(
            40.0, self.bank
        )
        self.assertEqual(settlement.state, "posted")
        self.assertEqual(settlement.amount_due, 57.49)
        settlement.with_user(self.user_accountant)._fee_register_remittance(
            57.49, self.bank
        )
        self.assertEqual(settlement.state, "paid")
        self.assertEqual(settlement.days_to_remit, 0)
        self.assertEqual(self._unremitted(self.agent), 0.0)
        self.assertTrue(settlement._get_receivable_lines().reconciled)

    def test_settling_again_settles_nothing_twice(self):
        self._invoice(100.0)
        self._collect(40.0)
        Settlement = self.env["fee.agent.settlement"].with_user(self.user_accountant)
        today = fields.Date.today()
        first = Settlement._fee_generate(self.agent, today)
        self.assertEqual(len(first), 1)
        self.assertFalse(Settlement._fee_generate(self.agent, today))
        # A later period finds nothing new to settle either.
        self.assertFalse(
            Settlement._fee_generate(self.agent, fields.Date.add(today, days=7))
        )
        self.assertEqual(first.amount_collected, 40.0)

    def test_a_void_after_settlement_is_taken_back_by_the_next(self):
        self._invoice(100.0)
        kept = self._collect(60.0)
        voided = self._collect(40.0)
        first = self._settle()
        self.assertEqual(first.amount_collected, 100.0)
        self._void(voided, "Paid twice")
        self.assertEqual(self._clearing_balance(), -40.0)
        second = self._settle(date_to=fields.Date.add(fields.Date.today(), days=1))
        self.assertRecordValues(
            second.line_ids,
            [{"receipt_id": voided.id, "line_type": "adjustment", "amount": -40.0}],
        )
        self.assertEqual(second.amount_collected, -40.0)
        self.assertEqual(second.commission_amount, -1.0)
        self.assertEqual(second.commission_bill_id.move_type, "in_refund")
        self.assertEqual(self._clearing_balance(), 0.0)
        self.assertEqual(kept.sudo().settlement_id, first)
        self.assertEqual(voided.sudo().adjustment_settlement_id, second)
        self.assertEqual(self._unremitted(self.agent), 97.5 - 39.0)

    def test_a_void_before_posting_leaves_the_settlement(self):
        self._invoice(100.0)
        self._collect(60.0)
        voided = self._collect(40.0)
        settlement = self._generate_settlements()
        self._void(voided, "Wrong subscriber")
        self.assertEqual(settlement.amount_collected, 60.0)
        self.assertEqual(settlement.commission_amount, 1.5)
        self.assertEqual(len(settlement.line_ids), 1)
        settlement.action_submit()
        settlement.with_user(self.user_manager).action_approve()
        self.assertEqual(self._clearing_balance(), 0.0)

    def test_staff_never_void(self):
        self._invoice(100.0)
        receipt = self._collect(30.0)
        with self.assertRaisesRegex(AccessError, "do not void"):
            receipt.action_void("Wrong amount")
        self.assertEqual(receipt.sudo().state, "posted")

    def test_a_settlement_whose_receipts_were_all_voided(self):
        self._invoice(100.0)
        receipt = self._collect(30.0)
        settlement = self._generate_settlements()
        settlement.action_submit()
        self._void(receipt, "Wrong subscriber")
        with self.assertRaisesRegex(UserError, "reject it"):
            settlement.with_user(self.user_manager).action_approve()
        settlement.with_user(self.user_manager).action_reject("All voided")
        self.assertFalse(self._generate_settlements())

    def test_voids_cancelling_the_collections_leave_nothing_to_remit(self):
        self._invoice(100.0)
        self._collect(30.0)
        voided = self._collect(20.0)
        self._settle()
        self._void(voided, "Paid twice")
        self._collect(20.0)
        # The new 20.00 and the void's -20.00: nothing to book, nothing to remit.
        settlement = self._settle(date_to=fields.Date.add(fields.Date.today(), days=1))
        self.assertRecordValues(
            settlement,
            [{"amount_collected": 0.0, "commission_amount": 0.0, "state": "paid"}],
        )
        self.assertFalse(settlement.move_id)
        self.assertEqual(self._clearing_balance(), 0.0)

    def test_commission_per_receipt_and_by_monthly_tiers(self):
        self._invoice(1000.0)
        self.agent.write(
            {"agent_commission_type": "fixed", "agent_commission_fixed": 1.5}
        )
        for amount in (10.0, 20.0, 30.0):
            self._collect(amount)
        fixed = self._settle()
        self.assertEqual(fixed.commission_amount, 4.5)
        self.assertEqual(fixed.amount_to_remit, 55.5)

        self.agent_2.write(
            {
                "agent_commission_type": "tiered",
                "agent_commission_tier_ids": [
                    fields.Command.create({"volume_from": 0.0, "rate": 1.0}),
                    fields.Command.create({"volume_from": 200.0, "rate": 2.0}),
                ],
            }
        )
        self._collect(150.0, staff=self.staff_2)
        low = self._settle(self.agent_2)
        self.assertEqual((low.commission_rate, low.commission_amount), (1.0, 1.5))
        self._collect(100.0, staff=self.staff_2)
        # 250 collected this month: the second tier, on this settlement's 100.
        high = self._settle(
            self.agent_2, date_to=fields.Date.add(fields.Date.today(), days=1)
        )
        self.assertEqual((high.commission_rate, high.commission_amount), (2.0, 2.0))

    def test_credit_control_blocks_at_the_limit_until_remitted(self):
        self._invoice(1000.0)
        self.agent.agent_credit_limit = 150.0
        self._collect(100.0)
        with self.assertRaisesRegex(UserError, "credit limit"):
            self._collect(60.0)
        self.assertEqual(self.agent.agent_state, "active")
        # A lower limit blocks the outlet at once.
        self.agent.agent_credit_limit = 80.0
        self.assertEqual(self.agent.agent_state, "blocked")
        self._unremitted(self.agent)
        self.assertTrue(self.agent.agent_over_limit)
        self.assertIn(
            self.agent,
            self.env["res.partner"].search([("agent_over_limit", "=", True)]),
        )
        with self.assertRaisesRegex(UserError, "blocked"):
            self._collect(1.0)
        settlement = self._settle()
        # 97.50 owed after the commission: still over.
        self.assertEqual(self.agent.agent_state, "blocked")
        settlement.with_user(self.user_accountant)._fee_register_remittance(
            settlement.amount_due, self.bank
        )
        self.assertEqual(self.agent.agent_state, "active")
        self._collect(1.0)

    def _set_limit_quietly(self, limit):
        """A new limit the outlet's form would act on at once: left to the job."""
        self.env.cr.execute(
            "UPDATE res_partner SET agent_credit_limit = %s WHERE id = %s",
            (limit, self.agent.id),
        )
        self.agent.invalidate_recordset()

    def test_the_daily_job_blocks_and_unblocks(self):
        self._invoice(1000.0)
        self._collect(100.0)
        self._set_limit_quietly(50.0)
        self.env["res.partner"]._cron_fee_agent_credit_control()
        self.assertEqual(self.agent.agent_state, "blocked")
        self._set_limit_quietly(500.0)
        self.env["res.partner"]._cron_fee_agent_credit_control()
        self.assertEqual(self.agent.agent_state, "active")
        # A manager's block is not lifted by the job.
        self.agent.with_user(self.user_manager).action_agent_block()
        self.env["res.partner"]._cron_fee_agent_credit_control()
        self.assertEqual(self.agent.agent_state, "blocked")

    def test_closing_needs_the_final_settlement_and_ends_staff_access(self):
        self._invoice(100.0)
        self._collect(30.0)
        with self.assertRaisesRegex(UserError, "not settled"):
            self.agent.with_user(self.user_manager).action_agent_close()
        with self.assertRaises(UserError):
            self.agent.with_user(self.user_accountant).action_agent_close()
        self._settle()
        self.agent.with_user(self.user_manager).action_agent_close()
        self.assertEqual(self.agent.agent_state, "closed")
        self.assertFalse(self.staff.active)
        with self.assertRaisesRegex(UserError, "closed"):
            self.subscriber.with_user(self.user_cashier)._fee_collect(
                10.0, self.journal, channel="agent", agent=self.agent
            )

    def test_the_settlement_is_approved_by_another_person(self):
        self._invoice(100.0)
        self._collect(30.0)
        settlement = (
            self.env["fee.agent.settlement"]
            .with_user(self.user_manager)
            ._fee_generate(self.agent, fields.Date.today())
        )
        settlement.action_submit()
        with self.assertRaisesRegex(UserError, "another manager"):
            settlement.action_approve()
        with self.assertRaises(AccessError):
            settlement.with_user(self.user_accountant).write({"commission_amount": 0})
        settlement.with_user(self.user_manager).action_reject("Wrong period")
        self.assertFalse(settlement.line_ids)
        again = self._settle()
        self.assertEqual(again.amount_collected, 30.0)
