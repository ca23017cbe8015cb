"""Fifty agents order the same product (stock 20) at the same moment on PostgreSQL: exactly twenty win.

Each thread has its own app context and its own database session, as separate web workers would;
the data is committed for real and removed afterwards."""

import threading

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import scoped_session, sessionmaker

from app.errors import ValidationError
from app.extensions import db
from tests.conftest import is_postgres

THREADS = 50
STOCK = 20


@pytest.fixture
def committed_session(app):
    """Swap the test's rolled-back session for real, thread-local sessions on the engine."""
    if not is_postgres(app):
        pytest.skip("row locks and truly parallel writers need PostgreSQL (ZUOXI_TEST_DATABASE_URL)")
    rolled_back = db.session
    db.session = scoped_session(sessionmaker(bind=db.engine))
    yield db.session
    db.session.remove()
    db.session = rolled_back


def _arrange():
    from app.auth.models import User
    from app.customers.models import Customer
    from app.products.models import Product

    seller = User(username="race_seller", display_name="抢单坐席", is_superuser=True, password_hash="!")
    customer = Customer(name="并发客户")
    product = Product(code="RACE-1", name="限量礼盒", stock=STOCK, sale_price=88)
    db.session.add_all([seller, customer, product])
    db.session.commit()
    return seller.id, customer.id, product.id


def _clean_up(seller_id, customer_id, product_id):
    from app.audit.models import AuditLog
    from app.auth.models import User
    from app.customers.models import Customer
    from app.orders.models import Order
    from app.products.models import Product, StockMovement

    db.session.rollback()
    db.session.execute(delete(Order).where(Order.customer_id == customer_id))
    db.session.execute(delete(StockMovement).where(StockMovement.product_id == product_id))
    db.session.execute(delete(Product).where(Product.id == product_id))
    db.session.execute(delete(Customer).where(Customer.id == customer_id))
    db.session.execute(delete(AuditLog).where(AuditLog.user_id == seller_id))
    db.session.execute(delete(AuditLog).where(AuditLog.entity.in_(("product", "customer", "sales_order"))))
    db.session.execute(delete(User).where(User.id == seller_id))
    db.session.commit()


@pytest.mark.postgres_only
def test_fifty_parallel_orders_for_twenty_units(app, committed_session):
    from app.auth.models import User
    from app.orders.models import Order
    from app.orders.services import create_order
    from app.products.models import Product

    seller_id, customer_id, product_id = _arrange()
    start = threading.Barrier(THREADS)
    results: list = []
    lock = threading.Lock()

    def place_order():
        with app.app_context():
            outcome = None
            try:
                start.wait(timeout=30)  # no connection is taken before: the pool is smaller than the crowd
                seller = db.session.get(User, seller_id)
                order = create_order(
                    {
                        "customer_id": str(customer_id),
                        "seller_id": str(seller_id),
                        "order_date": "2026-03-07",
                        "lines": [{"product_id": str(product_id), "quantity": "1"}],
                    },
                    seller,
                )
                db.session.commit()
                outcome = ("ok", order.number)
            except ValidationError as error:
                db.session.rollback()
                outcome = ("refused", error.message)
            except Exception as error:  # noqa: BLE001 - reported below as a failure of the test
                db.session.rollback()
                outcome = ("error", repr(error))
            finally:
                db.session.remove()
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=place_order) for _ in range(THREADS)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        won = [detail for kind, detail in results if kind == "ok"]
        refused = [detail for kind, detail in results if kind == "refused"]
        errors = [detail for kind, detail in results if kind == "error"]
        assert errors == []
        assert len(won) == STOCK and len(set(won)) == STOCK  # every winner has its own order number
        assert len(refused) == THREADS - STOCK
        assert all("库存不足" in message and "限量礼盒" in message for message in refused)
        db.session.expire_all()
        assert db.session.get(Product, product_id).stock == 0
        orders = db.session.scalars(select(Order).where(Order.customer_id == customer_id)).all()
        assert len(orders) == STOCK
    finally:
        _clean_up(seller_id, customer_id, product_id)
