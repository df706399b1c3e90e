from odoo import models
from odoo.exceptions import UserError


class FeeStateMixin(models.AbstractModel):
    """A document whose actions each take some of its states (a ``state`` selection):
    one check refuses the others, in words each document chooses."""

    _name = "fee.state.mixin"
    _description = "Document Acting by State"

    def _check_state(self, *states):
        """Refuse the action unless every record is in one of ``states``: the first that
        is not is named, with its state."""
        wrong = self.filtered(lambda record: record.state not in states)[:1]
        if wrong:
            labels = dict(self._fields["state"]._description_selection(self.env))
            raise UserError(wrong._get_state_refusal(labels[wrong.state]))

    def _get_state_refusal(self, state):
        """The refusal of an action on this record, which is in ``state`` (its label),
        naming the kind of document in the user's language."""
        return self.env._(
            "%(document)s %(name)s is %(state)s.",
            document=self.env["ir.model"]._get(self._name).name,
            name=self.display_name,
            state=state,
        )
