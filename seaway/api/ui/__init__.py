"""The web UI: server-rendered pages (Jinja2 templates, a small stylesheet and script served
from this package, nothing fetched from elsewhere) over the same services, session cookie and
RBAC as the HTTP API. `seaway.api.ui.mount.mount` puts it into the API's app."""

# The API's app mounts the UI and the UI calls the API's routes: whichever is imported first,
# the API package is set up before the UI's modules need it.
import seaway.api.http  # noqa: F401
