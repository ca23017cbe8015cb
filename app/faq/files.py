"""Files attached to FAQ entries: the shared upload rules, stored under UPLOAD_DIR/faq with random names."""

from app.faq.models import FaqFile
from app.uploads import Attachments

FAQ_FILES = Attachments("faq", FaqFile, "entry")
save_upload = FAQ_FILES.save
delete_file = FAQ_FILES.delete
remove_stored = FAQ_FILES.remove
