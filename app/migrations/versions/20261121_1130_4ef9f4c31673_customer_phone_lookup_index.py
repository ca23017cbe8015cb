"""customer phone lookup index with customer id

The index on customer_phone.normalized now carries customer_id too, so finding the customer of a
ringing number is an index-only scan: no row of customer_phone is read, only the customer's.

Revision ID: 4ef9f4c31673
Revises: 38182f34b9de
Create Date: 2026-11-21 11:30:23.293305

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '4ef9f4c31673'
down_revision = '38182f34b9de'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_customer_phone_normalized_customer', 'customer_phone', ['normalized', 'customer_id'])
    op.drop_index('ix_customer_phone_normalized', table_name='customer_phone')


def downgrade():
    op.create_index('ix_customer_phone_normalized', 'customer_phone', ['normalized'])
    op.drop_index('ix_customer_phone_normalized_customer', table_name='customer_phone')
