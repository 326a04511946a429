"""The [publish] table of content/show.toml: where the site is hosted and how its files are served.

    [publish]
    to = "s3://BUCKET/PREFIX"        # or a folder; `certquests publish --to` overrides it
    endpoint_url = "https://..."     # S3-compatible services; AWS_ENDPOINT_URL works too
    region = "eu-west-1"
    grace_days = 30                  # superseded objects are removed this long after they left the feed
    concurrency = 8                  # uploads at once

    [publish.cache]                  # Cache-Control
    media = "public, max-age=31536000, immutable"   # episodes/: every name carries a content hash
    pages = "public, max-age=300"                   # the feed, pages, cover and assets

Credentials never go here: they come from the standard AWS chain (environment, profiles, ~/.aws). The
classes are schema classes like the show config's, so they can move into pipeline/model/show.py as they are.
"""

from __future__ import annotations

import re
import tomllib
from typing import Any

from pydantic import Field
from pydantic.dataclasses import dataclass

from ..errors import ConfigError, Problem
from ..model.project import CONFIG_NAME, Project
from ..model.schema import SCHEMA, read, toml_where

MEDIA_CACHE = "public, max-age=31536000, immutable"
PAGES_CACHE = "public, max-age=300"
HEADER = r"^[\x21-\x7e][\x20-\x7e]*$"  # printable ASCII on one line, as an HTTP header value must be
SECRET = re.compile(r"(access|secret|session|token|password|key_id|profile|credential)", re.IGNORECASE)
CHAIN = "use the AWS chain (AWS_PROFILE, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or ~/.aws/credentials)"


@dataclass(frozen=True, config=SCHEMA)
class CachePolicy:
    """The [publish.cache] table: Cache-Control for content-hashed media, and for everything else."""

    media: str = Field(
        default=MEDIA_CACHE, pattern=HEADER, description=f"a Cache-Control value like {MEDIA_CACHE!r}"
    )
    pages: str = Field(
        default=PAGES_CACHE, pattern=HEADER, description=f"a Cache-Control value like {PAGES_CACHE!r}"
    )


@dataclass(frozen=True, config=SCHEMA)
class PublishSettings:
    """The [publish] table: where `certquests publish` uploads to, and how."""

    to: str | None = Field(default=None, min_length=1)
    endpoint_url: str | None = Field(
        default=None, pattern=r"^https?://[^/?#\s]+", description="an http(s) URL"
    )
    region: str | None = Field(default=None, pattern=r"^[a-z0-9-]+$", description="a region like 'eu-west-1'")
    grace_days: int = Field(default=30, ge=0, le=3650)
    concurrency: int = Field(default=8, ge=1, le=64)
    cache: CachePolicy = Field(default_factory=CachePolicy)


def read_publish_settings(project: Project) -> PublishSettings:
    """The [publish] table, checked; every problem reported at once with its line."""
    try:
        text = project.config_path.read_text("utf-8")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{CONFIG_NAME}: cannot read it ({exc}); fix it, then publish") from None
    where = toml_where(CONFIG_NAME, text, "publish")
    table: Any = data.get("publish", {})
    if not isinstance(table, dict):
        raise ConfigError(str(where.problem(None, "must be a table")))
    problems: list[Problem] = []
    secrets = [key for key in table if SECRET.search(str(key))]
    problems.extend(where.problem(key, f"credentials never go in show.toml; {CHAIN}") for key in secrets)
    values = {key: value for key, value in table.items() if key not in secrets and key != "cache"}
    cache: Any = table.get("cache", {})
    policy = None
    if not isinstance(cache, dict):
        problems.append(where.problem("cache", "must be a table with 'media' and 'pages'"))
    else:
        policy = read(CachePolicy, cache, toml_where(CONFIG_NAME, text, "publish.cache"), problems)
    settings = read(PublishSettings, values, where, problems)
    if problems or settings is None or policy is None:
        raise ConfigError(f"{CONFIG_NAME}: {len(problems)} problem(s) in [publish]", problems)
    return PublishSettings(
        settings.to, settings.endpoint_url, settings.region, settings.grace_days, settings.concurrency, policy
    )
