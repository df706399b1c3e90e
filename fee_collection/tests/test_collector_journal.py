from odoo.tests import tagged

from .common import FeeCollectionCommon


@tagged("post_install", "-at_install")
class TestCollectorJournal(FeeCollectionCommon):
    """Each collector takes cash in the field into a journal of their own, whose code is
    free in the company whatever their user id."""

    def _collect_on_the_spot(self, partner, collector):
        self._invoice(amount=100.0, partner=partner)
        order = self.env["fee.collection.order"].create(
            {
                "partner_id": partner.id,
                "collector_id": collector.id,
                "amount_due": 100.0,
            }
        )
        action = (
            self.env["fee.collection.outcome"]
            .with_user(collector)
            .with_context(default_order_id=order.id)
            .create({"outcome": "paid"})
            .action_confirm()
        )
        return self.env["fee.receipt"].browse(action["res_id"])

    def test_collectors_whose_ids_gave_one_code_each_get_a_journal(self):
        # Codes were "FC" and the user id cut to five characters: users 100 and 1000 both
        # got FC100, and the second could record no outcome. Journals already hold the
        # codes that scheme gives both collectors, and the new series' first one
        # (archived: its code stays taken).
        taken = self.env["account.journal"].create(
            [
                {"name": f"Taken {code}", "code": code, "type": "general"}
                for code in {
                    f"FC{self.user_collector.id}"[:5],
                    f"FC{self.user_collector_2.id}"[:5],
                    "FC0",
                }
            ]
        )
        taken.filtered(lambda journal: journal.code == "FC0").active = False
        neighbour = self._create_subscriber("Li Qiang", sequence="032")
        self.env["fee.collector.rule"]._reassign(neighbour, self.user_collector_2)
        receipts = self._collect_on_the_spot(
            self.subscriber, self.user_collector
        ) | self._collect_on_the_spot(neighbour, self.user_collector_2)
        self.assertEqual(
            receipts.mapped("journal_id.fee_collector_id"),
            self.user_collector | self.user_collector_2,
        )
        codes = receipts.mapped("journal_id.code")
        self.assertEqual(codes, ["FC1", "FC2"], "the first codes free in the company")
        self.assertEqual(receipts.invoice_ids.mapped("payment_state"), ["paid"] * 2)

    def test_a_collectors_cash_is_never_the_counters(self):
        """A company whose first payment is taken in the field: the counter's cash is
        the chart's cash journal, not the collector's made a moment before."""
        company = self.setup_other_company()["company"]
        field_cash = company._fee_get_field_journals(self.user_collector).filtered(
            "fee_collector_id"
        )
        counter_cash = company._fee_get_payment_journals().filtered(
            lambda journal: journal.fee_payment_method == "cash"
        )
        self.assertEqual(len(counter_cash), 1)
        self.assertNotEqual(counter_cash, field_cash)
        self.assertFalse(counter_cash.fee_collector_id)
