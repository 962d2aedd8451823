"""A real S3 API on loopback (moto in server mode) for tests of S3-backed stores.

Code under test talks HTTP to it exactly as to AWS or MinIO; the helpers here use boto3 directly
so a test can see (and tamper with) the bucket without going through the code it checks.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

REGION = "us-east-1"


@contextlib.contextmanager
def moto_s3_server() -> Iterator[str]:
    """Run moto's S3 server on 127.0.0.1 (a free port); yield its endpoint URL."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def s3_client(endpoint: str) -> Any:
    return boto3.client("s3", endpoint_url=endpoint, region_name=REGION)


def create_bucket(endpoint: str) -> str:
    """A new, empty bucket with a unique name."""
    name = f"mltrack-{uuid.uuid4().hex[:16]}"
    s3_client(endpoint).create_bucket(Bucket=name)
    return name


def bucket_objects(endpoint: str, bucket: str) -> dict[str, bytes]:
    """Every key in ``bucket`` with its content."""
    client = s3_client(endpoint)
    objects: dict[str, bytes] = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            body = client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
            objects[item["Key"]] = body
    return objects


def put_object(endpoint: str, bucket: str, key: str, data: bytes) -> None:
    s3_client(endpoint).put_object(Bucket=bucket, Key=key, Body=data)
