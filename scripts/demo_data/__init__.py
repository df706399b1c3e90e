"""Demo data and six months of history for fee_collection, run by ``odoo shell``.

scripts/demo runs it on a fresh database with l10n_cn and fee_collection installed, giving
``odoo shell`` a few lines on its standard input that put the scripts folder on
``sys.path`` and call ``demo_data.main(env)``. It loads the demo records
(fee_collection/demo/*.xml), fits them to the Chinese operator (VAT rates of the Chinese
chart, Chinese names for Chinese-speaking users, an e-wallet journal), then plays the last
six months of the office in date order through the add-on's public API, each step done by
the demo user whose job it is:

- a billing run on the 1st of every month (accountant);
- payments at the counter in cash or by WeChat Pay/Alipay (cashier, receipts in a cash
  session a day, handed over every evening and validated by the accountant, once 2.00
  short) and bank transfers (accountant): most subscribers pay within days, some always
  late, some only part, some stopped paying at various points (so that arrears of every
  age exist), two pay in advance; the cashier's last session is still open;
- services suspended or closed on request (manager);
- dunning runs on the 15th and 25th (accountant), whose phone calls and visits the collectors
  then work: promises, refusals, unreachable subscribers, a disputed bill;
- today's dunning run computed but not executed, as a preview to look at;
- the paper receipts of a power cut (demo/paper_receipts_sample.csv), checked and waiting
  to be posted;
- the last five weeks at the two agent outlets: their clerks collect on the portal, the
  weekly outlet is settled and remits every week (last week's settlement waits for the
  manager), the monthly one is settled for last month, has not remitted and is blocked
  today by a lower credit limit.

Deterministic (seeded): the same history every time, relative to the day it runs.
Commits at the end and prints a summary.

One module per concern, each a part of ``DemoHistory``:

- ``history``: what the parts share, the plan of the six months played in date order, and
  the accountant's billing and dunning runs;
- ``company``: the demo records, the demo users and their languages, the Chinese names,
  taxes and payment journals;
- ``subscribers``: how each subscriber pays, services changed on request, a disputed bill,
  a credit note and a bad-debt write-off;
- ``cash_office``: the counter and its daily cash sessions, bank transfers, payments in
  advance, the paper receipts of a power cut;
- ``collectors``: calls and visits, money collected in the field, rounds handed over,
  today's dispatch and the collectors' targets;
- ``agents``: the agent outlets' terms and clerks, their collections, settlements,
  remittances and credit control;
- ``bank``: direct debit mandates, the bank's debit runs and their return files;
- ``online``: the online payment provider and the subscribers who pay through it;
- ``subscriber_portal``: payment notices at billing, the subscribers' portal logins;
- ``summary``: the figures printed at the end.
"""

from .agents import Agents
from .bank import BankDebit
from .cash_office import CashOffice
from .collectors import Collectors
from .company import CompanyAndPeople
from .history import History
from .online import OnlinePayments
from .subscriber_portal import SubscriberPortal
from .subscribers import SubscribersAndServices
from .summary import Summary


class DemoHistory(
    CompanyAndPeople,
    SubscribersAndServices,
    CashOffice,
    Collectors,
    Agents,
    BankDebit,
    OnlinePayments,
    SubscriberPortal,
    Summary,
    History,
):
    """The whole demo: ``History`` holds the state the parts share, each other part adds
    the steps of its concern; they call each other's steps through ``self``."""


def main(env):
    """Load the demo into the database of ``env`` (the one ``odoo shell`` gives), commit,
    then print the summary."""
    env = env(su=True, context=dict(env.context, lang="en_US", tz="Asia/Shanghai"))
    history = DemoHistory(env)
    history.load_records()
    history.localise()
    history.plan()
    history.plan_agents()
    history.plan_bank()
    history.plan_online()
    history.plan_subscriber_portal()
    history.play()
    history.deliver_sms()
    history.open_today()
    history.dispatch_today()
    history.set_targets()
    history.outage_backfill()
    history.write_off_bad_debt()
    preview = history.preview_today()
    env.cr.commit()
    history.summary(preview)
