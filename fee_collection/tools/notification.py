"""The web client's toast, returned by buttons whose work needs no new view."""

CLOSE_DIALOG = {"type": "ir.actions.act_window_close"}
RELOAD_VIEW = {"type": "ir.actions.client", "tag": "soft_reload"}


def notification(message, then, kind="success"):
    """Tell the user ``message`` (``kind``: success, info, warning, danger), then run the
    action ``then`` (``CLOSE_DIALOG``, ``RELOAD_VIEW``)."""
    return {
        "type": "ir.actions.client",
        "tag": "display_notification",
        "params": {"type": kind, "message": message, "next": then},
    }
