"""A command writes a row whose foreign key names another feature's table (appointment.slot_id ->
slot.id) in a process that never imported that feature: the flush still knows every table."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import sys
from kouan.db.base import Base
from kouan.declarations import models  # the appointment table only, as the demo's path loads it
assert "kouan.appointments.models" not in sys.modules
from kouan.bootstrap import _know_every_table
_know_every_table(None, None, None)
assert "slot" in Base.metadata.tables
Base.metadata.sorted_tables  # every foreign key resolves
print("ok")
"""


def test_the_first_flush_of_a_process_loads_every_model():
    r = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120,
                       env={"PYTHONPATH": f"{ROOT / 'src'}", "PATH": "/usr/bin:/bin"})
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr
