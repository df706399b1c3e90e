import base64
import csv
import io

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, HttpCase, tagged

from .common import FeeCollectionCommon

GENERIC_RETURN_HEADER = [
    "reference",
    "mandate",
    "amount",
    "status",
    "reason_code",
    "reason",
]


@tagged("post_install", "-at_install")
class TestBankCollection(FeeCollectionCommon):
    """Direct debit (银行代扣): mandates, the run's instruction file and the bank's return
    file, booked once and all or nothing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.journal = cls.company_data["default_journal_bank"]
        # A Chinese bank with its batch layout, and one reading the generic file.
        cls.bank = cls.env["res.bank"].create(
            {
                "name": "Bank of Yangzhou",
                "bic": "YZBKCNBJ",
                "fee_debit_layout": "cn_batch",
            }
        )
        cls.other_bank = cls.env["res.bank"].create(
            {"name": "Agricultural Bank", "fee_debit_layout": "generic"}
        )
        cls.neighbour = cls._create_subscriber("李强", sequence="032")
        cls.third = cls._create_subscriber("Wang Fang", sequence="045")
        cls.service = cls._create_subscription(
            number="TV-0001", date_start="2024-01-01"
        )
        cls.neighbour_service = cls._create_subscription(
            partner=cls.neighbour, number="TV-0032", date_start="2024-01-01"
        )
        cls.third_service = cls._create_subscription(
            partner=cls.third, number="TV-0045", date_start="2024-01-01"
        )
        cls.mandate = cls._create_mandate(cls.subscriber, "6222 0212 3456 7890 123")
        cls.neighbour_mandate = cls._create_mandate(
            cls.neighbour, "6228-4800-1234-5678-901", holder_name="李强"
        )
        cls.third_mandate = cls._create_mandate(cls.third, "6217000011112222333")
        cls.policy = cls._create_dunning_policy(
            "Retail (bank test)", {"name": "Reminder", "days_overdue": 1}
        )
        cls.reminder = cls.policy.level_ids

    @classmethod
    def _create_mandate(cls, partner, acc_number, bank=None, activate=True, **vals):
        mandate = (
            cls.env["fee.bank.mandate"]
            .with_user(cls.user_accountant)
            .create(
                {
                    "partner_id": partner.id,
                    "bank_id": (bank or cls.bank).id,
                    "acc_number": acc_number,
                    "holder_name": partner.name,
                    "signed_date": "2024-01-15",
                    **vals,
                }
            )
        )
        if activate:
            mandate.action_activate()
        return mandate.with_env(cls.env)

    def setUp(self):
        super().setUp()
        self.enterContext(freeze_time("2024-03-10"))
        self.january = self._invoice(amount=25.0, date="2024-01-01")
        self.february = self._invoice(amount=40.0, date="2024-02-01")
        self.neighbours = self._invoice(
            amount=80.0, date="2024-02-01", partner=self.neighbour
        )
        # Not due yet on the debit date: not debited.
        self._invoice(
            amount=30.0, date="2024-03-01", due="2024-03-20", partner=self.third
        )
        (self.subscriber | self.neighbour).sudo().dunning_level_id = self.reminder

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def _run(self, bank=None, prepare=True, export=True, **vals):
        run = (
            self.env["fee.bank.collection"]
            .with_user(self.user_accountant)
            .create(
                {
                    "bank_id": (bank or self.bank).id,
                    "journal_id": self.journal.id,
                    **vals,
                }
            )
        )
        if prepare:
            run.action_prepare()
        if export:
            run.action_export()
        return run

    def _line(self, run, partner):
        return run.line_ids.filtered(lambda line: line.partner_id == partner)

    def _file_rows(self, run, encoding):
        return list(
            csv.reader(io.StringIO(base64.b64decode(run.file).decode(encoding)))
        )

    def _cn_return(self, run, answers, total=None):
        """The Chinese layout's return file answering ``answers`` [(line, code, text)];
        its total row as the bank writes it, or ``total``."""
        rows = [["H", run.name, run.date.strftime("%Y%m%d")]]
        for number, (line, code, text) in enumerate(answers, start=1):
            rows.append(
                [
                    "D",
                    str(number),
                    line.reference,
                    line.mandate_id.name,
                    line.acc_number,
                    line.holder_name,
                    str(round(line.amount * 100)),
                    code,
                    text,
                ]
            )
        paid = [line for line, code, _text in answers if code == "0000"]
        rows.append(
            total
            or [
                "T",
                str(len(answers)),
                str(sum(round(line.amount * 100) for line, _c, _t in answers)),
                str(len(paid)),
                str(sum(round(line.amount * 100) for line in paid)),
            ]
        )
        return self._csv(rows, "gb18030")

    def _generic_return(self, rows):
        return self._csv([GENERIC_RETURN_HEADER, *rows], "utf-8")

    def _csv(self, rows, encoding):
        buffer = io.StringIO()
        csv.writer(buffer).writerows(rows)
        return buffer.getvalue().encode(encoding)

    def _import(self, run, data, file_name="return.csv", user=None):
        wizard = (
            self.env["fee.bank.return.import"]
            .with_user(user or self.user_accountant)
            .create(
                {
                    "collection_id": run.id,
                    "file": base64.b64encode(data),
                    "file_name": file_name,
                }
            )
        )
        return wizard.action_import()

    def _bank_receipts(self):
        return self.env["fee.receipt"].search([("channel", "=", "bank")])

    def _assert_nothing_posted(self, run, data, message):
        """Importing ``data`` into ``run`` is refused with ``message``, and books
        nothing."""
        with self.assertRaisesRegex(UserError, message):
            self._import(run, data)
        self.assertFalse(self._bank_receipts())
        self.assertEqual(set(run.line_ids.mapped("state")), {"pending"})
        self.assertEqual(run.state, "exported")
        self.assertFalse(run.return_attachment_ids)
        self.assertEqual(self.january.payment_state, "not_paid")

    # ------------------------------------------------------------------
    # Mandates
    # ------------------------------------------------------------------

    def test_account_number_checked_and_written_without_separators(self):
        self.assertEqual(self.mandate.acc_number, "6222021234567890123")
        self.assertEqual(self.mandate.state, "active")
        self.assertRegex(self.mandate.name, r"^DD/\d{4}/\d{5}$")
        Mandate = self.env["fee.bank.mandate"].with_user(self.user_accountant)
        for number in ("6222 0212 ABCD", "12345", "6222" * 8):
            with (
                self.subTest(number=number),
                self.assertRaisesRegex(ValidationError, "not a bank account number"),
            ):
                Mandate.create(
                    {
                        "partner_id": self.third.id,
                        "bank_id": self.bank.id,
                        "acc_number": number,
                        "holder_name": "Wang Fang",
                    }
                )

    def test_mandate_and_run_entered_in_their_forms(self):
        with Form(self.env["fee.bank.mandate"].with_user(self.user_accountant)) as form:
            form.partner_id = self.third
            self.assertEqual(form.holder_name, "Wang Fang", "the subscriber by default")
            form.subscription_id = self.third_service
            form.bank_id = self.other_bank
            form.acc_number = "6217 0000 1111 2222 334"
        mandate = form.record
        self.assertEqual(mandate.state, "draft")
        self.assertEqual(mandate.acc_number, "6217000011112222334")
        with Form(
            self.env["fee.bank.collection"].with_user(self.user_accountant)
        ) as form:
            form.bank_id = self.bank
            self.assertEqual(form.layout, "cn_batch", "the bank's layout")
            self.assertEqual(form.journal_id.type, "bank")
        self.assertEqual(form.record.state, "draft")
        # The subscriber's form shows the counter its mandates, not the collectors.
        action = self.env.ref("fee_collection.fee_bank_mandate_action_partner")
        for user, shown in ((self.user_cashier, True), (self.user_collector, False)):
            views = self.env["res.partner"].with_user(user).get_views([(False, "form")])
            arch = views["views"]["form"]["arch"]
            self.assertEqual(f'name="{action.id}"' in arch, shown, user.login)

    def test_one_mandate_in_force_per_subscriber_and_account(self):
        twin = self._create_mandate(
            self.subscriber, "6222021234567890123", activate=False
        )
        with self.assertRaises(ValidationError) as caught:
            twin.with_user(self.user_accountant).action_activate()
        self.assertIn("already has a mandate in force", str(caught.exception))
        self.assertEqual(twin.state, "draft")
        # Another account of the same subscriber is another mandate.
        other = self._create_mandate(self.subscriber, "6222029999999999999")
        self.assertEqual(other.state, "active")
        self.mandate.with_user(self.user_accountant).action_revoke()
        self.assertEqual(self.mandate.state, "revoked")
        self.assertEqual(str(self.mandate.date_end), "2024-03-10")
        twin.with_user(self.user_accountant).action_activate()
        self.assertEqual(twin.state, "active")
        # An action in the wrong state is refused, naming the mandate and its state, in
        # the user's language.
        with self.assertRaisesRegex(
            UserError, f"^Direct Debit Mandate {twin.name} is In Force\\.$"
        ):
            twin.with_user(self.user_accountant).action_activate()
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["fee_collection"], ["zh_CN"])
        with self.assertRaisesRegex(
            UserError, f"^银行代扣协议 {twin.name} 的状态为生效中"
        ):
            twin.with_user(self.user_accountant).with_context(
                lang="zh_CN"
            ).action_activate()

    def test_mandates_of_subscribers_and_their_services_only(self):
        company = self.env["res.partner"].create({"name": "A Supplier"})
        with self.assertRaisesRegex(ValidationError, "not a subscriber"):
            self._create_mandate(company, "6222021234567890000")
        with self.assertRaisesRegex(ValidationError, "not a service of"):
            self._create_mandate(
                self.third, "6222021234567890001", subscription_id=self.service.id
            )
        with self.assertRaisesRegex(ValidationError, "after today"):
            self._create_mandate(
                self.third, "6222021234567890002", signed_date="2024-04-01"
            )

    def test_closed_service_ends_its_mandate_and_is_not_debited(self):
        mandate = self._create_mandate(
            self.neighbour,
            "6228480012345678902",
            bank=self.other_bank,
            subscription_id=self.neighbour_service.id,
        )
        self.neighbour_service.with_user(self.user_accountant).action_disconnect()
        self.neighbour_service.with_user(self.user_accountant).action_close()
        self.assertEqual(mandate.state, "revoked")
        self.assertEqual(mandate.end_reason, "Service closed")
        self.assertEqual(self.neighbour_mandate.state, "active", "not signed for it")
        draft = self._create_mandate(
            self.neighbour,
            "6228480012345678903",
            bank=self.other_bank,
            activate=False,
            subscription_id=self.neighbour_service.id,
        )
        with self.assertRaisesRegex(ValidationError, "is closed"):
            draft.with_user(self.user_accountant).action_activate()
        # A service closed by a path that did not end the mandate: the run ends it.
        with_service = self._create_mandate(
            self.subscriber,
            "6222021234567890124",
            bank=self.other_bank,
            subscription_id=self.service.id,
        )
        self.service.sudo().write({"state": "closed"})
        run = self._run(bank=self.other_bank, export=False)
        self.assertEqual(with_service.state, "revoked")
        self.assertFalse(run.line_ids)

    def test_signed_mandate_and_workflow_fields_refused(self):
        for user in (self.user_accountant, self.user_manager):
            for vals in ({"state": "revoked"}, {"end_reason": "x"}, {"name": "DD/1"}):
                with (
                    self.subTest(user=user.login, vals=vals),
                    self.assertRaises(AccessError),
                ):
                    self.mandate.with_user(user).write(vals)
        with self.assertRaisesRegex(UserError, "cannot change"):
            self.mandate.with_user(self.user_accountant).write(
                {"acc_number": "6222021234567890999"}
            )
        with self.assertRaises(AccessError):
            self.env["fee.bank.mandate"].with_user(self.user_accountant).create(
                {
                    "partner_id": self.third.id,
                    "bank_id": self.bank.id,
                    "acc_number": "6222021234567890555",
                    "holder_name": "Wang Fang",
                    "state": "active",
                }
            )
        # The counter reads a subscriber's mandates (not the debit runs); collectors do
        # not see them.
        with Form(self.mandate.with_user(self.user_cashier)) as form:
            self.assertEqual(form.acc_number, "6222021234567890123")
        with self.assertRaises(AccessError):
            self.mandate.with_user(self.user_cashier).write({"holder_name": "Zhang"})
        with self.assertRaises(AccessError):
            self.mandate.with_user(self.user_collector).read(["acc_number"])
        with self.assertRaisesRegex(UserError, "archive it"):
            self.mandate.with_user(self.user_accountant).unlink()

    # ------------------------------------------------------------------
    # Preparing and exporting
    # ------------------------------------------------------------------

    def test_prepare_debits_what_is_due_on_the_debit_date(self):
        self.third_mandate.with_user(self.user_accountant).action_revoke()
        self._invoice(amount=15.0, date="2024-03-01", due="2024-03-10")
        run = self._run(export=False)
        self.assertRegex(run.name, r"^BC/\d{4}/\d{4}$")
        self.assertEqual(run.layout, "cn_batch")
        self.assertRecordValues(
            run.line_ids,
            [
                {
                    "partner_id": self.subscriber.id,
                    "mandate_id": self.mandate.id,
                    "amount": 80.0,  # January, February and what is due today
                    "acc_number": "6222021234567890123",
                    "state": "pending",
                },
                {
                    "partner_id": self.neighbour.id,
                    "mandate_id": self.neighbour_mandate.id,
                    "amount": 80.0,
                    "acc_number": "6228480012345678901",
                    "state": "pending",
                },
            ],
        )
        self.assertEqual(run.amount_total, 160.0)
        # Nothing due for the revoked mandate's subscriber, and another bank's run
        # finds no mandate at its bank.
        self.assertFalse(self._run(bank=self.other_bank, export=False).line_ids)

    def test_prepare_reads_the_amounts_due_at_once(self):
        """Preparing a run costs as many queries for six subscribers as for two."""

        dates = iter(("2024-03-10", "2024-03-11", "2024-03-12"))

        def prepare():
            run = self._run(prepare=False, export=False, date=next(dates))
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            run.action_prepare()
            self.env.flush_all()
            return self.env.cr.sql_log_count - before, len(run.line_ids)

        prepare()  # what is read once per transaction
        queries, count = prepare()
        self.assertEqual(count, 2)
        for number in range(4):
            partner = self._create_subscriber(f"Subscriber {number}", f"06{number}")
            self._invoice(amount=10.0 + number, date="2024-02-01", partner=partner)
            self._create_mandate(partner, f"621700001111222{number:04d}")
        self.assertEqual(prepare(), (queries, 6))

    def test_cn_batch_instruction_file(self):
        run = self._run()
        self.assertEqual(run.state, "exported")
        self.assertEqual(run.file_name, run.name.replace("/", "-") + ".csv")
        first, second = run.line_ids
        rows = self._file_rows(run, "gb18030")
        self.assertEqual(
            rows,
            [
                [
                    "H",
                    run.name,
                    "20240310",
                    self.env.company.name,
                    run.currency_id.name,
                ],
                [
                    "D",
                    "1",
                    first.reference,
                    self.mandate.name,
                    "6222021234567890123",
                    "Zhang Wei",
                    "6500",
                ],
                [
                    "D",
                    "2",
                    second.reference,
                    self.neighbour_mandate.name,
                    "6228480012345678901",
                    "李强",
                    "8000",
                ],
                ["T", "2", "14500"],
            ],
        )
        # A run sent to the bank no longer changes.
        with self.assertRaisesRegex(UserError, "cannot change"):
            run.write({"date": "2024-03-11"})
        with self.assertRaisesRegex(UserError, "Sent to Bank"):
            run.action_prepare()
        with self.assertRaisesRegex(UserError, "cannot be taken out"):
            first.with_user(self.user_accountant).unlink()

    def test_generic_instruction_file(self):
        self._create_mandate(
            self.subscriber, "6222021234567890124", bank=self.other_bank
        )
        run = self._run(bank=self.other_bank)
        rows = self._file_rows(run, "utf-8-sig")
        self.assertEqual(
            rows,
            [
                [
                    "reference",
                    "mandate",
                    "account",
                    "holder",
                    "amount",
                    "currency",
                    "date",
                ],
                [
                    run.line_ids.reference,
                    run.line_ids.mandate_id.name,
                    "6222021234567890124",
                    "Zhang Wei",
                    "65.00",
                    run.currency_id.name,
                    "2024-03-10",
                ],
            ],
        )

    def test_subscriber_awaiting_the_bank_is_not_debited_twice(self):
        first = self._run()
        with self.assertRaises(ValidationError) as caught:
            self._run(export=False)
        self.assertIn("already has a debit run on", str(caught.exception))
        second = self._run(export=False, date="2024-03-11")
        self.assertFalse(second.line_ids)
        self.assertIn("has not answered", second.message_ids[0].body)
        first.with_user(self.user_accountant).action_cancel()
        second.action_prepare()
        self.assertEqual(len(second.line_ids), 2)

    # ------------------------------------------------------------------
    # The bank's return file
    # ------------------------------------------------------------------

    def test_return_file_books_paid_debits_and_lists_failed_ones(self):
        run = self._run()
        paid, failed = run.line_ids
        self._import(
            run,
            self._cn_return(
                run, [(paid, "0000", "成功"), (failed, "3008", "余额不足")]
            ),
        )
        self.assertEqual(run.state, "done")
        receipt = paid.receipt_id
        self.assertRecordValues(
            receipt,
            [
                {
                    "channel": "bank",
                    "partner_id": self.subscriber.id,
                    "amount": 65.0,
                    "journal_id": self.journal.id,
                    "user_id": self.user_accountant.id,
                }
            ],
        )
        self.assertEqual(str(receipt.date), "2024-03-10")
        self.assertEqual(receipt, self._bank_receipts())
        self.assertEqual(paid.state, "paid")
        self.assertEqual(
            (self.january | self.february).mapped("payment_state"), ["paid", "paid"]
        )
        self.assertFalse(self.subscriber.dunning_level_id, "dunning reacted")
        self.assertRecordValues(
            failed,
            [
                {
                    "state": "failed",
                    "reason_code": "3008",
                    "reason": "余额不足",
                    "receipt_id": False,
                }
            ],
        )
        self.assertEqual(self.neighbours.payment_state, "not_paid")
        self.assertEqual(
            self.neighbour.dunning_level_id, self.reminder, "left to dunning"
        )
        self.assertEqual(
            (run.paid_count, run.failed_count, run.amount_paid), (1, 1, 65.0)
        )
        self.assertEqual(len(run.return_attachment_ids), 1)
        self.assertIn("1 debits paid", run.message_ids[0].body)
        # The mandate shows its debits.
        self.assertEqual(self.neighbour_mandate.line_ids, failed)

    def test_same_file_twice_posts_nothing_more(self):
        run = self._run()
        first, second = run.line_ids
        data = self._cn_return(run, [(first, "0000", "成功")])
        self._import(run, data)
        self.assertEqual(run.state, "partial")
        self.assertEqual(len(self._bank_receipts()), 1)
        with self.assertRaisesRegex(UserError, "imported into .* already"):
            self._import(run, data, file_name="again.csv")
        # Another file answering the same debit again: the debit is skipped.
        self._import(
            run,
            self._cn_return(run, [(first, "0000", "成功"), (second, "0000", "成功")]),
        )
        self.assertEqual(len(self._bank_receipts()), 2)
        self.assertEqual(first.receipt_id | second.receipt_id, self._bank_receipts())
        self.assertEqual(run.state, "done")
        self.assertIn("1 settled before", run.message_ids[0].body)
        with self.assertRaisesRegex(UserError, "imported into .* already"):
            self._import(run, data)
        self.assertEqual(len(self._bank_receipts()), 2)

    def test_wrong_total_posts_nothing(self):
        run = self._run()
        first, second = run.line_ids
        answers = [(first, "0000", "成功"), (second, "0000", "成功")]
        for total in (
            ["T", "3", "14500", "2", "14500"],
            ["T", "2", "14400", "2", "14400"],
            ["T", "2", "14500", "1", "6500"],
        ):
            with self.subTest(total=total):
                self._assert_nothing_posted(
                    run,
                    self._cn_return(run, answers, total=total),
                    r"Row 4: the total row says .* incomplete or was changed",
                )
        # A file cut short has no total row.
        data = self._cn_return(run, answers).rsplit(b"T,", 1)[0]
        self._assert_nothing_posted(run, data, "not its total row")

    def test_unknown_mandate_posts_nothing(self):
        run = self._run()
        first, second = run.line_ids
        data = self._cn_return(run, [(first, "0000", "成功"), (second, "0000", "成功")])
        self._assert_nothing_posted(
            run,
            data.replace(second.mandate_id.name.encode(), b"DD/2024/99999"),
            r"Row 3: .* not of DD/2024/99999: unknown mandate\. Nothing was posted",
        )
        self._assert_nothing_posted(
            run,
            data.replace(second.reference.encode(), b"BC20249999-00001"),
            r"Row 3: BC20249999-00001 is not a debit of",
        )

    def test_changed_amount_posts_nothing(self):
        run = self._run()
        first, second = run.line_ids
        data = self._cn_return(
            run,
            [(first, "0000", "成功"), (second, "0000", "成功")],
            total=["T", "2", "14000", "2", "14000"],
        ).replace(b",8000,", b",7500,")
        self._assert_nothing_posted(run, data, r"Row 3: .* where the run instructed")

    def test_malformed_rows_post_nothing(self):
        run = self._run()
        first, second = run.line_ids
        good = self._cn_return(run, [(first, "0000", "成功"), (second, "0000", "成功")])
        for bad, message in (
            (good.replace(b",8000,", b",80.00,"), "Row 3: .* not a whole number"),
            (good.replace(b"\r\nD,2,", b"\r\nX,2,"), "Row 3: not a debit row"),
            (
                good.replace(run.name.encode(), b"BC/2024/9999", 1),
                "Row 1: .* answers run",
            ),
            ("结果".encode("utf-16"), "not a text file in GB18030"),
        ):
            with self.subTest(message=message):
                self._assert_nothing_posted(run, bad, message)

    def test_generic_return_file(self):
        self._create_mandate(
            self.subscriber, "6222021234567890124", bank=self.other_bank
        )
        self._create_mandate(
            self.neighbour, "6228480012345678902", bank=self.other_bank
        )
        run = self._run(bank=self.other_bank)
        first, second = run.line_ids
        self._assert_nothing_posted(
            run,
            self._generic_return(
                [
                    [first.reference, first.mandate_id.name, "65.00", "paid", "", ""],
                    [
                        second.reference,
                        second.mandate_id.name,
                        "80.00",
                        "maybe",
                        "",
                        "",
                    ],
                ]
            ),
            "Row 3: the status is “maybe”",
        )
        # Lines found by the mandate when the bank gives no line reference.
        self._import(
            run,
            self._generic_return(
                [
                    ["", first.mandate_id.name, "65", "PAID", "", ""],
                    [second.reference, "", "80.00", "failed", "51", "Account closed"],
                ]
            ),
        )
        self.assertEqual(first.state, "paid")
        self.assertEqual(first.receipt_id.channel, "bank")
        self.assertRecordValues(
            second,
            [{"state": "failed", "reason_code": "51", "reason": "Account closed"}],
        )

    def test_partly_answered_run_closed(self):
        run = self._run()
        first, second = run.line_ids
        self._import(run, self._cn_return(run, [(first, "3008", "余额不足")]))
        self.assertEqual(run.state, "partial")
        with self.assertRaisesRegex(UserError, "Partly Answered"):
            run.action_cancel()
        run.action_close()
        self.assertEqual(run.state, "done")
        self.assertRecordValues(
            second, [{"state": "failed", "reason": "No answer from the bank"}]
        )
        self.assertFalse(self._bank_receipts())

    def test_failed_debit_paid_on_the_banks_retry_is_booked_once(self):
        run = self._run()
        first, second = run.line_ids
        self._import(run, self._cn_return(run, [(first, "3008", "余额不足")]))
        self.assertEqual(first.state, "failed")
        self._import(
            run,
            self._cn_return(
                run, [(first, "0000", "重试成功"), (second, "0000", "成功")]
            ),
        )
        self.assertEqual(first.state, "paid")
        self.assertFalse(first.reason_code)
        self.assertEqual(len(self._bank_receipts()), 2)
        self.assertEqual(run.state, "done")

    # ------------------------------------------------------------------
    # Access
    # ------------------------------------------------------------------

    def test_workflow_fields_refused_on_rpc(self):
        run = self._run()
        line = run.line_ids[0]
        forged = self.env["ir.attachment"].create({"name": "forged.csv", "raw": b"x"})
        for user in (self.user_accountant, self.user_manager):
            for vals in (
                {"state": "done"},
                {"name": "BC/1"},
                {"file": base64.b64encode(b"H,forged")},
                {"return_attachment_ids": [(4, forged.id)]},
            ):
                with (
                    self.subTest(user=user.login, vals=vals),
                    self.assertRaises(AccessError),
                ):
                    run.with_user(user).write(vals)
            for vals in ({"state": "paid"}, {"amount": 1.0}, {"receipt_id": False}):
                with (
                    self.subTest(user=user.login, vals=vals),
                    self.assertRaises(AccessError),
                ):
                    line.with_user(user).write(vals)
            with self.assertRaises(AccessError):
                self.env["fee.bank.collection.line"].with_user(user).create(
                    {
                        "collection_id": run.id,
                        "reference": "X",
                        "mandate_id": self.mandate.id,
                        "partner_id": self.subscriber.id,
                        "amount": 1.0,
                    }
                )
        self.assertEqual(run.state, "exported")
        for user in (self.user_cashier, self.user_collector):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                run.with_user(user).read(["name"])
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self._import(
                    run, self._cn_return(run, [(line, "0000", "成功")]), user=user
                )
        self.assertFalse(self._bank_receipts())

    def test_runs_of_other_companies_unseen(self):
        other = self.setup_other_company(name="Gulou Cable")["company"]
        run = (
            self.env["fee.bank.collection"]
            .with_company(other)
            .create(
                {
                    "bank_id": self.bank.id,
                    "company_id": other.id,
                    "journal_id": self.env["account.journal"]
                    .search(
                        [("company_id", "=", other.id), ("type", "=", "bank")], limit=1
                    )
                    .id,
                }
            )
        )
        Run = self.env["fee.bank.collection"].with_user(self.user_accountant)
        self.assertFalse(Run.search([("id", "=", run.id)]))
        with self.assertRaises(AccessError):
            run.with_user(self.user_accountant).read(["name"])


@tagged("post_install", "-at_install")
class TestBankFileDownload(FeeCollectionCommon, HttpCase):
    """The instruction file, with the subscribers' accounts, is downloaded by those who
    run direct debits only."""

    def test_instruction_file_download(self):
        bank = self.env["res.bank"].create({"name": "Bank of Yangzhou"})
        self._create_subscription(date_start="2024-01-01")
        self._invoice(amount=25.0, date="2024-01-01")
        mandate = (
            self.env["fee.bank.mandate"]
            .with_user(self.user_accountant)
            .create(
                {
                    "partner_id": self.subscriber.id,
                    "bank_id": bank.id,
                    "acc_number": "6222021234567890123",
                    "holder_name": "Zhang Wei",
                    "signed_date": "2024-01-15",
                }
            )
        )
        mandate.action_activate()
        run = (
            self.env["fee.bank.collection"]
            .with_user(self.user_accountant)
            .create(
                {
                    "bank_id": bank.id,
                    "journal_id": self.company_data["default_journal_bank"].id,
                }
            )
        )
        run.action_prepare()
        url = run.action_export()["url"]
        self.authenticate(self.user_accountant.login, self.user_accountant.login)
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        self.assertIn(b"6222021234567890123", response.content)
        self.assertEqual(response.content, base64.b64decode(run.file))
        for user in (self.user_cashier, self.user_collector):
            with self.subTest(user=user.login):
                self.authenticate(user.login, user.login)
                response = self.url_open(url, allow_redirects=False)
                self.assertNotIn(b"6222021234567890123", response.content)
                self.assertIn(response.status_code, (403, 404))
        self.authenticate(None, None)
        response = self.url_open(url, allow_redirects=False)
        self.assertNotIn(b"6222021234567890123", response.content)
        self.assertNotEqual(response.status_code, 200)
