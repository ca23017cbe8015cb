"""Which records can carry custom fields. Later features register theirs (FAQ, orders, tickets)."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app.customers.models import Customer, FollowUp


@dataclass(frozen=True)
class FieldEntity:
    key: str
    label: object
    model: type
    column: str = "extra"  # the JSON column holding the values, keyed by CustomField.key

    @property
    def table(self) -> str:
        return self.model.__table__.name

    @property
    def extra_column(self):
        return getattr(self.model, self.column)


FIELD_ENTITIES: dict[str, FieldEntity] = {}


def register_field_entity(key: str, label, model, column: str = "extra") -> FieldEntity:
    entity = FieldEntity(key, label, model, column)
    FIELD_ENTITIES[key] = entity
    return entity


register_field_entity("customer", _l("客户资料"), Customer)
register_field_entity("followup", _l("来往记录"), FollowUp)
