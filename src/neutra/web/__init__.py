"""The web platform (DESIGN.md §4): the Django project and one app per area.

It owns state: models, migrations, services (the only code that writes),
selectors (the only code that reads for views), thin views and API endpoints.
Business rules live in `neutra.core`; it must never re-implement them here.
"""
