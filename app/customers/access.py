"""Who may see and change which customers: the data scope, visible categories and locks."""

from sqlalchemy import or_, select

from app.customers.models import Customer
from app.extensions import db
from app.permissions import scope_condition


def customer_scope(user) -> list:
    """WHERE conditions limiting customers to those `user` may see (empty list: everything)."""
    conditions = []
    scope = scope_condition(user, Customer.owner_id, Customer.created_by_id, module="customer", include_public=True)
    if scope is not None:
        conditions.append(scope)
    categories = user.visible_customer_categories
    if categories:
        conditions.append(Customer.category_id.in_(categories))
    return conditions


def visible_customers(user):
    return select(Customer).where(*customer_scope(user))


def visible_ids(user, ids) -> list[int]:
    wanted = {int(i) for i in ids}
    if not wanted:
        return []
    query = select(Customer.id).where(Customer.id.in_(wanted), *customer_scope(user))
    return list(db.session.scalars(query))


def editable_condition(user):
    """Customers locked by someone else stay as they are (superusers excepted)."""
    if user.is_superuser:
        return None
    return or_(Customer.locked_by_id.is_(None), Customer.locked_by_id == user.id)


def can_view(customer, user) -> bool:
    if customer is None or not user.has_permission("customer.view"):
        return False
    if user.is_superuser:
        return True
    query = select(Customer.id).where(Customer.id == customer.id, *customer_scope(user))
    return db.session.scalar(query) is not None


def locked_by_other(customer, user) -> bool:
    return customer.locked_by_id is not None and customer.locked_by_id != user.id and not user.is_superuser


def can_edit(customer, user) -> bool:
    return user.has_permission("customer.edit") and can_view(customer, user) and not locked_by_other(customer, user)


def can_delete(customer, user) -> bool:
    return user.has_permission("customer.delete") and can_view(customer, user) and not locked_by_other(customer, user)
