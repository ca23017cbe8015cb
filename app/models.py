"""Every model module, imported once so the metadata (and migrations) see all tables."""

from app.audit import models as audit_models  # noqa: F401
from app.auth import models as auth_models  # noqa: F401
from app.calendar import models as calendar_models  # noqa: F401
from app.customers import models as customer_models  # noqa: F401
from app.faq import models as faq_models  # noqa: F401
from app.fields import models as field_models  # noqa: F401
from app.grid import models as grid_models  # noqa: F401
from app.jobs import models as job_models  # noqa: F401
from app.memos import models as memo_models  # noqa: F401
from app.orders import models as order_models  # noqa: F401
from app.products import models as product_models  # noqa: F401
from app.reminders import models as reminder_models  # noqa: F401
from app.staff import models as staff_models  # noqa: F401
from app.telephony import models_agent as telephony_agent_models  # noqa: F401
from app.telephony import models_calls as telephony_call_models  # noqa: F401
from app.telephony import models_config as telephony_config_models  # noqa: F401
from app.telephony import models_phone as telephony_phone_models  # noqa: F401
from app.tickets import models as ticket_models  # noqa: F401
