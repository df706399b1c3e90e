from lxml import etree

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import Form, tagged
from odoo.tools.safe_eval import safe_eval

from .common import FeeAgentCommon

NEW_VIEWS = (
    "fee_collection.view_partner_form_agent",
    "fee_collection.res_partner_view_list_agent",
    "fee_collection.res_partner_view_search_agent",
    "fee_collection.fee_agent_settlement_view_list",
    "fee_collection.fee_agent_settlement_view_form",
    "fee_collection.fee_agent_settlement_view_search",
    "fee_collection.fee_agent_settlement_make_view_form",
    "fee_collection.fee_agent_remittance_view_form",
)


@tagged("post_install", "-at_install")
class TestAgentViews(FeeAgentCommon):
    """The accountants' and managers' screens of agent outlets: the outlet's terms on
    the partner form, the agents' lists, settling them, their settlements and
    remittances."""

    def _arch(self, model, view_type, user):
        """The view of ``model`` as ``user`` gets it, parsed."""
        views = self.env[model].with_user(user).get_views([(False, view_type)])
        return etree.fromstring(views["views"][view_type]["arch"])

    def test_every_new_view_loads_for_accountants(self):
        for xmlid in NEW_VIEWS:
            view = self.env.ref(xmlid)
            with self.subTest(view=xmlid):
                result = (
                    self.env[view.model]
                    .with_user(self.user_accountant)
                    .get_views([(view.id, view.type)])
                )
                self.assertTrue(result["views"][view.type]["arch"])

    def test_managers_set_the_terms_on_the_partner_form(self):
        with Form(self.agent.with_user(self.user_manager)) as form:
            form.agent_commission_type = "tiered"
            with form.agent_commission_tier_ids.new() as tier:
                tier.volume_from = 0.0
                tier.rate = 1.0
            with form.agent_commission_tier_ids.new() as tier:
                tier.volume_from = 5000.0
                tier.rate = 2.0
            form.agent_settlement_frequency = "weekly"
            form.agent_credit_limit = 800.0
        self.assertRecordValues(
            self.agent,
            [
                {
                    "agent_commission_type": "tiered",
                    "agent_settlement_frequency": "weekly",
                    "agent_credit_limit": 800.0,
                }
            ],
        )
        self.assertEqual(
            self.agent.agent_commission_tier_ids.mapped(
                lambda tier: (tier.volume_from, tier.rate)
            ),
            [(0.0, 1.0), (5000.0, 2.0)],
        )

    def test_accountants_see_the_terms_and_the_money_held(self):
        self._invoice(100.0)
        self._collect(60.0)
        self.agent.agent_commission_tier_ids = [
            fields.Command.create({"volume_from": 0.0, "rate": 1.0})
        ]
        form = Form(self.agent.with_user(self.user_accountant))
        self.assertEqual(form.agent_unremitted_amount, 60.0)
        self.assertEqual(form.agent_commission_rate, 2.5)
        self.assertEqual(form.agent_state, "active")
        self.assertEqual(form.agent_user_ids.ids, self.staff.ids)
        for name, value in (
            ("agent_commission_rate", 5.0),
            ("agent_credit_limit", 10.0),
            ("agent_commission_type", "fixed"),
        ):
            with self.subTest(field=name), self.assertRaises(AssertionError):
                form[name] = value
        with self.assertRaises(AssertionError):
            form.agent_commission_tier_ids.new()

    def test_the_outlet_page_is_for_agents_only(self):
        form = Form(self.subscriber.with_user(self.user_manager))
        self.assertTrue(form._get_modifier("agent_credit_limit", "invisible"))
        form.is_fee_agent = True
        self.assertFalse(form._get_modifier("agent_credit_limit", "invisible"))
        # The outlet's header: its status and a manager's buttons, for its state.
        arch = self._arch("res.partner", "form", self.user_manager)
        for button in ("action_agent_block", "action_agent_unblock"):
            self.assertTrue(arch.xpath(f"//header/button[@name='{button}']"))
        arch = self._arch("res.partner", "form", self.user_accountant)
        self.assertFalse(arch.xpath("//header/button[@name='action_agent_block']"))
        self.assertTrue(arch.xpath("//header/field[@name='agent_state']"))

    def test_the_over_limit_menu_lists_the_outlets_over_their_limit(self):
        self._invoice(100.0)
        self._collect(60.0)
        self._collect(20.0, staff=self.staff_2)
        self.agent.agent_credit_limit = 50.0
        self.assertEqual(self.agent.agent_state, "blocked")
        action = self.env.ref("fee_collection.res_partner_action_agent_over_limit")
        context = safe_eval(action.context)
        self.assertEqual(context["search_default_filter_over_limit"], 1)
        search = self.env.ref("fee_collection.res_partner_view_search_agent")
        [node] = etree.fromstring(search.arch).xpath(
            "//filter[@name='filter_over_limit']"
        )
        domain = safe_eval(action.domain) + safe_eval(node.get("domain"))
        Partner = self.env["res.partner"].with_user(self.user_accountant)
        self.assertEqual(Partner.search(domain), self.agent)
        self.assertEqual(
            Partner.search(safe_eval(action.domain)), self.agent | self.agent_2
        )

    def test_settling_from_the_wizard_settles_once(self):
        closed = self._create_agent("Closed Kiosk")
        closed.sudo().agent_state = "closed"
        Make = self.env["fee.agent.settlement.make"].with_user(self.user_accountant)
        form = Form(Make)
        today = fields.Date.context_today(Make)
        self.assertEqual(form.date_to, fields.Date.add(today, days=-1))
        self.assertIn(self.agent, form.agent_ids)
        self.assertIn(self.agent_2, form.agent_ids)
        self.assertNotIn(closed, form.agent_ids)
        chosen = Form(
            Make.with_context(active_model="res.partner", active_ids=self.agent_2.ids)
        )
        self.assertEqual(chosen.agent_ids.ids, self.agent_2.ids)

        self._invoice(100.0)
        self._collect(60.0)
        self._collect(30.0, staff=self.staff_2)
        # Taken today: nothing to settle up to yesterday.
        with self.assertRaisesRegex(UserError, "Nothing to settle"):
            form.save().action_confirm()
        form.date_to = today
        action = form.save().action_confirm()
        settlements = self.env["fee.agent.settlement"].search(action["domain"])
        self.assertEqual(settlements.agent_id, self.agent | self.agent_2)
        self.assertEqual(sum(settlements.mapped("amount_collected")), 90.0)
        with self.assertRaisesRegex(UserError, "Nothing to settle"):
            Form(Make).save().action_confirm()
        again = Form(Make)
        again.date_to = today
        with self.assertRaisesRegex(UserError, "Nothing to settle"):
            again.save().action_confirm()
        self.assertEqual(
            self.env["fee.agent.settlement"].search_count([]), len(settlements)
        )

    def _posted_settlement(self, amount=100.0):
        """The kiosk's settlement of ``amount`` collected, submitted and approved."""
        self._invoice(amount)
        self._collect(amount)
        return self._settle().with_user(self.user_accountant)

    def _remittance_form(self, settlement):
        """The remittance wizard as the settlement's button opens it."""
        action = self.env.ref("fee_collection.fee_agent_remittance_action")
        arch = self._arch("fee.agent.settlement", "form", self.user_accountant)
        [button] = arch.xpath(f"//header/button[@name='{action.id}']")
        context = safe_eval(button.get("context"), {"id": settlement.id})
        return Form(
            self.env[action.res_model]
            .with_user(self.user_accountant)
            .with_context(**context)
        )

    def test_the_remittance_defaults_to_what_is_due_and_refuses_more(self):
        settlement = self._posted_settlement()
        # 2.5% commission on 100.00.
        self.assertEqual(settlement.amount_due, 97.5)
        form = self._remittance_form(settlement)
        self.assertEqual(form.amount, 97.5)
        self.assertEqual(form.journal_id.type, "bank")
        self.assertNotEqual(form.journal_id, self.journal)
        form.amount = 97.51
        with self.assertRaisesRegex(UserError, "more than"):
            form.save().action_confirm()
        form.amount = 40.0
        form.journal_id = self.bank
        form.save().action_confirm()
        self.assertEqual(settlement.state, "posted")
        self.assertEqual(settlement.amount_due, 57.5)
        self.assertEqual(settlement.remittance_ids.journal_id, self.bank)
        form = self._remittance_form(settlement)
        self.assertEqual(form.amount, 57.5)
        form.save().action_confirm()
        self.assertEqual(settlement.state, "paid")
        self.assertEqual(settlement.amount_due, 0.0)

    def test_the_settlement_form_buttons_by_role(self):
        accountant = self._arch("fee.agent.settlement", "form", self.user_accountant)
        manager = self._arch("fee.agent.settlement", "form", self.user_manager)
        remit = str(self.env.ref("fee_collection.fee_agent_remittance_action").id)
        for name, for_accountant in (
            ("action_submit", True),
            (remit, True),
            ("action_approve", False),
            ("action_open_reject", False),
        ):
            with self.subTest(button=name):
                xpath = f"//header/button[@name='{name}']"
                self.assertEqual(bool(accountant.xpath(xpath)), for_accountant)
                self.assertTrue(manager.xpath(xpath))

        self._invoice(100.0)
        self._collect(60.0)
        self._collect(30.0, staff=self.staff_2)
        settlements = self._generate_settlements(self.agent | self.agent_2)
        kiosk = settlements.filtered(lambda s: s.agent_id == self.agent)
        post_office = settlements - kiosk
        form = Form(kiosk)
        self.assertEqual(form.state, "draft")
        self.assertEqual(len(form.line_ids), 1)
        settlements.action_submit()
        self.assertEqual(set(settlements.mapped("state")), {"submitted"})

        kiosk.with_user(self.user_manager).action_approve()
        self.assertEqual(kiosk.state, "posted")
        action = post_office.with_user(self.user_manager).action_open_reject()
        reject = Form(
            self.env[action["res_model"]]
            .with_user(self.user_manager)
            .with_context(**action["context"])
        )
        reject.reason = "Wrong period"
        reject.save().action_confirm()
        self.assertRecordValues(
            post_office, [{"state": "rejected", "rejection_reason": "Wrong period"}]
        )
        form = Form(kiosk.with_user(self.user_accountant))
        self.assertEqual(form.move_id, kiosk.move_id)
        self.assertEqual(form.amount_due, 58.5)

    def test_a_cashier_registers_what_an_outlet_collected_at_the_counter(self):
        self._invoice(100.0)
        counter = Form(self.env["fee.counter.payment"].with_user(self.user_cashier))
        counter.search_text = self.subscriber.id_number
        self.assertEqual(counter.partner_id, self.subscriber)
        self.assertNotIn(self.journal.id, counter.journal_ids.ids)
        counter.agent_id = self.agent
        self.assertEqual(counter.journal_ids.ids, self.journal.ids)
        self.assertEqual(counter.journal_id, self.journal)
        counter.amount = 70.0
        # No cash session: the money is the outlet's, not the cashier's.
        wizard = counter.save()
        self.assertFalse(wizard.session_id)
        wizard.action_pay()
        self._assert_kiosk_receipt(
            wizard.receipt_id.sudo(),
            70.0,
            user=self.user_cashier,
            cash_session_id=False,
        )
        self.agent.invalidate_recordset(["agent_unremitted_amount"])
        self.assertEqual(self.agent.agent_unremitted_amount, 70.0)

    def test_managers_set_the_agent_accounts_in_the_settings(self):
        company = self.env.company
        other_clearing = company.fee_agent_clearing_account_id.copy()
        with Form(self.env["fee.settings"].with_user(self.user_manager)) as form:
            self.assertEqual(form.fee_agent_journal_id, self.journal)
            self.assertEqual(
                form.fee_agent_commission_account_id,
                company.fee_agent_commission_account_id,
            )
            form.fee_agent_clearing_account_id = other_clearing
        form.record.execute()
        self.assertEqual(company.fee_agent_clearing_account_id, other_clearing)
        self.assertEqual(company.fee_agent_journal_id, self.journal)
