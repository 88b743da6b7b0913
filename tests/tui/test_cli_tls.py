"""HTTPS with an organisation's own certificate authority: ``fieldpad serve --ssl-certfile`` with
a certificate from a throwaway CA (trustme); the client trusts it only when given the CA with
``--ca-file`` (or the ``ca_file`` setting), and otherwise refuses with exit 4 and a sentence."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from tests.sync.server._support import ServerProcess
from tests.tui.test_cli_sync import _cli, admin


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[str, Path, Path]]:
    ca = trustme.CA(organization_name="Inspectorate test CA")
    cert = ca.issue_cert("127.0.0.1", "localhost")
    certfile, keyfile, cafile = (tmp_path / n for n in ("cert.pem", "key.pem", "ca.pem"))
    cert.private_key_and_cert_chain_pem.write_to_path(str(certfile))
    cert.private_key_pem.write_to_path(str(keyfile))
    ca.cert_pem.write_to_path(str(cafile))
    db = tmp_path / "server.db"
    admin(db, "user", "add", "lead")
    admin(db, "inspection", "add", "Northshire 2026", "--lead", "lead")
    with ServerProcess(str(db), args=("--ssl-certfile", str(certfile),
                                      "--ssl-keyfile", str(keyfile))) as server:
        assert server.url.startswith("https://127.0.0.1:")
        yield server.url, db, cafile


def test_syncs_with_the_ca_given_and_refuses_without(
        tmp_path: Path, tls_server: tuple[str, Path, Path],
        monkeypatch: pytest.MonkeyPatch) -> None:
    url, db, cafile = tls_server
    laptop = _cli(tmp_path, "laptop")
    code = admin(db, "invite", "lead").strip().splitlines()[-1]
    # the system's trust store does not know the organisation's CA: refused, nothing sent
    r = laptop("enrol", url, code, code=4)
    assert "certificate this device does not trust" in r.stderr and "--ca-file" in r.stderr
    r = laptop("enrol", url, code, "--ca-file", str(cafile))  # the same code still works
    assert "Enrolled" in r.stdout
    assert laptop("config", "get", "ca_file").stdout.strip() == str(cafile)
    assert laptop("sync").stdout.startswith("synced")
    # without the CA again, sync refuses the same way
    laptop("config", "set", "ca_file", "")
    r = laptop("sync", code=4)
    assert "does not trust" in r.stderr
    assert "Traceback" not in r.stderr
    # the system's trust store is used when no CA file is set: OpenSSL's default paths, which
    # SSL_CERT_FILE stands in for here (an administrator would add the CA to the system store)
    monkeypatch.setenv("SSL_CERT_FILE", str(cafile))
    assert laptop("sync").stdout.startswith("synced")


def test_a_ca_file_that_is_not_a_certificate_is_refused(tmp_path: Path) -> None:
    laptop = _cli(tmp_path, "laptop")
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate")
    r = laptop("config", "set", "ca_file", str(junk), code=2)
    assert "no PEM certificate" in r.stderr
    r = laptop("config", "set", "ca_file", str(tmp_path / "missing.pem"), code=2)
    assert "cannot read" in r.stderr
