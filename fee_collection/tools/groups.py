"""The add-on's security groups by XML id, named once for every check in the code."""

COLLECTOR = "fee_collection.group_fee_collector"
CASHIER = "fee_collection.group_fee_cashier"
ACCOUNTANT = "fee_collection.group_fee_accountant"
MANAGER = "fee_collection.group_fee_manager"
AGENT_STAFF = "fee_collection.group_fee_agent"
