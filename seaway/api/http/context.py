"""What the API's routes work on: one controller, its apps, access control and events."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from seaway.api.auth import Access, Enforcer
from seaway.api.webhook.secrets import WebhookSecrets
from seaway.controller.loop import Controller
from seaway.controller.promotion import PromotionLoop
from seaway.controller.rollout_ops import RolloutTarget
from seaway.controller.stored import AppStore
from seaway.notify.events import Hub


@dataclass
class ApiContext:
    access: Access
    controller: Controller
    hub: Hub
    enforcer: Enforcer = field(default_factory=Enforcer)
    webhooks: WebhookSecrets = field(default_factory=WebhookSecrets)
    # Set when the server stops, so open event streams end instead of holding it up.
    closing: asyncio.Event = field(default_factory=asyncio.Event)
    # Where the app's Rollouts are steered; None leaves the rollout routes answering 404.
    rollouts: RolloutTarget | None = None
    # The session cookie gets `Secure` when the server is reached over https.
    secure_cookie: bool = False
    # The stage pipelines the controller promotes through; None: the UI shows no pipeline.
    promotions: PromotionLoop | None = None

    @property
    def apps(self) -> AppStore:
        return self.controller.apps
