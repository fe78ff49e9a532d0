"""Spreadsheet adapter: reading bank exports (.xlsx/.xlsm/.csv) and writing report workbooks.

The public API (the import dialog and the CLI code against exactly this):
``inspect_workbook``, ``detect_mapping``, ``read_accounts``, ``import_file``,
``write_problems_workbook`` and the value types they return.
"""

from visitdesk.adapters.spreadsheet.importer import (
    MappingProposal,
    detect_mapping,
    import_file,
    inspect_workbook,
    read_accounts,
    write_problems_workbook,
)
from visitdesk.adapters.spreadsheet.reader import SheetInfo, WorkbookInfo
from visitdesk.core.errors import ImportCancelled, ImportRefused
from visitdesk.core.importing import ImportReport, ParseResult, Problem

__all__ = [
    "ImportCancelled", "ImportRefused", "ImportReport", "MappingProposal", "ParseResult",
    "Problem", "SheetInfo", "WorkbookInfo", "detect_mapping", "import_file",
    "inspect_workbook", "read_accounts", "write_problems_workbook",
]
