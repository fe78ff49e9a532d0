"""Everything with widgets (Qt)."""
