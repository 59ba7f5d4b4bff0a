"""Reading syncOptions ("Key=Value") into typed settings."""

from __future__ import annotations

import pytest

from seaway.model import (
    DeletePolicy,
    PropagationPolicy,
    SyncOptionError,
    SyncOptions,
    parse_sync_options,
)


def test_defaults_are_argo_cds() -> None:
    options = parse_sync_options([])
    assert options == SyncOptions()
    assert options.validate is True
    assert options.create_namespace is False
    assert options.client_side_apply_migration is True
    assert options.prune is DeletePolicy.ALLOWED
    assert options.prune_propagation_policy is PropagationPolicy.FOREGROUND


def test_every_known_option() -> None:
    options = parse_sync_options(
        [
            "CreateNamespace=true",
            "PruneLast=true",
            "ServerSideApply=true",
            "ApplyOutOfSyncOnly=true",
            "Validate=false",
            "Replace=true",
            "Force=true",
            "SkipDryRunOnMissingResource=true",
            "FailOnSharedResource=true",
            "RespectIgnoreDifferences=true",
            "ClientSideApplyMigration=false",
            "Prune=confirm",
            "Delete=false",
            "PrunePropagationPolicy=orphan",
        ]
    )
    assert options == SyncOptions(
        create_namespace=True,
        prune_last=True,
        server_side_apply=True,
        apply_out_of_sync_only=True,
        validate=False,
        replace=True,
        force=True,
        skip_dry_run_on_missing_resource=True,
        fail_on_shared_resource=True,
        respect_ignore_differences=True,
        client_side_apply_migration=False,
        prune=DeletePolicy.CONFIRM,
        delete=DeletePolicy.DISABLED,
        prune_propagation_policy=PropagationPolicy.ORPHAN,
    )


def test_later_entries_win_and_spaces_are_trimmed() -> None:
    options = parse_sync_options(["CreateNamespace=true", " CreateNamespace = false "])
    assert options.create_namespace is False


def test_unknown_keys_are_kept_not_dropped() -> None:
    options = parse_sync_options(["CreateNamespace=true", "Futuristic=yes", "createnamespace=true"])
    assert options.create_namespace is True
    assert options.unknown == ("Futuristic=yes", "createnamespace=true")


@pytest.mark.parametrize(
    ("option", "index", "message"),
    [
        ("Validate", 1, "'Validate' is not of the form Key=Value"),
        ("=true", 1, "'=true' is not of the form Key=Value"),
        ("ServerSideApply=yes", 1, "ServerSideApply must be true or false, not 'yes'"),
        ("Delete=never", 1, "Delete must be true, false or confirm, not 'never'"),
    ],
)
def test_bad_entries(option: str, index: int, message: str) -> None:
    with pytest.raises(SyncOptionError) as caught:
        parse_sync_options(["PruneLast=true", option])
    assert caught.value.index == index
    assert caught.value.message == message
