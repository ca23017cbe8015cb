"""Files attached to an order (contract, order form): the shared upload rules, stored under
UPLOAD_DIR/orders with random names, served only to users who may see the order."""

from app.orders.models import OrderFile
from app.uploads import Attachments

ORDER_FILES = Attachments("orders", OrderFile, "order")
save_upload = ORDER_FILES.save
delete_file = ORDER_FILES.delete
remove_stored = ORDER_FILES.remove
