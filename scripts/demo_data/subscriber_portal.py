"""Subscribers who pay by themselves: from the first bill on, every billing run sends each
subscriber billed a payment notice with their pay link (SMS, else e-mail), and two
subscribers log in to the portal (password = login):

- ``subscriber1``: 程晨阳 (subscriber 52), who stopped paying three months ago: arrears,
  a dunning level, and services suspended for arrears, which paying online reconnects;
- ``subscriber2``: 钟天宇 (subscriber 22), who pays part of every bill: open bills and
  receipts, at the counter and at the outlet of his grid."""

from freezegun import freeze_time

from odoo import Command

# The portal logins and the demo subscriber each belongs to.
PORTAL_LOGINS = {"subscriber1": 52, "subscriber2": 22}
# Subscriber 52's services, when dunning has not suspended them yet on the day the demo
# is built (it does on the 15th: the suspension level's 60 days are then reached).
SUSPENSION_REASON = "欠费停机：已逾期两个月以上"


class SubscriberPortal:
    """Part of ``DemoHistory``: payment notices at billing and the subscribers' portal
    logins."""

    def plan_subscriber_portal(self):
        """Notices from the first billing run on (before it, on its day); the portal
        logins today, once the day's dunning is done."""
        self.at(self.months[0], -1, self.enable_billing_notices)
        self.at(self.today, 10, self.open_subscriber_portal)

    def enable_billing_notices(self):
        """The manager turns the payment notice at billing on (SMS, else e-mail)."""
        settings = (
            self.env["fee.settings"]
            .with_env(self.env_of(self.users["manager"]))
            .create({"fee_billing_notice": "sms_email"})
        )
        settings.execute()

    def open_subscriber_portal(self):
        group = self.env.ref("base.group_portal")
        for login, number in PORTAL_LOGINS.items():
            partner = self.subscriber(number)
            user = (
                self.env["res.users"]
                .with_context(no_reset_password=True)
                .create(
                    {
                        "name": partner.name,
                        "partner_id": partner.id,
                        "login": login,
                        "password": login,
                        "tz": "Asia/Shanghai",
                        "company_id": self.company.id,
                        "company_ids": [Command.set(self.company.ids)],
                        "groups_id": [Command.set(group.ids)],
                    }
                )
            )
            self.users[login] = user
        self.suspend_for_arrears(self.subscriber(PORTAL_LOGINS["subscriber1"]))

    def suspend_for_arrears(self, partner):
        """The subscriber's active services suspended for arrears, as the suspension
        level does, unless dunning already did: paying online shows them reconnected."""
        services = partner.subscription_ids
        if services.filtered("suspended_for_arrears"):
            return
        active = services.filtered(lambda service: service.state == "active")
        with freeze_time(self.moment(self.today, 11)):
            active.with_env(self.env_of(self.users["manager"])).action_suspend(
                reason=SUSPENSION_REASON, for_arrears=True
            )
