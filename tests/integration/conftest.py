"""Integration fixtures: customers made through the real service, as a user would make them."""

import pytest
from sqlalchemy import select

from app.extensions import db


@pytest.fixture
def make_customer():
    from app.customers.services import create_customer

    def factory(name="测试客户", user=None, phones=(), commit=True, **fields):
        data = {"name": name, **fields}
        data["phones"] = [p if isinstance(p, dict) else {"number": p} for p in phones]
        customer = create_customer(data, user)
        if commit:
            db.session.commit()
        return customer

    return factory


@pytest.fixture
def param_id():
    """The id of a seeded parameter item: param_id("customer_category", "意向客户")."""
    from app.fields.models import ParamItem

    def lookup(kind, label):
        return db.session.scalar(select(ParamItem.id).where(ParamItem.kind == kind, ParamItem.label == label))

    return lookup
