"""Everything with widgets (Qt)."""

from visitdesk.ui import _pyside_fix

_pyside_fix.apply()  # before any Qt signal is emitted; see the module for the PySide6 bug
