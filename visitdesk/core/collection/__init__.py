"""The collection cycle after the visit: commitments and payments (``commitments``), contact
attempts on every channel and their rules (``contacts``), what to do today (``worklist``,
``dayplan``) and the SMS and e-mail texts the brief promises (``messages``).

Pure domain code like the rest of ``core``: the store (``adapters/collection_store.py``), the
payments import (``adapters/spreadsheet/payments.py``), the CLI (``cli/collection.py``) and the
window drive it.
"""
