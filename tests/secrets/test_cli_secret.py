"""`seaway secret`: the commands, their exit codes, and that no output ever shows a secret."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import traceback
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner, Result

from seaway.cli.main import app
from seaway.secrets import (
    NAMESPACE_WIDE_ANNOTATION,
    KeyStore,
    SecretsError,
    UnsealError,
    sealed_scope,
    unseal,
)
from tests.secrets.conftest import PLAINTEXT, secret_manifest

runner = CliRunner()
ENV = {"COLUMNS": "200", "NO_COLOR": "1"}
SEAWAY = Path(sys.executable).with_name("seaway")
BITS = ["--bits", "2048"]


def _invoke(args: list[str], stdin: str | None = None) -> Result:
    return runner.invoke(app, ["secret", *args], input=stdin, env=ENV)


def _secret_yaml(**kwargs: Any) -> str:
    return yaml.safe_dump(secret_manifest(**kwargs))


def _keys(directory: Path) -> KeyStore:
    return KeyStore(directory)


def test_keygen_cert_seal_and_the_controller_opens_it(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    made = _invoke(["keygen", "--dir", str(keys), *BITS])
    assert made.exit_code == 0, made.output
    assert "Generated sealed-secrets-key-0001 (SHA256:" in made.stdout
    assert "(mode 0600)" in made.stdout

    cert = _invoke(["cert", "--dir", str(keys)])
    assert cert.exit_code == 0
    assert cert.stdout.startswith("-----BEGIN CERTIFICATE-----")
    cert_path = tmp_path / "cert.pem"
    cert_path.write_text(cert.stdout)

    sealed = _invoke(["seal", "--cert", str(cert_path)], _secret_yaml())
    assert sealed.exit_code == 0, sealed.output
    documents = list(yaml.safe_load_all(sealed.stdout))
    assert len(documents) == 1
    assert documents[0]["kind"] == "SealedSecret"
    secret = unseal(documents[0], _keys(keys).sealing_keys())
    assert base64.b64decode(secret["data"]["password"]).decode() == PLAINTEXT


def test_seal_scope_flag_and_several_documents(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    _invoke(["keygen", "--dir", str(keys), *BITS])
    cert_path = tmp_path / "cert.pem"
    cert_path.write_text(_invoke(["cert", "--dir", str(keys)]).stdout)
    two = _secret_yaml(name="one") + "---\n" + _secret_yaml(name="two")
    result = _invoke(["seal", "--cert", str(cert_path), "--scope", "namespace-wide"], two)
    assert result.exit_code == 0, result.output
    documents = list(yaml.safe_load_all(result.stdout))
    assert [d["metadata"]["name"] for d in documents] == ["one", "two"]
    assert all(
        d["metadata"]["annotations"] == {NAMESPACE_WIDE_ANNOTATION: "true"} for d in documents
    )
    assert all(sealed_scope(d).value == "namespace-wide" for d in documents)


def test_rotate_and_reseal(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    _invoke(["keygen", "--dir", str(keys), *BITS])
    cert_path = tmp_path / "cert.pem"
    cert_path.write_text(_invoke(["cert", "--dir", str(keys)]).stdout)
    sealed = _invoke(["seal", "--cert", str(cert_path)], _secret_yaml()).stdout

    rotated = _invoke(["rotate", "--dir", str(keys), *BITS])
    assert rotated.exit_code == 0, rotated.output
    assert "Rotated: new active key sealed-secrets-key-0002" in rotated.stdout
    new_cert = _invoke(["cert", "--dir", str(keys)]).stdout
    assert new_cert != cert_path.read_text()

    resealed = _invoke(["reseal", "--dir", str(keys)], sealed)
    assert resealed.exit_code == 0, resealed.output
    document = yaml.safe_load(resealed.stdout)
    store = _keys(keys).list_keys()
    new_key, old_key = store[0].key, store[1].key
    assert base64.b64decode(unseal(document, [new_key])["data"]["password"]).decode() == PLAINTEXT
    try:
        unseal(document, [old_key])
        raise AssertionError("the old key still opens a resealed secret")
    except UnsealError:
        pass
    # The old secret still opens with the store's keys.
    assert unseal(yaml.safe_load(sealed), [k.key for k in store])["data"]


def test_exit_codes_for_what_cannot_be_done(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    assert _invoke(["cert", "--dir", str(keys)]).exit_code == 1
    assert _invoke(["rotate", "--dir", str(keys), *BITS]).exit_code == 1
    _invoke(["keygen", "--dir", str(keys), *BITS])
    again = _invoke(["keygen", "--dir", str(keys), *BITS])
    assert again.exit_code == 1
    assert "already holds sealing keys" in again.stderr

    missing_cert = _invoke(["seal", "--cert", str(tmp_path / "nope.pem")], _secret_yaml())
    assert missing_cert.exit_code == 2
    assert "nope.pem: cannot read: No such file or directory" in missing_cert.stderr


def test_no_output_or_error_ever_shows_a_secret(tmp_path: Path) -> None:
    """Every command, good input and bad, through the CLI and the API: scan all text."""
    encoded = base64.b64encode(PLAINTEXT.encode()).decode()
    texts: list[str] = []

    def record(result: Result) -> Result:
        texts.extend([result.stdout, result.stderr])
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            texts.extend(traceback.format_exception(result.exception))
        return result

    keys = tmp_path / "keys"
    record(_invoke(["keygen", "--dir", str(keys), *BITS]))
    cert_path = tmp_path / "cert.pem"
    cert_path.write_text(record(_invoke(["cert", "--dir", str(keys)])).stdout)
    leaky = secret_manifest(
        annotations={"kubectl.kubernetes.io/last-applied-configuration": PLAINTEXT}
    )
    leaky["data"]["token"] = encoded
    sealed = record(_invoke(["seal", "--cert", str(cert_path)], yaml.safe_dump(leaky))).stdout
    assert sealed
    record(_invoke(["rotate", "--dir", str(keys), *BITS]))
    resealed = record(_invoke(["reseal", "--dir", str(keys)], sealed)).stdout
    assert resealed

    bad_inputs = [
        f'stringData: {{password: "{PLAINTEXT}\n',  # broken YAML around the value
        f"apiVersion: v1\nkind: Secret\nmetadata: {{name: x, namespace: y}}\n"
        f"data: {{password: {PLAINTEXT}}}\n",  # not base64
        f"apiVersion: v1\nkind: Secret\nmetadata: {{name: x}}\nstringData: {{p: {PLAINTEXT}}}\n",
        f"apiVersion: v1\nkind: Secret\nmetadata: {{name: x, namespace: y}}\n"
        f"stringData: {{p: [{PLAINTEXT}]}}\n",
        f"apiVersion: v1\nkind: ConfigMap\ndata: {{p: {PLAINTEXT}}}\n",
    ]
    for bad in bad_inputs:
        result = record(_invoke(["seal", "--cert", str(cert_path)], bad))
        assert result.exit_code == 2, result.output
    moved = yaml.safe_load(sealed)
    moved["metadata"]["namespace"] = "elsewhere"
    result = record(_invoke(["reseal", "--dir", str(keys)], yaml.safe_dump(moved)))
    assert result.exit_code == 1
    assert "no key opens it" in result.stderr

    # The API's errors, with their tracebacks.
    for attempt in (moved, {**moved, "spec": {"encryptedData": {"password": PLAINTEXT}}}):
        try:
            unseal(attempt, KeyStore(keys).sealing_keys())
        except SecretsError as exc:
            texts.extend([str(exc), repr(exc), *traceback.format_exception(exc)])
        else:
            raise AssertionError("unsealed what should not open")

    # The console script as a real process too.
    done = subprocess.run(
        [str(SEAWAY), "secret", "seal", "--cert", str(cert_path)],
        input=yaml.safe_dump(leaky),
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **ENV},
    )
    assert done.returncode == 0, done.stderr
    texts.extend([done.stdout, done.stderr])
    broken = subprocess.run(
        [str(SEAWAY), "secret", "seal", "--cert", str(cert_path)],
        input=bad_inputs[0],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **ENV},
    )
    assert broken.returncode == 2
    assert "not valid YAML at line" in broken.stderr
    texts.extend([broken.stdout, broken.stderr])

    everything = "\n".join(texts)
    assert everything.strip()
    assert PLAINTEXT not in everything
    assert encoded not in everything
