"""Bank direct debit (银行代扣): two subscribers sign a direct debit mandate at the start of
last month (the accountant registers and activates them) and stop paying by themselves.
At the end of last month the accountant sends the bank a debit run; the bank's return
file, imported the next morning, books one debit as a receipt of channel Bank and lists
the other as failed (insufficient funds), left to dunning. Today the accountant sends
this month's run; the bank's answer to it (all paid) waits in the run's chatter as a
sample return file (generated here, as the bank would write it), for a newcomer to
import."""

import base64
import csv
import io
from datetime import timedelta

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

# Subscribers who pay by direct debit: (number, account, its holder when not the
# subscriber, signed for their cable TV service).
MANDATES = [
    (3, "6222 0211 0800 1234 567", "余晓梅", "fee_service_003_tv_demo"),
    (7, "6222 0811 0800 7654 321", None, None),
]
BANK = {
    "name": "中国工商银行扬州分行",
    "bic": "ICBKCNBJYZU",
    "fee_debit_layout": "cn_batch",
}
PAID = ("0000", "成功")
INSUFFICIENT_FUNDS = ("3008", "余额不足")


class BankDebit:
    """Part of ``DemoHistory``: the mandates and the debit runs of the bank."""

    def plan_bank(self):
        """Plan the direct debits, once the rest of the history is planned: from last
        month on, the two subscribers' own payments give way to the bank's debits."""
        start = self.months[-2]
        partners = [self.subscriber(number) for number, *_rest in MANDATES]
        self.drop_own_payments(partners, start)
        self.at(start + timedelta(days=2), 1, self.sign_mandates, start, partners)
        debit_date = self.months[-1] - timedelta(days=1)  # bills are due by month end
        self.at(debit_date - timedelta(days=2), 8, self.send_debit_run, debit_date)
        self.at(debit_date + timedelta(days=1), 2, self.import_bank_return)
        self.at(self.today, 8, self.debit_this_month)

    def sign_mandates(self, start, partners):
        """The subscribers signed at the bank's counter; the accountant registers their
        mandates and puts them in force once the bank confirms."""
        self.debit_bank = self.env["res.bank"].create(BANK)
        env = self.env_of(self.users["accountant"])
        with freeze_time(self.moment(start + timedelta(days=2), 10)):
            mandates = (
                self.env["fee.bank.mandate"]
                .with_env(env)
                .create(
                    [
                        {
                            "partner_id": partner.id,
                            "bank_id": self.debit_bank.id,
                            "acc_number": account,
                            "holder_name": holder or partner.name,
                            "signed_date": start,
                            "subscription_id": self.ref(service).id
                            if service
                            else False,
                        }
                        for partner, (_number, account, holder, service) in zip(
                            partners, MANDATES, strict=True
                        )
                    ]
                )
            )
            mandates.action_activate()

    def send_debit_run(self, debit_date):
        """The accountant prepares the run two days before the debit date and sends the
        bank its instruction file."""
        day = debit_date - timedelta(days=2)
        self.last_debit_run = self.make_debit_run(debit_date, day)

    def make_debit_run(self, debit_date, day):
        with freeze_time(self.moment(day, 10)):
            run = (
                self.env["fee.bank.collection"]
                .with_env(self.env_of(self.users["accountant"]))
                .create(
                    {
                        "bank_id": self.debit_bank.id,
                        "journal_id": self.bank.id,
                        "date": debit_date,
                    }
                )
            )
            run.action_prepare()
            if run.line_ids:
                run.action_export()
        return run

    def import_bank_return(self):
        """The morning after the debit date the bank's return file arrives: the first
        debit went through, the second account lacked the money."""
        run = self.last_debit_run
        if run.state != "exported":
            return
        answers = [PAID, INSUFFICIENT_FUNDS][: len(run.line_ids)]
        data = self.bank_return_file(run, answers)
        day = run.date + timedelta(days=1)
        with freeze_time(self.moment(day, 9)):
            self.env["fee.bank.return.import"].with_env(
                self.env_of(self.users["accountant"])
            ).create(
                {
                    "collection_id": run.id,
                    "file": base64.b64encode(data),
                    "file_name": f"回盘-{run.name.replace('/', '-')}.csv",
                }
            ).action_import()

    def debit_this_month(self):
        """Today's run, debiting at the end of the month, is sent; the bank's answer
        (every debit paid) is in the run's chatter, to be imported."""
        debit_date = self.today + relativedelta(day=31)
        run = self.make_debit_run(debit_date, self.today)
        if not run.line_ids:
            return
        data = self.bank_return_file(run, [PAID] * len(run.line_ids))
        with freeze_time(self.moment(self.today, 11)):
            run.message_post(
                body="银行回盘文件（示例）：请用“Import Return File”导入。",
                attachments=[("bank_return_sample.csv", data)],
                subtype_xmlid="mail.mt_note",
            )

    def bank_return_file(self, run, answers):
        """The bank's return file of ``run`` in its batch layout, answering its debits
        in order with ``answers`` [(code, text)]: GB18030, amounts in fen."""
        cents = [round(line.amount * 100) for line in run.line_ids]
        rows = [["H", run.name, run.date.strftime("%Y%m%d")]]
        for number, (line, amount, (code, text)) in enumerate(
            zip(run.line_ids, cents, answers, strict=True), start=1
        ):
            rows.append(
                [
                    "D",
                    str(number),
                    line.reference,
                    line.mandate_id.name,
                    line.acc_number,
                    line.holder_name,
                    str(amount),
                    code,
                    text,
                ]
            )
        paid = [
            amount
            for amount, (code, _text) in zip(cents, answers, strict=True)
            if code == PAID[0]
        ]
        rows.append(
            ["T", str(len(cents)), str(sum(cents)), str(len(paid)), str(sum(paid))]
        )
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows(rows)
        return buffer.getvalue().encode("gb18030")
