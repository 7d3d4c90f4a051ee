"""TLS to both services, against private instances that speak only TLS: a worker on `amqps://`
with `DEPLOYQ_AMQP_CA_FILE`, and the database with libpq's `sslmode=verify-full`."""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import aio_pika
import asyncpg
import pytest
import sqlalchemy as sa

from deployq.broker import Broker, TLSFiles
from deployq.storage.database import Database, create_engine, plain_dsn
from deployq.storage.migrate import upgrade
from tests.faults.instances import PostgresCluster, RabbitNode, Unavailable
from tests.faults.instances.common import free_port

pytestmark = pytest.mark.slow


def openssl(*arguments: str, cwd: Path) -> None:
    subprocess.run(["openssl", *arguments], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def certificates() -> Iterator[Path]:
    """A CA, and a server certificate it signed for localhost and 127.0.0.1, in a directory the
    servers' own users can read (pytest's temporary directories are private to root)."""
    if shutil.which("openssl") is None:
        pytest.skip("needs openssl to make certificates")
    where = Path(tempfile.mkdtemp(prefix="dqtls-"))
    where.chmod(0o755)
    days = ("-days", "2")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out",
            "ca.pem", *days, "-subj", "/CN=deployq test CA", cwd=where)  # fmt: skip
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out",
            "server.csr", "-subj", "/CN=localhost", cwd=where)  # fmt: skip
    (where / "names").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "server.pem", *days,
            "-extfile", "names", cwd=where)  # fmt: skip
    for name in ("ca.pem", "server.pem", "server.key"):
        (where / name).chmod(0o644)
    try:
        yield where
    finally:
        shutil.rmtree(where, ignore_errors=True)


def owned_copy(source: Path, owner: str, into: Path) -> Path:
    """A copy the server's own user can read (PostgreSQL insists on a private key file)."""
    target = into / source.name
    shutil.copy(source, target)
    shutil.chown(target, owner, owner)
    target.chmod(0o600)
    return target


async def test_the_database_over_verified_tls(certificates: Path) -> None:
    try:
        cluster = PostgresCluster()
    except Unavailable as why:
        pytest.skip(str(why))
    key = owned_copy(certificates / "server.key", "postgres", cluster.dir)
    cert = owned_copy(certificates / "server.pem", "postgres", cluster.dir)
    cluster.settings.update({"ssl": "on", "ssl_cert_file": str(cert), "ssl_key_file": str(key)})
    with cluster:
        root = certificates / "ca.pem"
        url = f"{cluster.url}?sslmode=verify-full&sslrootcert={root}"

        await asyncio.to_thread(upgrade, url)  # the migrations connect with the same settings
        db = Database(create_engine(url, pool_size=1))
        try:
            async with db.reading() as uow:
                statement = sa.text("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
                assert (await uow.connection.execute(statement)).scalar_one() is True
        finally:
            await db.dispose()
        relay_connection = await asyncpg.connect(plain_dsn(url))  # the relay's own connection
        try:
            assert await relay_connection.fetchval(
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
            )
        finally:
            await relay_connection.close()

        wrong = (
            f"{cluster.url}?sslmode=verify-full&sslrootcert={ssl.get_default_verify_paths().cafile}"
        )
        with pytest.raises(ssl.SSLCertVerificationError):
            await asyncpg.connect(plain_dsn(wrong))


async def test_the_broker_over_verified_tls(certificates: Path) -> None:
    tls_port = free_port()
    config = "\n".join(
        [
            "listeners.tcp = none",
            f"listeners.ssl.default = {tls_port}",
            f"ssl_options.cacertfile = {certificates / 'ca.pem'}",
            f"ssl_options.certfile = {certificates / 'server.pem'}",
            f"ssl_options.keyfile = {certificates / 'server.key'}",
            "loopback_users = none",
        ]
    )
    try:
        node = RabbitNode(config=config)
    except Unavailable as why:
        pytest.skip(str(why))
    with node:
        url = f"amqps://guest:guest@localhost:{tls_port}/"
        broker = Broker((url,), name="tls test", tls=TLSFiles(ca_file=str(certificates / "ca.pem")))
        link = await broker.connect(attempts=3)
        async with link:
            channel = await link.connection.channel()
            queue = await channel.declare_queue(exclusive=True)
            await channel.default_exchange.publish(aio_pika.Message(b"over tls"), queue.name)
            message = await queue.get(timeout=10)
            assert message.body == b"over tls"
        # Without the CA, the broker's certificate is not trusted.
        with pytest.raises(ConnectionError, match="CERTIFICATE_VERIFY_FAILED"):
            await Broker((url,), name="untrusting").connect(attempts=1)
