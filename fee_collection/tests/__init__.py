from . import test_id_number
from . import test_subscriber
from . import test_subscription_state
from . import test_billing
from . import test_access
from . import test_dunning
