from sqlalchemy import JSON
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class GridPreference(db.Model):
    """A user's column choice, order and widths for one grid."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(db.ForeignKey("user.id", ondelete="CASCADE"))
    grid_id: Mapped[str] = mapped_column(db.String(64))
    # [{"key": "name", "width": 120, "visible": true}, ...] in display order. Keys absent from the
    # list are columns added since the user chose, shown by their default.
    columns: Mapped[list] = mapped_column(JSON, default=list)

    __table_args__ = (db.UniqueConstraint("user_id", "grid_id", name="uq_grid_preference_user_grid"),)

    def __repr__(self):
        return f"<GridPreference {self.user_id} {self.grid_id}>"
