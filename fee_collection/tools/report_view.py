"""The SQL views behind the add-on's analysis reports."""

from odoo import tools
from odoo.tools import SQL


def create_report_view(report, keys, query):
    """(Re)create the view of the SQL report ``report``: the rows of ``query``, one a
    value of its columns ``keys``, numbered in their order as the rows' ids."""
    tools.drop_view_if_exists(report.env.cr, report._table)
    report.env.cr.execute(
        SQL(
            "CREATE OR REPLACE VIEW %s AS (%s)",
            SQL.identifier(report._table),
            SQL(
                "SELECT ROW_NUMBER() OVER (ORDER BY %s) AS id, report.* FROM (%s) report",
                SQL(", ").join(SQL.identifier(key) for key in keys),
                query,
            ),
        )
    )
