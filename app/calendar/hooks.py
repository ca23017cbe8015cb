"""The hook the SMS module plugs its holiday greetings into.

On a greeting day (a festival such as 春节 or 中秋, or a company day marked for greeting) the scheduler
calls every function in `on_holiday` exactly once across all workers, inside the job's transaction:

    from app.calendar.hooks import holiday_greeting_hook

    @holiday_greeting_hook
    def queue_greetings(holiday, customers):
        # holiday: app.calendar.services.Holiday (day, name, kind, greet)
        # customers: a SQLAlchemy SELECT of Customer rows (every customer); narrow it as needed
        ...

A hook should only queue work (scheduled SMS rows, jobs) and flush; the job commits. A hook that
raises is logged and skipped, so one broken plug-in never stops the others or the reminders.
"""

import logging

log = logging.getLogger(__name__)
on_holiday: list = []


def holiday_greeting_hook(func):
    """Register `func(holiday, customers)`; usable as a decorator. Registering twice adds it once."""
    if func not in on_holiday:
        on_holiday.append(func)
    return func


def run_holiday_hooks(holiday, customers) -> int:
    """Call each hook in a savepoint; returns how many succeeded."""
    from app.extensions import db

    done = 0
    for hook in list(on_holiday):
        try:
            with db.session.begin_nested():
                hook(holiday, customers)
            done += 1
        except Exception:
            log.exception("holiday hook %r failed for %s", hook, holiday.name)
    return done
