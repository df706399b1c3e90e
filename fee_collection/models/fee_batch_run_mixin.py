from odoo import api, fields, models

from ..tools import RELOAD_VIEW, notification


class FeeBatchRunMixin(models.AbstractModel):
    """A run over many records that a user starts: small ones are worked at once, large
    ones are queued for a scheduled job, which works them a committed batch at a time
    and reports its progress. A run is numbered by the sequence of its model's code;
    the model names its job in ``_batch_cron_xmlid``."""

    _name = "fee.batch.run.mixin"
    _description = "Batch Run"
    _inherit = ["mail.thread"]
    _check_company_auto = True

    _batch_cron_xmlid = None

    name = fields.Char(required=True, readonly=True, copy=False, default="/")
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )

    @api.model_create_multi
    def create(self, vals_list):
        # Numbered once the user is known to be allowed to create runs.
        self.check_access("create")
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"]._fee_next_name(self._name, vals)
        return super().create(vals_list)

    def _trigger_batch_cron(self):
        self.env.ref(self._batch_cron_xmlid).sudo()._trigger()

    def _queue_for_scheduler(self, message):
        """Call the job for these runs, queued, and tell the user ``message``; the form
        reloads to show them in progress."""
        self._trigger_batch_cron()
        return notification(message, RELOAD_VIEW, kind="info")
