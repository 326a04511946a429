"""S3-compatible object storage (Amazon S3, Cloudflare R2, Backblaze B2, Wasabi, MinIO, SeaweedFS) through
boto3: the one module that talks to it, turning its errors into PublishError with the fix.

Credentials, retries and timeouts come from the standard AWS chain and botocore's configuration (the
environment, AWS_PROFILE and ~/.aws/config: `max_attempts`, `retry_mode`, `AWS_ENDPOINT_URL`), never from
show.toml. Each object carries its sha256 in its metadata (x-amz-meta-sha256).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import unicodedata
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from ..errors import LockedError, PublishError
from ..model.show import PublishSettings
from .target import LOCK, LOCK_STALE, Stored, Upload, lock_body, lock_holder

log = logging.getLogger(__name__)

BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
MULTIPART = 16 * 1024 * 1024  # larger files go in parts of this size, several at once
# A multipart upload this old under the prefix was left by a killed publish (a running one's are younger).
STALE_UPLOAD = dt.timedelta(hours=12)
CORS_RULE = {
    "ID": "certquests-players",
    "AllowedMethods": ["GET", "HEAD"],
    "AllowedOrigins": ["*"],
    "AllowedHeaders": ["*"],
    "ExposeHeaders": ["Content-Length", "Content-Range", "Content-Type", "ETag", "Accept-Ranges"],
    "MaxAgeSeconds": 3600,
}
DENIED = {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken"}
MISSING_BUCKET = {"NoSuchBucket", "404", "NotFound"}
MISSING_KEY = {"NoSuchKey", "404", "NotFound"}


def parse(url: str) -> tuple[str, str]:
    """s3://BUCKET/PREFIX -> (bucket, prefix without slashes at either end). A target that S3 would read
    otherwise than it is written is refused: a '#' or '?' (dropped from the key), an empty, '.' or '..'
    segment, a control character, or a name not in Unicode's composed form (NFC: another spelling of the
    same name would be another prefix that prints the same)."""
    parts = urlsplit(url)
    bucket, prefix = parts.netloc, parts.path.strip("/")
    if not BUCKET.match(bucket):
        raise PublishError(
            f"{url}: '{bucket}' is not a bucket name (3 to 63 lower-case letters, digits, dots and "
            "hyphens); write the target as s3://BUCKET/PREFIX"
        )
    wrong = None
    if "#" in url or "?" in url:
        wrong = "has a '#' or '?', which S3 would leave out of the prefix"
    elif prefix and any(segment in {"", ".", ".."} for segment in prefix.split("/")):
        wrong = "has an empty, '.' or '..' segment (like a//b or a/../b)"
    elif any(unicodedata.category(char) in {"Cc", "Cf"} for char in prefix):
        wrong = "has a control or invisible formatting character"
    elif unicodedata.normalize("NFC", prefix) != prefix:
        wrong = "is not in Unicode's composed form (NFC); type its accented letters as single characters"
    if wrong:
        raise PublishError(
            f"{url!a}: the prefix {wrong}; write the target as s3://BUCKET/PREFIX/WITH/SEGMENTS"
        )
    return bucket, prefix


def open_target(url: str, settings: PublishSettings) -> S3Target:
    # boto3 takes a third of a second to import: only a publish to object storage loads it.
    import boto3  # type: ignore[import-untyped]
    from botocore.config import Config  # type: ignore[import-untyped]

    bucket, prefix = parse(url)
    session = boto3.session.Session(region_name=settings.region)
    if session.get_credentials() is None:
        raise PublishError(
            f"{url}: no AWS credentials found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or "
            "AWS_PROFILE, or run `aws configure` (credentials never go in show.toml)"
        )
    config = Config(max_pool_connections=settings.concurrency * 2 + 2, user_agent_extra="certquests")
    client = session.client("s3", endpoint_url=settings.endpoint_url, config=config)
    return S3Target(url, bucket, prefix, client, settings.concurrency)


class S3Target:
    keeps_headers = True

    def __init__(self, url: str, bucket: str, prefix: str, client: Any, concurrency: int):
        from boto3.s3.transfer import TransferConfig  # type: ignore[import-untyped]

        self.url = url.rstrip("/")
        self.bucket = bucket
        self.prefix = f"{prefix}/" if prefix else ""
        self.client = client
        self.transfer = TransferConfig(
            multipart_threshold=MULTIPART,
            multipart_chunksize=MULTIPART,
            max_concurrency=max(1, min(4, concurrency)),
            preferred_transfer_client="classic",
        )

    @property
    def endpoint(self) -> str:
        return str(self.client.meta.endpoint_url)

    def _call(self, what: str, method: str, **arguments: Any) -> Any:
        """One request; botocore retries it as configured, then its error becomes ours."""
        try:
            return getattr(self.client, method)(**arguments)
        except Exception as exc:  # noqa: BLE001 - every botocore failure is turned into a PublishError below
            raise self._error(what, exc) from None

    def _error(self, what: str, exc: Exception) -> PublishError:
        boto = _botocore_errors()
        log.debug("%s: %r", what, exc)
        if isinstance(exc, boto.NoCredentialsError | boto.PartialCredentialsError):
            return PublishError(
                f"{what}: no usable AWS credentials ({exc}); set AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY, or AWS_PROFILE"
            )
        unreachable = boto.EndpointConnectionError | boto.ConnectTimeoutError | boto.ConnectionClosedError
        if isinstance(exc, unreachable):
            return PublishError(
                f"{what}: cannot reach {self.endpoint} ({exc}); check [publish] endpoint_url or "
                "AWS_ENDPOINT_URL, and the network; nothing was changed"
            )
        if isinstance(exc, boto.ReadTimeoutError):
            return PublishError(
                f"{what}: {self.endpoint} stopped answering ({exc}); run `certquests publish` again to finish"
            )
        if isinstance(exc, boto.ClientError):
            error = exc.response.get("Error", {})
            code = str(error.get("Code", ""))
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            message = error.get("Message") or code
            if code in DENIED or status == 403:
                return PublishError(
                    f"{what}: access denied by {self.endpoint} ({code}: {message}); check the credentials "
                    "the AWS chain found (AWS_PROFILE, AWS_ACCESS_KEY_ID, ~/.aws/credentials) and that they "
                    f"may list, read, write and delete in s3://{self.bucket}"
                )
            if code in ("PermanentRedirect", "AuthorizationHeaderMalformed", "301") or status == 301:
                return PublishError(
                    f"{what}: s3://{self.bucket} is in another region ({message}); set [publish] region "
                    "or AWS_REGION to the bucket's region"
                )
            return PublishError(f"{what}: {code or status}: {message}")
        if isinstance(exc, boto.BotoCoreError):
            return PublishError(f"{what}: {exc}")
        if type(exc).__name__ == "S3UploadFailedError":  # boto3's transfer wraps the request's error in text
            return PublishError(f"{what}: {exc}")
        raise exc

    def check(self) -> None:
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except Exception as exc:  # noqa: BLE001 - turned into a PublishError
            if _code(exc) in MISSING_BUCKET:
                raise PublishError(
                    f"{self.url}: the bucket '{self.bucket}' does not exist at {self.endpoint}; create it "
                    f"(`aws s3 mb s3://{self.bucket}`, adding --endpoint-url for an S3-compatible service) "
                    "or correct --to / [publish] to"
                ) from None
            raise self._error(self.url, exc) from None

    def lock(self, holder: str, token: str) -> None:
        where = self._where(LOCK)
        body = lock_body(holder, token)
        try:
            self.client.put_object(Bucket=self.bucket, Key=self.prefix + LOCK, Body=body, IfNoneMatch="*")
            return
        except Exception as exc:  # noqa: BLE001 - a lock held is an answer; the rest become PublishError
            if _code(exc) in {"NotImplemented", "501"}:  # a service without conditional writes
                log.warning(
                    "%s: the service cannot lock; do not publish to it from two places at once", self.url
                )
                return
            if _code(exc) not in {"PreconditionFailed", "412", "ConditionalRequestConflict", "409"}:
                raise self._error(f"taking the publish lock {where}", exc) from None
        try:
            head = self.client.get_object(Bucket=self.bucket, Key=self.prefix + LOCK)
            held = head["Body"].read()
        except Exception as exc:  # noqa: BLE001 - released meanwhile: try once more
            if _code(exc) in MISSING_KEY:
                return self.lock(holder, token)
            raise self._error(f"reading the publish lock {where}", exc) from None
        who, own, age = lock_holder(held, token, head.get("LastModified"))
        if not own and age < LOCK_STALE:
            raise LockedError(
                f"another publish to {self.url} is running ({who}); wait for it to finish. If none is, "
                f"delete {where} and publish again"
            )
        log.info("%s: taking over the publish lock of %s", self.url, who)
        self._call(
            f"taking the publish lock {where}",
            "put_object",
            Bucket=self.bucket,
            Key=self.prefix + LOCK,
            Body=body,
            IfMatch=head["ETag"],
        )

    def unlock(self, token: str) -> None:
        """Delete the lock if it is still this checkout's (a stale one may have been taken over)."""
        where = self._where(LOCK)
        held = self.read(LOCK)
        if held is not None and lock_holder(held, token, None)[1]:
            self._call(
                f"releasing the publish lock {where}",
                "delete_object",
                Bucket=self.bucket,
                Key=self.prefix + LOCK,
            )

    def tidy(self) -> int:
        """Abort the multipart uploads a killed publish left under the prefix (their parts are billed)."""
        try:
            answer = self.client.list_multipart_uploads(Bucket=self.bucket, Prefix=self.prefix)
        except Exception as exc:  # noqa: BLE001 - a service that cannot list them keeps them; nothing breaks
            log.debug("%s: multipart uploads not listed: %r", self.url, exc)
            return 0
        now, aborted = dt.datetime.now(dt.UTC), 0
        for upload in answer.get("Uploads", ()):
            started = upload.get("Initiated")
            if isinstance(started, dt.datetime) and now - started >= STALE_UPLOAD:
                try:
                    self._call(
                        f"aborting the unfinished upload of s3://{self.bucket}/{upload['Key']}",
                        "abort_multipart_upload",
                        Bucket=self.bucket,
                        Key=upload["Key"],
                        UploadId=upload["UploadId"],
                    )
                except PublishError as exc:  # left for the next publish, or the bucket's lifecycle rules
                    log.warning("%s", exc)
                    continue
                aborted += 1
        return aborted

    def listing(self) -> dict[str, int]:
        found: dict[str, int] = {}
        token: dict[str, str] = {}
        seen: set[str] = set()
        while True:
            page = self._call(self.url, "list_objects_v2", Bucket=self.bucket, Prefix=self.prefix, **token)
            for item in page.get("Contents", ()):
                found[str(item["Key"])[len(self.prefix) :]] = int(item["Size"])
            if not page.get("IsTruncated"):
                return found
            following = str(page.get("NextContinuationToken") or "")
            if not following or following in seen:  # a listing that would never end
                raise PublishError(
                    f"{self.url}: {self.endpoint} repeats its listing (continuation token "
                    f"{following[:40]!r} again after {len(found)} objects); nothing was changed: check "
                    "the endpoint, or report it to the service"
                )
            seen.add(following)
            token = {"ContinuationToken": following}

    def _where(self, key: str) -> str:
        return f"s3://{self.bucket}/{self.prefix}{key}"

    def stored(self, key: str) -> Stored | None:
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self.prefix + key)
        except Exception as exc:  # noqa: BLE001 - a missing object is an answer; the rest become PublishError
            if _code(exc) in MISSING_KEY:
                return None
            raise self._error(self._where(key), exc) from None
        metadata = head.get("Metadata", {})
        return Stored(metadata.get("sha256"), head.get("ContentType"), head.get("CacheControl"))

    def read(self, key: str, limit: int = 64 * 1024 * 1024) -> bytes | None:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.prefix + key)
            return bytes(answer["Body"].read(limit + 1))  # past the limit it is damage, never read whole
        except Exception as exc:  # noqa: BLE001 - a missing object is an answer; the rest become PublishError
            if _code(exc) in MISSING_KEY:
                return None
            raise self._error(self._where(key), exc) from None

    def send(self, item: Upload, sent: Callable[[int], None]) -> None:
        extra = {
            "ContentType": item.content_type,
            "CacheControl": item.cache_control,
            "Metadata": {"sha256": item.sha256},
        }
        try:
            self.client.upload_file(
                str(item.path),
                self.bucket,
                self.prefix + item.key,
                ExtraArgs=extra,
                Config=self.transfer,
                Callback=sent,
            )
        except Exception as exc:  # noqa: BLE001 - turned into a PublishError naming the object
            raise self._error(f"uploading {self._where(item.key)}", exc) from None

    def write(self, key: str, data: bytes, content_type: str, cache_control: str) -> None:
        self._call(
            f"writing {self._where(key)}",
            "put_object",
            Bucket=self.bucket,
            Key=self.prefix + key,
            Body=data,
            ContentType=content_type,
            CacheControl=cache_control,
        )

    def remove(self, keys: list[str]) -> None:
        for start in range(0, len(keys), 1000):
            batch = [{"Key": self.prefix + key} for key in keys[start : start + 1000]]
            answer = self._call(
                f"removing from {self.url}",
                "delete_objects",
                Bucket=self.bucket,
                Delete={"Objects": batch, "Quiet": True},
            )
            errors = [e for e in answer.get("Errors", ()) if e.get("Code") != "NoSuchKey"]
            if errors:
                first = errors[0]
                raise PublishError(
                    f"removing s3://{self.bucket}/{first.get('Key')}: {first.get('Code')}: "
                    f"{first.get('Message')} ({len(errors)} object(s) not removed; the next publish retries)"
                )

    def allow_cors(self) -> str:
        try:
            rules = self.client.get_bucket_cors(Bucket=self.bucket).get("CORSRules", [])
        except Exception as exc:  # noqa: BLE001 - no rules yet is an answer; the rest become PublishError
            if _code(exc) != "NoSuchCORSConfiguration":
                raise self._error(f"reading the CORS rules of s3://{self.bucket}", exc) from None
            rules = []
        kept = [rule for rule in rules if rule.get("ID") != CORS_RULE["ID"]]
        if any(_same_rule(rule, CORS_RULE) for rule in rules):
            return f"s3://{self.bucket} already lets any origin GET and HEAD"
        self._call(
            f"setting the CORS rules of s3://{self.bucket}",
            "put_bucket_cors",
            Bucket=self.bucket,
            CORSConfiguration={"CORSRules": [*kept, CORS_RULE]},
        )
        return f"s3://{self.bucket} now lets any origin GET and HEAD (CORS)"


def _same_rule(rule: dict[str, Any], wanted: dict[str, Any]) -> bool:
    names = ("AllowedMethods", "AllowedOrigins")
    return all(sorted(rule.get(name, [])) == sorted(wanted[name]) for name in names)


def _botocore_errors() -> Any:
    from botocore import exceptions  # type: ignore[import-untyped]

    return exceptions


def _code(exc: Exception) -> str | None:
    """The S3 error code of a refused request (NoSuchKey, AccessDenied, or the HTTP status of a HEAD)."""
    if not isinstance(exc, _botocore_errors().ClientError):
        return None
    return str(exc.response.get("Error", {}).get("Code"))
