"""Access control for Seaway's API: who you are (admin password, sessions, API tokens), what you
may do (RBAC in Argo CD's policy.csv form, token scopes), how often you may guess (login rate
limit), and what was done (the audit log).

Pure cores (`passwords`, `tokens`, `sessions`, `rbac`, `ratelimit`) take their inputs and a
clock; `store`, `audit`, `initial` and `access` are the edge that keeps state in a data
directory. No secret is ever in a repr, a log line or an exception message.
"""

from seaway.api.auth.access import (
    INITIAL_PASSWORD_FILE,
    STORE_FILE,
    Access,
    AuthenticationError,
    InitialPasswordStatus,
    LoginResult,
    Principal,
)
from seaway.api.auth.audit import AuditEntry, AuditLog, Outcome
from seaway.api.auth.passwords import (
    PasswordCheck,
    PasswordPolicyError,
    generate_password,
    hash_password,
    verify_password,
)
from seaway.api.auth.ratelimit import LimitPolicy, LoginLimiter, Verdict
from seaway.api.auth.rbac import (
    ACTIONS,
    RESOURCES,
    Decision,
    Effect,
    Enforcer,
    Grant,
    Policy,
    PolicyError,
    Problem,
    Rule,
    parse_policy,
)
from seaway.api.auth.roles import ADMIN_USER, DEPLOYER
from seaway.api.auth.sessions import Session, SessionError, SessionSigner
from seaway.api.auth.store import AuthStore, InitialPassword, TokenError, User
from seaway.api.auth.tokens import (
    ApiToken,
    NewToken,
    Scope,
    TokenRequest,
    parse_expiry,
    scope_allows,
)

__all__ = [
    "ACTIONS",
    "ADMIN_USER",
    "DEPLOYER",
    "INITIAL_PASSWORD_FILE",
    "RESOURCES",
    "STORE_FILE",
    "Access",
    "ApiToken",
    "AuditEntry",
    "AuditLog",
    "AuthStore",
    "AuthenticationError",
    "Decision",
    "Effect",
    "Enforcer",
    "Grant",
    "InitialPassword",
    "InitialPasswordStatus",
    "LimitPolicy",
    "LoginLimiter",
    "LoginResult",
    "NewToken",
    "Outcome",
    "PasswordCheck",
    "PasswordPolicyError",
    "Policy",
    "PolicyError",
    "Principal",
    "Problem",
    "Rule",
    "Scope",
    "Session",
    "SessionError",
    "SessionSigner",
    "TokenError",
    "TokenRequest",
    "User",
    "Verdict",
    "generate_password",
    "hash_password",
    "parse_expiry",
    "parse_policy",
    "scope_allows",
    "verify_password",
]
