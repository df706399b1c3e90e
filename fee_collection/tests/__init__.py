from . import (
    test_access,
    test_billing,
    test_collection_order,
    test_counter,
    test_dunning,
    test_field_access,
    test_id_number,
    test_performance,
    test_receipt_import,
    test_refund,
    test_subscriber,
    test_subscription_state,
)
