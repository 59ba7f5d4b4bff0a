"""Access to one Seaway: the admin account and its generated password, logins, sessions, API
tokens, authorization and the audit trail, over the store in a data directory.

This is what the HTTP API stands on, and what `seaway admin` drives directly on the server's
data directory. Every change it makes is written to the audit log.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from seaway.api.auth.audit import AuditLog, Outcome
from seaway.api.auth.initial import PlaintextFile, PlaintextKeeper
from seaway.api.auth.passwords import (
    burn_verification_time,
    check_password_policy,
    generate_password,
    hash_password,
    verify_password,
)
from seaway.api.auth.ratelimit import LoginLimiter
from seaway.api.auth.rbac import Decision, Enforcer
from seaway.api.auth.roles import ADMIN_USER
from seaway.api.auth.sessions import (
    DEFAULT_SESSION_SECONDS,
    Clock,
    SessionError,
    SessionSigner,
)
from seaway.api.auth.store import AuthStore, InitialPassword
from seaway.api.auth.tokens import (
    TOKEN_PREFIX,
    ApiToken,
    NewToken,
    Scope,
    TokenRequest,
    scope_allows,
)

STORE_FILE = "access.db"
INITIAL_PASSWORD_FILE = "initial-admin-password"  # noqa: S105 (a file name)


class AuthenticationError(Exception):
    """A credential that does not let its bearer in; the message says why, never the secret."""


@dataclass(frozen=True)
class Principal:
    """Who a request acts as. `scopes` is None for a logged-in user, whose rights are all their
    RBAC grants; an API token acts as its creator, narrowed to its scopes."""

    subject: str
    groups: tuple[str, ...] = ()
    scopes: tuple[Scope, ...] | None = None
    token_name: str | None = None


@dataclass(frozen=True)
class InitialPasswordStatus:
    state: InitialPassword
    password: str | None = field(default=None, repr=False)
    location: str = PlaintextFile.location

    def describe(self) -> str:
        if self.state is InitialPassword.AVAILABLE and self.password is None:
            return (
                f"the generated admin password is no longer {self.location}; "
                "make a new one with `seaway admin reset-password`"
            )
        return {
            InitialPassword.AVAILABLE: "the generated admin password is available",
            InitialPassword.CHANGED: "the admin password was changed; the generated one is gone",
            InitialPassword.FORGOTTEN: "the generated admin password was shown and forgotten",
            InitialPassword.NONE: "the admin password was chosen, not generated",
        }[self.state]


@dataclass(frozen=True)
class LoginResult:
    ok: bool
    session: str | None = field(default=None, repr=False)
    retry_after: float = 0.0
    reason: str = ""


class Access:
    """`plaintext` is where the generated password waits for the admin: by default a file in
    `data_dir`; `seaway server --backend kubernetes` passes a Secret."""

    def __init__(
        self,
        data_dir: Path,
        clock: Clock = time.time,
        limiter: LoginLimiter | None = None,
        plaintext: PlaintextKeeper | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.store = AuthStore(data_dir / STORE_FILE, clock)
        self.audit = AuditLog(self.store)
        self.limiter = limiter or LoginLimiter(clock=clock)
        self.sessions = SessionSigner(self.store.session_key(), clock)
        self._initial = plaintext or PlaintextFile(data_dir / INITIAL_PASSWORD_FILE)
        self._clock = clock
        self._bootstrap()

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Access:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _bootstrap(self) -> None:
        # The user row first, the file only if this process made the user: when two processes
        # start at once, the loser must not overwrite the winner's plaintext with its own.
        if self.store.user(ADMIN_USER) is not None:
            return
        password = generate_password()
        if self.store.create_user(ADMIN_USER, password, InitialPassword.AVAILABLE):
            try:
                self._initial.write(password)
            except BaseException:
                # Nobody can learn a password that was never kept, so the admin must not
                # exist with it: the next start generates one again.
                self.store.remove_user(ADMIN_USER)
                raise
            self.audit.record("seaway", "admin.create", ADMIN_USER, Outcome.SUCCESS)

    # -- the admin password ------------------------------------------------------------------

    def initial_password(self) -> InitialPasswordStatus:
        admin = self.store.user(ADMIN_USER)
        if admin is None:  # removed from the store by hand: start again
            self._bootstrap()
            return self.initial_password()
        where = self._initial.location
        if admin.initial_password is not InitialPassword.AVAILABLE:
            self._initial.remove()
            return InitialPasswordStatus(admin.initial_password, location=where)
        password = self._initial.read()
        if password is not None and not verify_password(admin.password_hash, password).ok:
            # The hash moved without the plaintext going (a crash between the two): what is
            # kept is no password of the admin's, so it goes.
            self._initial.remove()
            self.store.set_initial_state(ADMIN_USER, InitialPassword.CHANGED)
            return InitialPasswordStatus(InitialPassword.CHANGED, location=where)
        return InitialPasswordStatus(InitialPassword.AVAILABLE, password, where)

    @property
    def initial_location(self) -> str:
        """Where the generated password's plaintext is kept, for messages."""
        return self._initial.location

    def forget_initial_password(self, actor: str) -> bool:
        """Delete the plaintext; whether there was one."""
        removed = self._initial.remove()
        admin = self.store.user(ADMIN_USER)
        if admin is not None and admin.initial_password is InitialPassword.AVAILABLE:
            self.store.set_initial_state(ADMIN_USER, InitialPassword.FORGOTTEN)
        self.audit.record(actor, "admin.initial-password.forget", ADMIN_USER, Outcome.SUCCESS)
        return removed

    def reset_admin_password(self, actor: str) -> str:
        """A new generated admin password in one call; every admin session ends. Returned to
        be shown once, and kept as the initial password until changed or forgotten."""
        password = generate_password()
        # Kept before the hash moves: a place that cannot be written (a cluster out of reach)
        # then leaves the old password working, not one that nobody knows.
        self._initial.write(password)
        if self.store.user(ADMIN_USER) is None:
            self.store.create_user(ADMIN_USER, password, InitialPassword.AVAILABLE)
        else:
            self.store.set_password(ADMIN_USER, password, InitialPassword.AVAILABLE)
        self.audit.record(actor, "admin.reset-password", ADMIN_USER, Outcome.SUCCESS)
        return password

    def change_password(self, username: str, current: str, new: str, client: str = "") -> bool:
        """The user's own change; ends their sessions. False if `current` is wrong."""
        check_password_policy(new)
        user = self.store.user(username)
        if user is None or not verify_password(user.password_hash, current).ok:
            if user is None:
                burn_verification_time(current)
            self.audit.record(
                username, "user.change-password", username, Outcome.FAILURE, client=client
            )
            return False
        was_generated = user.initial_password in (
            InitialPassword.AVAILABLE,
            InitialPassword.FORGOTTEN,
        )
        state = InitialPassword.CHANGED if was_generated else InitialPassword.NONE
        self.store.set_password(username, new, state)
        if username == ADMIN_USER:
            self._initial.remove()
        self.audit.record(
            username, "user.change-password", username, Outcome.SUCCESS, client=client
        )
        return True

    # -- login and sessions ------------------------------------------------------------------

    def login(
        self,
        username: str,
        password: str,
        client: str,
        session_seconds: float = DEFAULT_SESSION_SECONDS,
    ) -> LoginResult:
        verdict = self.limiter.check(username, client)
        if not verdict.allowed:
            self.audit.record(
                username,
                "login",
                username,
                Outcome.DENIED,
                client=client,
                detail={"why": "rate limited"},
            )
            return LoginResult(False, retry_after=verdict.retry_after, reason="too many failures")
        user = self.store.user(username)
        if user is None:
            burn_verification_time(password)
            ok = False
        else:
            check = verify_password(user.password_hash, password)
            ok = check.ok
            if ok and check.needs_rehash:
                self.store.rehash(username, user.password_hash, hash_password(password))
        if user is None or not ok:
            self.limiter.failure(username, client)
            self.audit.record(username, "login", username, Outcome.FAILURE, client=client)
            return LoginResult(False, reason="wrong username or password")
        self.limiter.success(username, client)
        self.audit.record(username, "login", username, Outcome.SUCCESS, client=client)
        session = self.sessions.issue(username, user.session_generation, session_seconds)
        return LoginResult(True, session=session)

    def authenticate(self, bearer: str) -> Principal:
        """The principal of an `Authorization: Bearer` credential: an API token or a session."""
        if bearer.startswith(TOKEN_PREFIX):
            return self._token_principal(bearer)
        try:
            session = self.sessions.verify(bearer)
        except SessionError as exc:
            raise AuthenticationError(str(exc)) from None
        user = self.store.user(session.subject)
        if user is None or user.session_generation != session.generation:
            raise AuthenticationError("the session ended (password changed or user removed)")
        return Principal(session.subject)

    def _token_principal(self, secret: str) -> Principal:
        token = self.store.find_token(secret)
        if token is None:
            raise AuthenticationError("unknown API token")
        if token.revoked_at is not None:
            raise AuthenticationError(f"API token {token.name!r} was revoked")
        if token.expired(self._clock()):
            raise AuthenticationError(f"API token {token.name!r} has expired")
        return Principal(token.created_by, scopes=token.scopes, token_name=token.name)

    def authorize(
        self, principal: Principal, enforcer: Enforcer, resource: str, action: str, obj: str
    ) -> Decision:
        if (
            principal.scopes is not None
            and scope_allows(principal.scopes, resource, action) is None
        ):
            scopes = ", ".join(principal.scopes)
            return Decision(
                False,
                None,
                reason=f"API token {principal.token_name!r} has scopes {scopes}, "
                f"which do not cover {action} on {resource}",
            )
        return enforcer.enforce(principal.subject, principal.groups, resource, action, obj)

    # -- API tokens --------------------------------------------------------------------------

    def create_token(self, request: TokenRequest, created_by: str, client: str = "") -> NewToken:
        made = self.store.create_token(request, created_by)
        self.audit.record(
            created_by,
            "token.create",
            request.name,
            Outcome.SUCCESS,
            client=client,
            detail={"scopes": ",".join(request.scopes), "expires": request.expires},
        )
        return made

    def tokens(self, include_revoked: bool = False) -> list[ApiToken]:
        return self.store.tokens(include_revoked)

    def revoke_token(self, name: str, actor: str, client: str = "") -> ApiToken:
        revoked = self.store.revoke_token(name)
        self.audit.record(actor, "token.revoke", name, Outcome.SUCCESS, client=client)
        return revoked
