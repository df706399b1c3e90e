from unittest.mock import patch

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from ..models import fee_receipt_collect_batch as collect_batch
from .common import FeeCollectionCommon

D = fields.Date.to_date


@tagged("post_install", "-at_install")
class TestCollectBatch(FeeCollectionCommon):
    """Many rows of money (a backfill, a bank's return file) posted in one pass, as the
    one-by-one path would post them, all or nothing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cash = cls._payment_journal("cash")
        cls.service = cls._create_subscription(
            number="TV-0001", date_start="2024-01-01"
        )
        cls.neighbour = cls._create_subscriber("Li Qiang", sequence="032")

    def setUp(self):
        super().setUp()
        self.enterContext(freeze_time("2024-03-10"))

    def _row(self, amount, partner=None, **values):
        return {
            "partner": partner or self.subscriber,
            "amount": amount,
            "journal": self.cash,
            **values,
        }

    def _collect_batch(self, rows, user=None, channel="import"):
        return (
            self.env["res.partner"]
            .with_user(user or self.user_cashier)
            ._fee_collect_batch(rows, channel=channel)
        )

    def test_rows_are_posted_as_one_by_one_oldest_first(self):
        january = self._invoice(amount=25.0, date="2024-01-01")
        february = self._invoice(amount=25.0, date="2024-02-01")
        neighbours = self._invoice(amount=40.0, partner=self.neighbour)
        receipts = self._collect_batch(
            [
                self._row(30.0, date=D("2024-03-08"), paper_number="p-1"),
                self._row(40.0, partner=self.neighbour, user=self.user_accountant),
                self._row(30.0, date=D("2024-03-09")),
            ]
        )
        self.assertEqual(len(receipts), 3)
        self.assertEqual(
            receipts.mapped("partner_id"), self.subscriber | self.neighbour
        )
        self.assertEqual(receipts.mapped("amount"), [30.0, 40.0, 30.0])
        self.assertEqual(receipts.mapped("channel"), ["import"] * 3)
        self.assertEqual(receipts[0].paper_number, "P-1")
        self.assertEqual(
            receipts.mapped("user_id"),
            self.user_cashier | self.user_accountant,
            "who took the money, the caller by default",
        )
        self.assertEqual(receipts[0].date, D("2024-03-08"))
        self.assertEqual(receipts[1].date, D("2024-03-10"), "today by default")
        # Numbered in the rows' order, without a gap, from the receipts' sequence.
        numbers = [int(name.rsplit("/", 1)[1]) for name in receipts.mapped("name")]
        self.assertEqual(numbers, list(range(numbers[0], numbers[0] + 3)))
        self.assertEqual(receipts.payment_id.mapped("memo"), receipts.mapped("name"))
        self.assertEqual(set(receipts.payment_id.move_id.mapped("state")), {"posted"})
        # The subscriber's two rows paid January, then February, then left credit.
        self.assertEqual(january.payment_state, "paid")
        self.assertEqual(february.payment_state, "paid")
        self.assertEqual(neighbours.payment_state, "paid")
        self.assertEqual(
            sum(receipts[0].line_ids.mapped("amount"))
            + sum(receipts[2].line_ids.mapped("amount")),
            50.0,
        )
        self.assertIn(january, receipts[0].line_ids.move_id)
        self.assertEqual(receipts[0].amount_credit + receipts[2].amount_credit, 10.0)
        self.assertEqual(receipts[2].balance_after, -10.0, "credit after the last")
        self.assertEqual(receipts[0].balance_after, 20.0, "before the later row paid")
        self.assertEqual(receipts[1].balance_after, 0.0)
        self.assertIn(receipts[0].name, january.message_ids[0].body)

    def test_rows_booked_in_chunks_are_posted_as_in_one(self):
        january = self._invoice(amount=25.0, date="2024-01-01")
        february = self._invoice(amount=25.0, date="2024-02-01")
        neighbours = self._invoice(amount=40.0, partner=self.neighbour)
        with patch.object(collect_batch, "BOOKING_CHUNK", 2):
            receipts = self._collect_batch(
                [
                    self._row(30.0),
                    self._row(40.0, partner=self.neighbour),
                    self._row(30.0),
                ]
            )
        numbers = [int(name.rsplit("/", 1)[1]) for name in receipts.mapped("name")]
        self.assertEqual(numbers, list(range(numbers[0], numbers[0] + 3)))
        self.assertEqual(receipts.payment_id.mapped("memo"), receipts.mapped("name"))
        self.assertEqual(receipts[0].line_ids.move_id, january | february)
        self.assertEqual(receipts[2].line_ids.move_id, february)
        self.assertEqual(receipts[2].amount_credit, 10.0)
        self.assertEqual(receipts[0].balance_after, 20.0, "before the later row paid")
        self.assertEqual(receipts[2].balance_after, -10.0, "credit after the last")
        self.assertEqual(
            (january | february | neighbours).mapped("payment_state"), ["paid"] * 3
        )
        self.assertIn(receipts[2].name, february.message_ids[0].body)

    def test_payment_entries_are_numbered_in_date_order_without_a_gap(self):
        def collect_one():
            return self.subscriber.with_user(self.user_cashier)._fee_collect(
                10.0, self.cash, channel="import"
            )

        before = collect_one()
        receipts = self._collect_batch(
            [
                self._row(10.0, date=D("2024-03-09")),
                self._row(10.0, partner=self.neighbour, date=D("2024-03-08")),
                self._row(10.0, date=D("2024-03-08")),
                self._row(10.0, partner=self.neighbour, date=D("2024-03-09")),
            ]
        )
        after = collect_one()
        entries = receipts.payment_id.move_id
        prefix, first = before.payment_id.move_id.name.rsplit("/", 1)
        self.assertEqual(
            [(move.date, move.name) for move in entries.sorted("name")],
            [
                (D("2024-03-08"), f"{prefix}/{int(first) + 1:0{len(first)}d}"),
                (D("2024-03-08"), f"{prefix}/{int(first) + 2:0{len(first)}d}"),
                (D("2024-03-09"), f"{prefix}/{int(first) + 3:0{len(first)}d}"),
                (D("2024-03-09"), f"{prefix}/{int(first) + 4:0{len(first)}d}"),
            ],
            "after the entries before, each date's entries after the date before",
        )
        self.assertEqual(
            after.payment_id.move_id.name, f"{prefix}/{int(first) + 5:0{len(first)}d}"
        )
        self.assertEqual(set(entries.mapped("sequence_prefix")), {f"{prefix}/"})
        self.assertEqual(
            sorted(entries.mapped("sequence_number")),
            list(range(int(first) + 1, int(first) + 5)),
        )
        for entry in entries:
            self.assertEqual(set(entry.line_ids.mapped("move_name")), {entry.name})
        self.assertFalse(any(entries.mapped("made_sequence_gap")))

    def test_a_bad_row_posts_nothing_and_is_named(self):
        self._invoice(amount=25.0, date="2024-01-01")
        outsider = self.env["res.partner"].create({"name": "Not a subscriber"})
        for row, message in (
            (self._row(0.0), "Row 2: The amount received must be positive"),
            (self._row(10.001), "Row 2: .* more decimals"),
            (self._row(10.0, partner=outsider), "Row 2: .* is not a subscriber"),
            (self._row(10.0, paper_number="P-1"), "Row 2: paper receipt P-1 is also"),
            (
                self._row(10.0, user=self.user_cashier.copy({"login": "gone"})),
                None,
            ),
        ):
            if message is None:
                row["user"].active = False
                message = "Row 2: .* cannot take payments"
            with (
                self.subTest(message=message),
                self.assertRaisesRegex(UserError, message),
            ):
                self._collect_batch([self._row(10.0, paper_number="P-1"), row])
            self.assertFalse(self.env["fee.receipt"].search([]))
            self.assertFalse(self.env["account.payment"].search([]))

    def test_a_paper_number_entered_before_posts_nothing(self):
        self._invoice(amount=25.0, date="2024-01-01")
        self._collect_batch([self._row(10.0, paper_number="P-7")])
        with self.assertRaisesRegex(
            UserError, "Row 2: Paper receipt P-7 has already been entered"
        ):
            self._collect_batch(
                [self._row(5.0, paper_number="P-8"), self._row(5.0, paper_number="p-7")]
            )
        self.assertEqual(self.env["fee.receipt"].search_count([]), 1)

    def test_rights_and_channels(self):
        with self.assertRaises(AccessError):
            self._collect_batch([self._row(10.0)], user=self.user_collector)
        with self.assertRaisesRegex(UserError, "are taken one by one"):
            self._collect_batch([self._row(10.0)], channel="counter")
        self.assertFalse(self._collect_batch([]))

    def test_dunning_judges_each_subscriber_once_and_reconnects(self):
        self._invoice(amount=25.0, date="2024-01-01")
        self._suspend_for_arrears("2024-03-10")
        self.assertEqual(self.service.state, "suspended")
        reaction = type(self.env["fee.dunning.reaction"])
        judged = []
        update = reaction._update_after_payment

        def record(model, partners, date=None):
            judged.append(partners)
            return update(model, partners, date)

        with patch.object(reaction, "_update_after_payment", record):
            self._collect_batch([self._row(10.0), self._row(15.0)])
        self.assertEqual(judged, [self.subscriber], "once for both rows")
        self.assertEqual(self.service.state, "active")
        self.assertFalse(self.subscriber.dunning_level_id)

    def test_queries_do_not_grow_row_by_row(self):
        """What one more row costs in the batch: a small constant, far below the
        one-by-one path's (over a hundred queries a row)."""
        partners = [
            self._create_subscriber(f"Batch {index}", sequence=f"{100 + index:03d}")
            for index in range(20)
        ]
        for partner in partners:
            self._invoice(amount=25.0, date="2024-01-01", partner=partner)
        self.env.invalidate_all()
        # Warm the caches of the first call (journals, sequences) out of the count.
        self._collect_batch([self._row(1.0, partner=partners[0])])

        def count(batch):
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            self._collect_batch([self._row(25.0, partner=p) for p in batch])
            return self.cr.sql_log_count - before

        ten = count(partners[:10])
        twenty = count(partners[10:])
        self.assertLess(
            (twenty - ten) / 10,
            30,
            f"{ten} queries for 10 rows, {twenty} for 20",
        )
