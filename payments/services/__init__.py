"""Every write of the payments app (``<entity>_<verb>`` services); the modules re-export here.

- :mod:`.ledger` — ``ledger_record``
"""

from .ledger import ledger_record

__all__ = ["ledger_record"]
