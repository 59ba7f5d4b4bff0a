"""Notifications: controller, rollout, promotion and gate events turned into messages (a JSON
webhook or a Slack-compatible `{"text": ...}`) from templates, sent in the background.

`events` holds the event and the in-process hub every part publishes to (`emit`), `triggers`
the pure rules that turn an app's status change into triggers, `config` and `render` the
user's YAML and its templates (pure), and `sender` the one adapter that does I/O.
"""

from seaway.notify.events import Event, Hub, Trigger, default_hub, emit

__all__ = ["Event", "Hub", "Trigger", "default_hub", "emit"]
