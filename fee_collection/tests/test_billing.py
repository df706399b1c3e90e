from datetime import date
from unittest.mock import patch

from freezegun import freeze_time
from psycopg2 import IntegrityError
from psycopg2.errors import SerializationFailure

from odoo import Command, fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import FeeCollectionCommon

D = fields.Date.to_date


def billed_periods(subscription):
    lines = subscription.invoice_line_ids.sorted("period_start")
    return [(line.period_start, line.period_end) for line in lines]


@tagged("post_install", "-at_install")
class TestBilling(FeeCollectionCommon):
    @freeze_time("2024-04-30")
    def test_monthly_across_month_ends_and_leap_february(self):
        subscription = self._create_subscription(date_start="2024-01-31")
        run = self._run_billing("2024-04-30")
        self.assertEqual(
            billed_periods(subscription),
            [
                (D("2024-01-31"), D("2024-02-28")),
                (D("2024-02-29"), D("2024-03-30")),
                (D("2024-03-31"), D("2024-04-29")),
                (D("2024-04-30"), D("2024-05-30")),
            ],
        )
        self.assertEqual(subscription.next_bill_date, D("2024-05-31"))
        self.assertEqual(run.invoice_count, 1, "catch-up periods go on one invoice")
        self.assertEqual(run.invoice_ids.amount_total, 100.0)

    @freeze_time("2024-06-01")
    def test_quarterly(self):
        subscription = self._create_subscription(
            date_start="2023-11-30", billing_period="quarter"
        )
        self._run_billing("2024-06-01")
        self.assertEqual(
            billed_periods(subscription),
            [
                (D("2023-11-30"), D("2024-02-28")),
                (D("2024-02-29"), D("2024-05-29")),
                (D("2024-05-30"), D("2024-08-29")),
            ],
        )
        self.assertEqual(subscription.next_bill_date, D("2024-08-30"))

    @freeze_time("2025-03-01")
    def test_yearly_from_leap_day(self):
        subscription = self._create_subscription(
            date_start="2024-02-29", billing_period="year"
        )
        self._run_billing("2025-03-01")
        self.assertEqual(
            billed_periods(subscription),
            [
                (D("2024-02-29"), D("2025-02-27")),
                (D("2025-02-28"), D("2026-02-27")),
            ],
        )
        self.assertEqual(
            subscription._get_period_start(4),
            D("2028-02-29"),
            "anchored on the start date: back to 29 February in leap years",
        )

    @freeze_time("2024-03-01")
    def test_not_due_yet_is_not_billed(self):
        subscription = self._create_subscription(date_start="2024-03-02")
        run = self._run_billing("2024-03-01")
        self.assertFalse(run.invoice_ids)
        self.assertEqual(subscription.next_bill_date, D("2024-03-02"))

    @freeze_time("2024-03-01")
    def test_one_posted_invoice_per_subscriber_with_a_line_per_service(self):
        tv = self._create_subscription(number="TV-1", date_start="2024-03-01")
        broadband = self._create_subscription(
            product=self.product_broadband,
            number="BB-1",
            date_start="2024-02-01",
        )
        neighbour = self._create_subscriber("Li Qiang", sequence="002")
        other = self._create_subscription(
            partner=neighbour, number="TV-2", date_start="2024-03-01"
        )
        run = self._run_billing("2024-03-01")
        self.assertEqual(run.state, "done")
        self.assertEqual(len(run.invoice_ids), 2)
        invoice = tv.invoice_line_ids.move_id
        self.assertEqual(invoice, broadband.invoice_line_ids.move_id)
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.move_type, "out_invoice")
        self.assertEqual(invoice.invoice_date, D("2024-03-01"))
        self.assertEqual(invoice.invoice_origin, run.name)
        self.assertEqual(invoice.amount_total, 25.0 + 2 * 80.0)
        self.assertEqual(len(invoice.invoice_line_ids), 3)
        self.assertIn("TV-1", tv.invoice_line_ids.name)
        self.assertIn("03/01/2024", tv.invoice_line_ids.name)
        self.assertEqual(other.invoice_line_ids.move_id.partner_id, neighbour)
        self.assertEqual(run.amount_total, 210.0)
        self.assertEqual(tv.invoice_count, 1)

    @freeze_time("2024-03-01")
    def test_taxes_apply_to_fee_items(self):
        taxed = self._create_product(
            name="Taxed Fee",
            lst_price=100.0,
            type="service",
            is_fee_item=True,
            taxes_id=[Command.set(self.tax_sale_a.ids)],
        )
        self._create_subscription(product=taxed, date_start="2024-03-01")
        run = self._run_billing("2024-03-01")
        self.assertEqual(run.invoice_ids.amount_untaxed, 100.0)
        self.assertEqual(run.invoice_ids.amount_tax, 15.0)

    @freeze_time("2024-03-01")
    def test_discounted_price_is_billed(self):
        pricelist = self.env["product.pricelist"].create(
            {
                "name": "Half price",
                "currency_id": self.env.company.currency_id.id,
                "item_ids": [
                    Command.create(
                        {"compute_price": "percentage", "percent_price": 50.0}
                    )
                ],
            }
        )
        self.subscriber.property_product_pricelist = pricelist
        self._create_subscription(date_start="2024-03-01")
        self.assertEqual(self._run_billing("2024-03-01").amount_total, 12.5)

    @freeze_time("2024-03-01")
    def test_pricelist_in_other_currency_is_reported(self):
        other_currency = self.setup_other_currency("EUR")
        pricelist = self.env["product.pricelist"].create(
            {
                "name": "Euro",
                "currency_id": other_currency.id,
            }
        )
        self.subscriber.property_product_pricelist = pricelist
        self._create_subscription(date_start="2024-03-01")
        run = self._run_billing("2024-03-01")
        self.assertFalse(run.invoice_ids)
        self.assertIn("company currency", run.issue_ids.reason)

    @freeze_time("2024-05-01")
    def test_run_twice_bills_nothing_more(self):
        subscription = self._create_subscription(date_start="2024-03-01")
        first = self._run_billing("2024-05-01")
        second = self._run_billing("2024-05-01")
        self.assertEqual(len(first.invoice_ids.invoice_line_ids), 3)
        self.assertFalse(second.invoice_ids)
        self.assertEqual(len(subscription.invoice_line_ids), 3)
        first.action_run()
        self.assertEqual(
            len(subscription.invoice_line_ids), 3, "running the same run again"
        )

    @freeze_time("2024-05-01")
    def test_deleting_a_draft_invoice_frees_its_periods(self):
        subscription = self._create_subscription(date_start="2024-03-01")
        first = self._run_billing("2024-04-01")
        self._run_billing("2024-05-01")
        self.assertEqual(len(subscription.invoice_line_ids), 3)
        invoice = first.invoice_ids
        invoice.button_draft()
        invoice.unlink()
        self.assertEqual(subscription.next_bill_date, D("2024-03-01"))
        rerun = self._run_billing("2024-05-01")
        self.assertEqual(len(rerun.invoice_ids.invoice_line_ids), 2)
        self.assertEqual(
            billed_periods(subscription),
            [
                (D("2024-03-01"), D("2024-03-31")),
                (D("2024-04-01"), D("2024-04-30")),
                (D("2024-05-01"), D("2024-05-31")),
            ],
        )
        self.assertEqual(subscription.next_bill_date, D("2024-06-01"))

    @freeze_time("2024-05-01")
    def test_cancelling_an_invoice_in_the_sequence_frees_its_periods(self):
        """Odoo deletes only the last number of a journal: an invoice in the middle of the
        sequence is cancelled, and its periods are billed again by the next run."""
        subscription = self._create_subscription(date_start="2024-03-01")
        first = self._run_billing("2024-03-01").invoice_ids
        middle = self._run_billing("2024-04-01").invoice_ids
        self._run_billing("2024-05-01")
        middle.button_cancel()
        self.assertEqual(middle.state, "cancel")
        self.assertEqual(subscription.next_bill_date, D("2024-04-01"))
        rerun = self._run_billing("2024-05-01")
        self.assertEqual(
            rerun.invoice_ids.invoice_line_ids.mapped("period_start"),
            [D("2024-04-01")],
        )
        self.assertEqual(subscription.next_bill_date, D("2024-06-01"))
        posted = subscription.invoice_line_ids.filtered(
            lambda line: line.parent_state == "posted"
        )
        self.assertEqual(
            [
                (line.period_start, line.period_end)
                for line in posted.sorted("period_start")
            ],
            [
                (D("2024-03-01"), D("2024-03-31")),
                (D("2024-04-01"), D("2024-04-30")),
                (D("2024-05-01"), D("2024-05-31")),
            ],
        )
        with self.assertRaisesRegex(UserError, "has been billed again"):
            middle.button_draft()
        self.assertEqual(first.state, "posted")

    @freeze_time("2024-06-01")
    def test_long_catch_up_waits_for_an_accountant(self):
        """A start date typed decades back does not bill decades on one invoice: the run
        reports it, and an accountant confirms the catch-up (or corrects the date)."""
        typo = self._create_subscription(number="TYPO", date_start="1900-01-01")
        year = self._create_subscription(number="YEAR", date_start="2023-06-01")
        run = self._run_billing("2024-06-01")
        self.assertEqual(len(year.invoice_line_ids), 13, "a year back is billed")
        self.assertFalse(typo.invoice_line_ids)
        self.assertEqual(run.issue_ids.subscription_id, typo)
        self.assertEqual(run.issue_ids.issue_type, "catch_up")
        self.assertIn("1494 periods are due since", run.issue_ids.reason)
        issue = run.issue_ids.with_user(self.user_accountant)
        issue.action_confirm_catch_up()
        self.assertFalse(run.issue_ids)
        self.assertTrue(typo.catch_up_confirmed)
        run.action_run()
        self.assertEqual(len(typo.invoice_line_ids), 1494)
        self.assertFalse(typo.catch_up_confirmed, "confirmed once, for that catch-up")
        with self.assertRaisesRegex(ValidationError, "more than a year from today"):
            self._create_subscription(number="FAR", date_start="2025-07-01")

    @mute_logger("odoo.sql_db")
    @freeze_time("2024-03-01")
    def test_database_refuses_a_period_billed_twice(self):
        subscription = self._create_subscription(date_start="2024-03-01")
        run = self._run_billing("2024-03-01")
        line = subscription.invoice_line_ids
        with self.assertRaises(IntegrityError):
            self.env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.subscriber.id,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": self.product_tv.id,
                                "price_unit": 25.0,
                                "subscription_id": subscription.id,
                                "period_start": line.period_start,
                                "period_end": line.period_end,
                            }
                        )
                    ],
                }
            )
            self.env.flush_all()
        self.assertEqual(run.invoice_count, 1)

    @freeze_time("2024-03-01")
    def test_only_active_services_and_suspended_when_item_says_so(self):
        rental = self._create_fee_item(
            "Line Rental", 10.0, fee_bill_when_suspended=True
        )
        active = self._create_subscription(number="A", date_start="2024-03-01")
        suspended = self._create_subscription(number="S", date_start="2024-03-01")
        suspended.action_suspend(reason="arrears")
        suspended_rental = self._create_subscription(
            product=rental,
            number="R",
            date_start="2024-03-01",
        )
        suspended_rental.action_suspend(reason="arrears")
        disconnected = self._create_subscription(number="D", date_start="2024-03-01")
        disconnected.action_disconnect()
        draft = self._create_subscription(
            number="X", date_start="2024-03-01", activate=False
        )
        self._run_billing("2024-03-01")
        self.assertTrue(active.invoice_line_ids)
        self.assertTrue(suspended_rental.invoice_line_ids)
        self.assertFalse(suspended.invoice_line_ids)
        self.assertFalse(disconnected.invoice_line_ids)
        self.assertFalse(draft.invoice_line_ids)

    def test_months_suspended_are_not_billed_after_reconnection(self):
        subscription = self._create_subscription(date_start="2024-01-01")
        with freeze_time("2024-01-01"):
            self._run_billing("2024-01-01")
        with freeze_time("2024-01-20"):
            subscription.action_suspend(reason="arrears", for_arrears=True)
        with freeze_time("2024-02-01"):
            self._run_billing("2024-02-01")
        with freeze_time("2024-03-10"):
            subscription.action_reconnect()
            self.assertEqual(subscription.next_bill_date, D("2024-03-01"))
            self._run_billing("2024-03-10")
        self.assertEqual(
            [start for start, _end in billed_periods(subscription)],
            [D("2024-01-01"), D("2024-03-01")],
            "February, suspended throughout, is not billed",
        )
        with freeze_time("2024-03-20"):
            subscription.action_disconnect()
        self.assertFalse(subscription.suspended_for_arrears)

    @freeze_time("2024-03-01")
    def test_item_without_income_account_is_reported_and_others_billed(self):
        categ = self.env["product.category"].create({"name": "No accounts"})
        categ.property_account_income_categ_id = False
        broken_item = self._create_fee_item(
            "Broken",
            10.0,
            categ_id=categ.id,
            property_account_income_id=False,
        )
        broken = self._create_subscription(
            product=broken_item, number="B", date_start="2024-03-01"
        )
        fine = self._create_subscription(number="F", date_start="2024-03-01")
        run = self._run_billing("2024-03-01")
        self.assertTrue(fine.invoice_line_ids)
        self.assertFalse(broken.invoice_line_ids)
        self.assertEqual(run.issue_ids.subscription_id, broken)
        self.assertIn("has no income account", run.issue_ids.reason)
        self.assertEqual(run.state, "done")
        self.assertEqual(
            broken.next_bill_date, D("2024-03-01"), "left to bill once fixed"
        )

    @freeze_time("2024-03-01")
    def test_subscriber_whose_invoice_fails_is_reported_and_others_billed(self):
        bad = self._create_subscriber("Bad Data", sequence="005")
        bad_service = self._create_subscription(
            partner=bad, number="BAD", date_start="2024-03-01"
        )
        good_service = self._create_subscription(number="GOOD", date_start="2024-03-01")
        post = type(self.env["account.move"])._post

        def post_refusing_bad_data(moves, soft=True):
            if bad in moves.partner_id:
                raise UserError("Refused by a test")  # pylint: disable=translation-required
            return post(moves, soft=soft)

        with patch.object(
            type(self.env["account.move"]), "_post", post_refusing_bad_data
        ):
            run = self._run_billing("2024-03-01")
        self.assertTrue(good_service.invoice_line_ids.move_id.state == "posted")
        self.assertFalse(bad_service.invoice_line_ids)
        self.assertEqual(run.issue_ids.subscription_id, bad_service)
        self.assertEqual(run.issue_ids.reason, "Refused by a test")

    @freeze_time("2024-03-01")
    def test_run_dates_far_away_or_locked_are_refused(self):
        for far in ("2022-12-31", "2025-06-01"):
            with (
                self.subTest(date=far),
                self.assertRaisesRegex(ValidationError, "more than a year"),
            ):
                self.env["fee.billing.run"].create({"date": far})
        self.env.company.fiscalyear_lock_date = "2024-01-31"
        with self.assertRaisesRegex(ValidationError, "locked period"):
            self.env["fee.billing.run"].create({"date": "2024-01-15"})

    @freeze_time("2024-03-01")
    def test_run_numbering(self):
        first = self.env["fee.billing.run"].create({"date": "2024-03-01"})
        second = self.env["fee.billing.run"].create({"date": "2024-03-01"})
        self.assertTrue(first.name.startswith("BR/2024/"))
        self.assertNotEqual(first.name, second.name)

    @freeze_time("2024-03-01")
    def test_billed_service_cannot_be_deleted(self):
        subscription = self._create_subscription(date_start="2024-03-01")
        self._run_billing("2024-03-01")
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            subscription.unlink()
        draft = self._create_subscription(number="TV-2", activate=False)
        draft.unlink()
        self.assertFalse(draft.exists())

    @freeze_time("2024-03-01")
    def test_cron_bills_in_bounded_batches(self):
        subscribers = self.subscriber
        for sequence in ("011", "012"):
            subscribers |= self._create_subscriber(
                f"Subscriber {sequence}", sequence=sequence
            )
        services = self.env["fee.subscription"]
        for index, partner in enumerate(subscribers):
            services |= self._create_subscription(
                partner=partner,
                number=f"C{index}",
                date_start="2024-02-01",
            )
        with self._record_cron_progress() as progress:
            for _call in range(3):
                self.env["fee.billing.run"]._cron_bill_due_services(batch_size=2)
        self.assertEqual(
            progress,
            [(2, 1), (1, 0), (0, 0)],
            "services of 2 subscribers, then of the last one, then nothing",
        )
        runs = self.env["fee.billing.run"].search([("date", "=", "2024-03-01")])
        self.assertEqual(len(runs), 1, "one run per day, reused by every batch")
        self.assertEqual(runs.state, "done")
        self.assertEqual(len(runs.invoice_ids), 3)
        self.assertEqual(len(services.invoice_line_ids), 6)

    @freeze_time("2024-03-01")
    def test_large_run_is_queued_for_the_scheduler(self):
        other = self._create_subscriber("Subscriber 012", sequence="012")
        services = self._create_subscription(date_start="2024-03-01")
        services |= self._create_subscription(
            partner=other, number="TV-0002", date_start="2024-03-01"
        )
        run = self.env["fee.billing.run"].create({"date": "2024-03-01"})
        job = self.env.ref("fee_collection.ir_cron_fee_billing")
        with patch(
            "odoo.addons.fee_collection.models.fee_billing_run.SYNC_RUN_MAX_SERVICES", 1
        ):
            action = run.action_run()
        self.assertEqual(action["tag"], "display_notification")
        self.assertIn(run.name, action["params"]["message"])
        self.assertEqual(run.state, "running")
        self.assertFalse(run.invoice_ids, "nothing billed in the user's request")
        self.assertTrue(
            self.env["ir.cron.trigger"].search([("cron_id", "=", job.id)]),
            "the scheduler is called",
        )
        for _batch in range(2):
            self.env["fee.billing.run"]._cron_bill_due_services(batch_size=1)
        self.assertEqual(run.state, "done")
        self.assertEqual(run.invoice_ids.partner_id, self.subscriber | other)
        self.assertEqual(len(services.invoice_line_ids), 2)
        self.assertEqual(
            self.env["fee.billing.run"].search([("date", "=", "2024-03-01")]),
            run,
            "the queued run is today's run: no second one",
        )

    def _create_subscribers_with_services(self, count, date_start):
        subscribers = self.env["res.partner"]
        for index in range(count):
            sequence = f"{index + 21:03d}"
            subscriber = self._create_subscriber(f"Subscriber {sequence}", sequence)
            self._create_subscription(
                partner=subscriber, number=f"N{sequence}", date_start=date_start
            )
            subscribers |= subscriber
        return subscribers

    @freeze_time("2024-03-01")
    def test_batch_numbers_continue_the_journal_sequence(self):
        self._create_subscribers_with_services(3, "2024-03-01")
        manual = self._invoice(date="2024-03-01")
        self.assertEqual(manual.name, "INV/2024/00001")
        run = self._run_billing("2024-03-01")
        invoices = run.invoice_ids.sorted("id")
        self.assertEqual(
            invoices.mapped("name"),
            ["INV/2024/00002", "INV/2024/00003", "INV/2024/00004"],
        )
        self.assertEqual(invoices.mapped("sequence_prefix"), ["INV/2024/"] * 3)
        self.assertEqual(invoices.mapped("sequence_number"), [2, 3, 4])
        self.assertEqual(invoices.mapped("payment_reference"), invoices.mapped("name"))
        for invoice in invoices:
            self.assertEqual(set(invoice.line_ids.mapped("move_name")), {invoice.name})
        self.assertFalse(any(invoices.mapped("made_sequence_gap")))
        self.assertEqual(self._invoice(date="2024-03-01").name, "INV/2024/00005")

    @freeze_time("2024-01-02")
    def test_batch_starts_the_new_year_sequence(self):
        self._create_subscribers_with_services(2, "2024-01-01")
        self.assertEqual(self._invoice(date="2023-12-31").name, "INV/2023/00001")
        run = self._run_billing("2024-01-02")
        self.assertEqual(
            run.invoice_ids.sorted("id").mapped("name"),
            ["INV/2024/00001", "INV/2024/00002"],
        )

    @freeze_time("2024-03-01")
    def test_second_worker_bills_runs_in_progress_and_calls_the_first(self):
        self._create_subscribers_with_services(3, "2024-03-01")
        Run = self.env["fee.billing.run"]
        first_job = self.env.ref("fee_collection.ir_cron_fee_billing")
        second_job = self.env.ref("fee_collection.ir_cron_fee_billing_helper")
        Trigger = self.env["ir.cron.trigger"]
        Run._cron_help_bill_running_runs(batch_size=2)
        self.assertFalse(Run.search([]), "no run in progress: nothing to help with")
        self.assertFalse(Trigger.search([("cron_id", "=", first_job.id)]))

        run = Run.create({"date": "2024-03-01", "state": "running"})
        Run._cron_help_bill_running_runs(batch_size=2)
        self.assertEqual(len(run.invoice_ids), 2)
        self.assertEqual(run.state, "running", "only the first worker closes runs")
        self.assertTrue(Trigger.search([("cron_id", "=", first_job.id)]))

        Trigger.search([]).unlink()
        Run._cron_bill_due_services(batch_size=2)
        self.assertEqual(len(run.invoice_ids), 3)
        self.assertEqual(run.state, "done")
        self.assertFalse(
            Trigger.search([("cron_id", "=", second_job.id)]),
            "nothing left to help with",
        )

    @freeze_time("2024-03-01")
    def test_batch_colliding_with_the_other_worker_waits_for_the_next_round(self):
        self._create_subscribers_with_services(2, "2024-03-01")
        run = self.env["fee.billing.run"].create(
            {"date": "2024-03-01", "state": "running"}
        )
        bill_next_batch = type(run)._bill_next_batch

        def bill_then_collide(runs, batch_size):
            bill_next_batch(runs, batch_size)
            raise SerializationFailure("could not serialize access")

        with (
            self._record_cron_progress() as progress,
            patch.object(type(run), "_bill_next_batch", bill_then_collide),
        ):
            self.env["fee.billing.run"]._cron_help_bill_running_runs(batch_size=1)
        self.assertEqual(progress, [(0, 2)])
        self.assertFalse(run.invoice_ids, "the colliding batch is undone")
        self.env["fee.billing.run"]._cron_help_bill_running_runs(batch_size=1)
        self.assertEqual(len(run.invoice_ids), 1)

    @freeze_time("2024-03-01")
    def test_billed_invoice_names_its_run_and_is_followed_by_the_customer(self):
        self._create_subscription(date_start="2024-03-01")
        run = self._run_billing("2024-03-01")
        invoice = run.invoice_ids
        self.assertEqual(invoice.state, "posted")
        self.assertNotEqual(invoice.name, "/")
        self.assertIn(self.subscriber, invoice.message_partner_ids)
        self.assertEqual(
            invoice.message_ids.mapped("body"),
            [f"<p>Billed by run {run.name}.</p>"],
        )

    @freeze_time("2024-03-01")
    def test_companies_are_billed_apart(self):
        other_company = self.setup_other_company()["company"]
        foreign = self.env["res.partner"].create(
            {
                "name": "Other Company Subscriber",
                "is_subscriber": True,
                "company_id": other_company.id,
            }
        )
        foreign_item = self._create_fee_item("Water", 30.0, company_id=other_company.id)
        foreign_service = (
            self.env["fee.subscription"]
            .with_company(other_company)
            .create(
                {
                    "partner_id": foreign.id,
                    "product_id": foreign_item.id,
                    "service_number": "W-1",
                    "date_start": "2024-03-01",
                    "company_id": other_company.id,
                }
            )
        )
        foreign_service.action_activate()
        own_service = self._create_subscription(date_start="2024-03-01")
        run = self._run_billing("2024-03-01")
        self.assertTrue(own_service.invoice_line_ids)
        self.assertFalse(foreign_service.invoice_line_ids)
        other_run = (
            self.env["fee.billing.run"]
            .with_company(other_company)
            .create(
                {
                    "date": "2024-03-01",
                    "company_id": other_company.id,
                }
            )
        )
        other_run.action_run()
        self.assertEqual(
            foreign_service.invoice_line_ids.move_id.company_id, other_company
        )
        self.assertEqual(other_run.journal_id.company_id, other_company)
        self.assertEqual(run.invoice_ids.company_id, self.env.company)

    @freeze_time("2024-03-01")
    def test_next_bill_date_follows_start_until_billed(self):
        subscription = self._create_subscription(
            date_start="2024-02-01", activate=False
        )
        subscription.date_start = "2024-02-15"
        self.assertEqual(subscription.next_bill_date, D("2024-02-15"))
        subscription.action_activate()
        self._run_billing("2024-03-01")
        subscription.date_start = "2024-01-01"
        self.assertEqual(subscription.next_bill_date, D("2024-03-15"), "billed: kept")

    def test_period_helpers(self):
        subscription = self._create_subscription(
            date_start=date(2023, 8, 31), activate=False
        )
        self.assertEqual(subscription._get_period_index(date(2023, 8, 31)), 0)
        self.assertEqual(subscription._get_period_index(date(2023, 9, 30)), 1)
        self.assertEqual(subscription._get_period_index(date(2023, 10, 30)), 1)
        self.assertEqual(subscription._get_period_index(date(2023, 10, 31)), 2)
