"""
A local S3 stand-in: moto's server, speaking the real S3 protocol on 127.0.0.1.

It runs in a process of its own, so the application and the backup commands
reach it over HTTP exactly as they would a real object store.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlparse

import boto3

from hromada.core.storage import public_read_policy

ACCESS_KEY = "hromada-test-key"
SECRET_KEY = "hromada/test+secret"  # a "/" and a "+", as real secrets have
REGION = "eu-central-1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def moto_server() -> Iterator[str]:
    """Run moto's S3 server on a free port of 127.0.0.1; yield its address."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{endpoint}/", timeout=2).close()
                break
            except urllib.error.HTTPError:
                break  # it answers
            except (urllib.error.URLError, ConnectionError):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("moto's S3 server did not start") from None
                time.sleep(0.2)
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=10)


def client(endpoint: str):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )


def new_bucket(endpoint: str) -> str:
    """Create an empty bucket with the policy of docs/deploy.md; return its name."""
    name = f"hromada-{uuid.uuid4().hex[:12]}"
    s3 = client(endpoint)
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_policy(Bucket=name, Policy=public_read_policy(name))
    return name


def storage_url(endpoint: str, bucket: str) -> str:
    """Return the STORAGE_URL of a bucket of the stand-in (plain HTTP)."""
    host = urlparse(endpoint).netloc
    secret = SECRET_KEY.replace("/", "%2F").replace("+", "%2B")
    return f"s3://{ACCESS_KEY}:{secret}@{host}/{bucket}?region={REGION}&secure=0"


def keys(endpoint: str, bucket: str, prefix: str = "") -> dict[str, bytes]:
    """Return every object under a prefix with its bytes."""
    s3 = client(endpoint)
    found = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for entry in page.get("Contents", ()):
            body = s3.get_object(Bucket=bucket, Key=entry["Key"])["Body"].read()
            found[entry["Key"]] = body
    return found


def empty(endpoint: str, bucket: str) -> None:
    s3 = client(endpoint)
    for key in keys(endpoint, bucket):
        s3.delete_object(Bucket=bucket, Key=key)


def anonymous_get(url: str) -> tuple[int, bytes]:
    """Fetch an address as a browser without credentials would; return status and body."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as refused:
        return refused.code, b""
