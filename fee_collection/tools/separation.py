"""Four eyes: who took the money or asked for a decision does not approve it."""

from markupsafe import Markup

from odoo.exceptions import UserError


def check_separation(record, users, refusal, note):
    """Refuse (``refusal``, a translated message) that the current user approves
    ``record`` when they are among ``users`` (who took its money, who asked for it),
    unless the record's company is a one-person office; then ``note`` is logged on the
    record's chatter, so that the exception stays visible."""
    env = record.env
    if env.su or env.user not in users:
        return
    if not record.company_id.fee_allow_self_approval:
        raise UserError(refusal)
    record.sudo()._message_log(body=Markup("<p>%s</p>") % note)
