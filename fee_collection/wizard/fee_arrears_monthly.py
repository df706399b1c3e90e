import base64

from dateutil.relativedelta import relativedelta

from odoo import fields, models
from odoo.exceptions import UserError

from ..report.fee_arrears_report import AGING_BUCKETS, ratio
from ..tools import xlsx

AGING = [name for name, _low, _high in AGING_BUCKETS]
MEASURES = [
    "billed",
    "collected",
    "collected_in_month",
    "overdue",
    "open_amount",
    "written_off",
    *AGING,
]
TOP_DEBTORS = 20


class FeeArrearsMonthly(models.TransientModel):
    """The monthly arrears analysis (欠费分析通报) as an Excel file, as of the end of a
    month (or today, for the month in progress): the billing months of the twelve
    months ending with it, by branch, fee item, collector, payment channel, aging and
    arrears reason, the top debtors, month over month, and what the last dunning wave
    brought in."""

    _name = "fee.arrears.monthly"
    _description = "Monthly Arrears Analysis"

    month = fields.Date(
        required=True,
        default=lambda self: (
            fields.Date.context_today(self).replace(day=1) - relativedelta(months=1)
        ),
    )
    file = fields.Binary(readonly=True, attachment=False)
    file_name = fields.Char()

    def action_export(self):
        self.ensure_one()
        self.file = base64.b64encode(self._build_workbook())
        self.file_name = self.env._(
            "Arrears analysis %(month)s.xlsx", month=self._start().strftime("%Y-%m")
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self._name}/{self.id}/file/{self.file_name}?download=true",
            "target": "self",
        }

    # ------------------------------------------------------------------
    # The period
    # ------------------------------------------------------------------

    def _start(self):
        return self.month.replace(day=1)

    def _as_of(self, start=None):
        return self.env["fee.arrears.report"]._get_month_as_of(start or self._start())

    def _report(self, start=None):
        return self.env["fee.arrears.report"].with_context(fee_as_of=self._as_of(start))

    def _sums(self, groupby, domain=(), start=None):
        """{group: {measure: sum}} of the report, over the twelve months."""
        start = start or self._start()
        rows = self._report(start)._read_group(
            [*self.env["fee.arrears.report"]._get_window(start), *domain],
            groupby,
            [f"{name}:sum" for name in MEASURES],
        )
        return {
            tuple(row[: len(groupby)]): dict(
                zip(MEASURES, row[len(groupby) :], strict=True)
            )
            for row in rows
        }

    # ------------------------------------------------------------------
    # The workbook
    # ------------------------------------------------------------------

    def _build_workbook(self):
        start = self._start()
        totals = self._sums([])
        if not totals or not totals[()]["billed"]:
            raise UserError(
                self.env._(
                    "Nothing was billed in the twelve months up to %(month)s.",
                    month=start.strftime("%Y-%m"),
                )
            )
        subtitle = self.env._(
            "%(company)s, billing months %(first)s to %(last)s, as of %(date)s",
            company=self.env.company.name,
            first=(start - relativedelta(months=11)).strftime("%Y-%m"),
            last=start.strftime("%Y-%m"),
            date=self._as_of(),
        )
        workbook = xlsx.Workbook()
        self._add_summary(workbook, subtitle)
        for groupby, title in (
            ("branch_id", self.env._("By Branch")),
            ("product_id", self.env._("By Fee Item")),
            ("collector_id", self.env._("By Collector")),
        ):
            self._add_breakdown(workbook, subtitle, groupby, title, totals[()])
        self._add_channels(workbook, subtitle)
        self._add_aging(workbook, subtitle, totals[()])
        self._add_reasons(workbook, subtitle, totals[()])
        self._add_top_debtors(workbook, subtitle)
        self._add_months(workbook, subtitle, totals[()])
        self._add_dunning_wave(workbook)
        return workbook.close()

    def _label(self, group):
        if not group:
            return self.env._("Not Set")
        return group.display_name if isinstance(group, models.BaseModel) else group

    def _add_summary(self, workbook, subtitle):
        start = self._start()
        report = self.env["fee.arrears.report"]
        now = report._get_kpis(start)
        before = report._get_kpis(start - relativedelta(months=1))
        lines = [
            (self.env._("Billed (12 months)"), "billed", xlsx.MONEY),
            (self.env._("Collected"), "collected", xlsx.MONEY),
            (self.env._("Overdue"), "overdue", xlsx.MONEY),
            (self.env._("Arrears Rate"), "arrears_rate", xlsx.PERCENT),
            (self.env._("Collection Rate"), "collection_rate", xlsx.PERCENT),
            (
                self.env._("Collection Rate in Month"),
                "collection_rate_month",
                xlsx.PERCENT,
            ),
            (self.env._("Written Off"), "written_off", xlsx.MONEY),
            (self.env._("Net New Bad Debt"), "net_bad_debt", xlsx.MONEY),
            (self.env._("Bad-Debt Rate"), "bad_debt_rate", xlsx.PERCENT),
        ]
        currency = self.env.company.currency_id
        rows = []
        for label, key, kind in lines:
            if now[key] is None or before[key] is None:
                change = None
            elif kind == xlsx.MONEY:
                change = currency.round(now[key] - before[key])
            else:
                change = round(now[key] - before[key], 4)
            rows.append([label, (now[key], kind), (before[key], kind), (change, kind)])
        workbook.add_table(
            self.env._("Summary"),
            self.env._("Monthly Arrears Analysis"),
            subtitle,
            [
                (self.env._("Indicator"), xlsx.TEXT),
                (start.strftime("%Y-%m"), xlsx.MONEY),
                ((start - relativedelta(months=1)).strftime("%Y-%m"), xlsx.MONEY),
                (self.env._("Change on the Month Before"), xlsx.MONEY),
            ],
            rows,
        )

    def _rate_columns(self):
        return [
            (self.env._("Billed"), xlsx.MONEY),
            (self.env._("Collected"), xlsx.MONEY),
            (self.env._("Overdue"), xlsx.MONEY),
            (self.env._("Arrears Rate"), xlsx.PERCENT),
            (self.env._("Collection Rate"), xlsx.PERCENT),
        ]

    def _rate_values(self, sums):
        return [
            sums["billed"],
            sums["collected"],
            sums["overdue"],
            ratio(sums["overdue"], sums["billed"]),
            ratio(sums["collected"], sums["billed"]),
        ]

    def _add_breakdown(self, workbook, subtitle, groupby, title, total):
        groups = self._sums([groupby])
        rows = [
            [self._label(group), *self._rate_values(sums)]
            for (group,), sums in sorted(
                groups.items(), key=lambda item: -item[1]["overdue"]
            )
        ]
        workbook.add_table(
            title,
            title,
            subtitle,
            [(self._fields_string(groupby), xlsx.TEXT), *self._rate_columns()],
            rows,
            total=[self.env._("Total"), *self._rate_values(total)],
        )

    def _fields_string(self, name):
        report = self.env["fee.arrears.report"]
        return report._fields[name]._description_string(self.env)

    def _add_channels(self, workbook, subtitle):
        groups = self._sums(["channel"], domain=[("collected", "!=", 0)])
        collected = sum(sums["collected"] for sums in groups.values())
        channels = dict(
            self.env["fee.arrears.report"]
            ._fields["channel"]
            ._description_selection(self.env)
        )
        rows = [
            [
                channels.get(channel, self.env._("Not Set")),
                sums["collected"],
                ratio(sums["collected"], collected),
            ]
            for (channel,), sums in sorted(
                groups.items(), key=lambda item: -item[1]["collected"]
            )
        ]
        title = self.env._("By Channel")
        workbook.add_table(
            title,
            title,
            subtitle,
            [
                (self._fields_string("channel"), xlsx.TEXT),
                (self.env._("Collected"), xlsx.MONEY),
                (self.env._("Share"), xlsx.PERCENT),
            ],
            rows,
            total=[self.env._("Total"), collected, ratio(collected, collected)],
        )

    def _add_aging(self, workbook, subtitle, total):
        groups = self._sums(["branch_id"], domain=[("open_amount", "!=", 0)])
        columns = [
            (self._fields_string("branch_id"), xlsx.TEXT),
            (self._fields_string("open_amount"), xlsx.MONEY),
            *((self._fields_string(name), xlsx.MONEY) for name in AGING),
        ]
        rows = [
            [self._label(group), sums["open_amount"], *(sums[name] for name in AGING)]
            for (group,), sums in groups.items()
        ]
        title = self.env._("Aging")
        workbook.add_table(
            title,
            title,
            subtitle,
            columns,
            rows,
            total=[
                self.env._("Total"),
                total["open_amount"],
                *(total[name] for name in AGING),
            ],
        )

    def _add_reasons(self, workbook, subtitle, total):
        report = self._report()
        groups = report._read_group(
            [
                *self.env["fee.arrears.report"]._get_window(self._start()),
                ("overdue", "!=", 0),
            ],
            ["reason_id"],
            ["overdue:sum", "partner_id:count_distinct"],
        )
        rows = [
            [self._label(reason), count, overdue, ratio(overdue, total["overdue"])]
            for reason, overdue, count in sorted(groups, key=lambda row: -row[1])
        ]
        title = self.env._("Reasons")
        workbook.add_table(
            title,
            self.env._("Overdue by Arrears Reason"),
            subtitle,
            [
                (self._fields_string("reason_id"), xlsx.TEXT),
                (self.env._("Subscribers"), xlsx.INTEGER),
                (self.env._("Overdue"), xlsx.MONEY),
                (self.env._("Share"), xlsx.PERCENT),
            ],
            rows,
            total=[
                self.env._("Total"),
                sum(row[1] for row in rows),
                total["overdue"],
                ratio(total["overdue"], total["overdue"]),
            ],
        )

    def _add_top_debtors(self, workbook, subtitle):
        """The subscribers owing the most overdue on the as-of date, with how late they
        were and their dunning level on that date, as the amounts are: the days of the
        oldest amount then overdue, the level their last dunning by then left them at."""
        as_of = self._as_of()
        # Aging's reading of the report, which only reads what was open on the as-of
        # date: the due dates come with the amounts.
        groups = (
            self._report()
            .with_context(fee_open_only=True)
            ._read_group(
                [
                    *self.env["fee.arrears.report"]._get_window(self._start()),
                    ("overdue", "!=", 0),
                ],
                ["partner_id"],
                ["overdue:sum", "date_due:min"],
                order="overdue:sum desc",
                limit=TOP_DEBTORS,
            )
        )
        levels = self._get_levels_as_of(
            self.env["res.partner"].browse([partner.id for partner, *_sums in groups]),
            as_of,
        )
        rows = [
            [
                partner.name,
                partner.area_id.display_name or None,
                partner.mobile or partner.phone or None,
                overdue,
                (as_of - oldest_due).days,
                levels.get(partner, self.env["fee.dunning.level"]).display_name or None,
                partner.arrears_reason_id.display_name or None,
            ]
            for partner, overdue, oldest_due in groups
        ]
        title = self.env._("Top Debtors")
        workbook.add_table(
            title,
            title,
            subtitle,
            [
                (self.env._("Subscriber"), xlsx.TEXT),
                (self.env._("Area"), xlsx.TEXT),
                (self.env._("Phone"), xlsx.TEXT),
                (self.env._("Overdue"), xlsx.MONEY),
                (self.env._("Days Overdue"), xlsx.INTEGER),
                (self.env._("Dunning Level"), xlsx.TEXT),
                (self.env._("Arrears Reason"), xlsx.TEXT),
            ],
            rows,
        )

    def _get_levels_as_of(self, partners, date):
        """{subscriber: dunning level} on ``date``: the level of the last dunning of each
        subscriber done by then (none, if it dropped them from dunning)."""
        lines = self.env["fee.dunning.line"].search(
            [
                ("partner_id", "in", partners.ids),
                ("state", "=", "done"),
                ("date", "<=", date),
            ],
            order="date desc, id desc",
        )
        levels = {}
        for line in lines:
            levels.setdefault(line.partner_id, line.level_id)
        return levels

    def _add_months(self, workbook, subtitle, total):
        groups = self._sums(["date:month"])
        rows = []
        for (month,), sums in sorted(groups.items()):
            rows.append(
                [
                    month.strftime("%Y-%m"),
                    sums["billed"],
                    sums["collected_in_month"],
                    sums["collected"],
                    sums["overdue"],
                    ratio(sums["overdue"], sums["billed"]),
                    ratio(sums["collected_in_month"], sums["billed"]),
                    ratio(sums["collected"], sums["billed"]),
                ]
            )
        title = self.env._("Month over Month")
        workbook.add_table(
            title,
            title,
            subtitle,
            [
                (self._fields_string("date"), xlsx.TEXT),
                (self.env._("Billed"), xlsx.MONEY),
                (self.env._("Collected in Month"), xlsx.MONEY),
                (self.env._("Collected"), xlsx.MONEY),
                (self.env._("Overdue"), xlsx.MONEY),
                (self.env._("Arrears Rate"), xlsx.PERCENT),
                (self.env._("Collection Rate in Month"), xlsx.PERCENT),
                (self.env._("Collection Rate"), xlsx.PERCENT),
            ],
            rows,
            total=[
                self.env._("Total"),
                total["billed"],
                total["collected_in_month"],
                total["collected"],
                total["overdue"],
                ratio(total["overdue"], total["billed"]),
                ratio(total["collected_in_month"], total["billed"]),
                ratio(total["collected"], total["billed"]),
            ],
        )

    def _add_dunning_wave(self, workbook):
        """What the last dunning run executed by the as-of date brought in since: per
        level reached, the subscribers, what they owed and what they paid after."""
        as_of = self._as_of()
        run = self.env["fee.dunning.run"].search(
            [
                ("company_id", "=", self.env.company.id),
                ("state", "=", "done"),
                ("date", "<=", as_of),
            ],
            order="date desc, id desc",
            limit=1,
        )
        title = self.env._("Dunning Wave")
        columns = [
            (self.env._("Level"), xlsx.TEXT),
            (self.env._("Subscribers"), xlsx.INTEGER),
            (self.env._("Overdue"), xlsx.MONEY),
            (self.env._("Paid Since"), xlsx.MONEY),
            (self.env._("Recovered"), xlsx.PERCENT),
        ]
        if not run:
            workbook.add_table(
                title, title, self.env._("No dunning run yet."), columns, []
            )
            return
        lines = run.line_ids.filtered(lambda line: line.state == "done")
        paid = dict(
            self.env["fee.receipt"]._read_group(
                [
                    ("partner_id", "in", lines.partner_id.ids),
                    ("state", "=", "posted"),
                    ("date", ">=", run.date),
                    ("date", "<=", as_of),
                ],
                ["partner_id"],
                ["amount:sum"],
            )
        )
        rows, total = [], [self.env._("Total"), 0, 0.0, 0.0, None]
        for level, level_lines in sorted(
            lines.grouped("level_id").items(), key=lambda item: item[0].sequence
        ):
            currency = self.env.company.currency_id
            owed = currency.round(sum(level_lines.mapped("amount_due")))
            received = currency.round(
                sum(paid.get(partner, 0.0) for partner in level_lines.partner_id)
            )
            rows.append(
                [
                    self._label(level),
                    len(level_lines.partner_id),
                    owed,
                    received,
                    ratio(received, owed),
                ]
            )
            total[1:4] = [total[1] + rows[-1][1], total[2] + owed, total[3] + received]
        total[4] = ratio(total[3], total[2])
        workbook.add_table(
            title,
            title,
            self.env._(
                "Run %(run)s of %(date)s, payments up to %(as_of)s",
                run=run.name,
                date=run.date,
                as_of=as_of,
            ),
            columns,
            rows,
            total=total,
        )
