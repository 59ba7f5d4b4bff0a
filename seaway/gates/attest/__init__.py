"""Signed attestations (in-toto statements in DSSE envelopes) and binary authorization.

CI signs what it proved about an image (tests passed, the scan, a person's approval); before an
image enters a stage, `verify` checks those signatures offline with the public keys the stage's
policy trusts. Everything but files.py (files) and oci.py (an OCI registry) is pure.
"""

from seaway.gates.attest.dsse import IN_TOTO_PAYLOAD_TYPE, Envelope, Signature, pae, parse_envelope
from seaway.gates.attest.dsse import sign as sign_envelope
from seaway.gates.attest.errors import AttestError
from seaway.gates.attest.files import (
    AttestationStore,
    read_attestation,
    read_policy,
    read_private_key,
    write_atomically,
    write_key_pair,
)
from seaway.gates.attest.keys import (
    Algorithm,
    SigningKey,
    VerifyingKey,
    generate_key,
    key_id,
    load_private_key,
    load_public_key,
)
from seaway.gates.attest.oci import RegistryAttestations, attestation_tag, registry_reference
from seaway.gates.attest.policy import Policy, Rule, StagePolicy, TrustedKey, parse_policy
from seaway.gates.attest.predicates import (
    APPROVAL_TYPE,
    PREDICATE_MODELS,
    TEST_RESULT_TYPE,
    VULNS_TYPE,
    Approval,
    PredicateKind,
    TestResult,
    Vulns,
    scan_predicate,
)
from seaway.gates.attest.statement import (
    STATEMENT_TYPE,
    ImageRef,
    Statement,
    parse_image_ref,
    parse_statement,
    statement_for,
)
from seaway.gates.attest.verify import Attestation, Verdict, verify

__all__ = [
    "APPROVAL_TYPE",
    "IN_TOTO_PAYLOAD_TYPE",
    "PREDICATE_MODELS",
    "STATEMENT_TYPE",
    "TEST_RESULT_TYPE",
    "VULNS_TYPE",
    "Algorithm",
    "Approval",
    "AttestError",
    "Attestation",
    "AttestationStore",
    "Envelope",
    "ImageRef",
    "Policy",
    "PredicateKind",
    "RegistryAttestations",
    "Rule",
    "Signature",
    "SigningKey",
    "StagePolicy",
    "Statement",
    "TestResult",
    "TrustedKey",
    "Verdict",
    "VerifyingKey",
    "Vulns",
    "attestation_tag",
    "generate_key",
    "key_id",
    "load_private_key",
    "load_public_key",
    "pae",
    "parse_envelope",
    "parse_image_ref",
    "parse_policy",
    "parse_statement",
    "read_attestation",
    "read_policy",
    "read_private_key",
    "registry_reference",
    "scan_predicate",
    "sign_envelope",
    "statement_for",
    "verify",
    "write_atomically",
    "write_key_pair",
]
