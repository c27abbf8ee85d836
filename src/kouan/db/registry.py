"""Imports every feature's tables so that ``Base.metadata`` is complete (Alembic, tests)."""

from kouan.appointments import models as _appointment_models  # noqa: F401
from kouan.audit import models as _audit_models  # noqa: F401
from kouan.clearance import models as _clearance_models  # noqa: F401
from kouan.consignments import models as _consignment_models  # noqa: F401
from kouan.db.base import Base
from kouan.declarations import models as _declaration_models  # noqa: F401
from kouan.desk import models as _desk_models  # noqa: F401
from kouan.events import models as _event_models  # noqa: F401
from kouan.fees import models as _fee_models  # noqa: F401
from kouan.inspection import models as _inspection_models  # noqa: F401
from kouan.insurance import models as _insurance_models  # noqa: F401
from kouan.jobs import models as _job_models  # noqa: F401
from kouan.partners import models as _partner_models  # noqa: F401
from kouan.ports import models as _port_models  # noqa: F401
from kouan.vessels import models as _vessel_models  # noqa: F401

metadata = Base.metadata
