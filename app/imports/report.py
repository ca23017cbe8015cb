"""The downloadable list of rejected rows: row number, reason, then the row as it was uploaded."""

import os

from flask_babel import gettext as _
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from app.grid.export import safe_text


def safe_cell(value):
    """As uploaded, less what a worksheet cannot hold (control characters a CSV may carry)."""
    return safe_text(ILLEGAL_CHARACTERS_RE.sub("", value)) if isinstance(value, str) else value


class ErrorReport:
    def __init__(self, job_id: int, headers: list[str]):
        self.job_id, self.headers = job_id, headers
        self.rows: list[tuple] = []

    def add(self, number: int, cells: list, message: str) -> None:
        self.rows.append((number, message, list(cells)))

    def save(self, directory: str) -> str | None:
        if not self.rows:
            return None
        import openpyxl

        workbook = openpyxl.Workbook(write_only=True)
        sheet = workbook.create_sheet(_("未导入的行"))
        sheet.append([_("行号"), _("原因")] + [safe_cell(h) for h in self.headers])
        for number, message, cells in self.rows:
            sheet.append([number, safe_cell(message)] + [safe_cell(c) for c in cells])
        name = f"import-{self.job_id}-errors.xlsx"
        workbook.save(os.path.join(directory, name))
        return name
