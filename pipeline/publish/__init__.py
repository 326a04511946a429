"""Where a site goes once built: the local folder feed/ and the gate every feed passes first, then the hosting
targets an upload reaches, found by the scheme of their URL. Adding a target is a module with
`open_target(url, settings)` and one line in TARGETS."""

from __future__ import annotations

import re

from ..errors import PublishError
from ..model.show import PublishSettings
from . import folder, s3
from .target import OpenTarget, Target

TARGETS: dict[str, OpenTarget] = {
    "s3": s3.open_target,  # s3://BUCKET/PREFIX: Amazon S3 and S3-compatible services
    "file": folder.open_target,  # file:///srv/podcast
    "": folder.open_target,  # a plain folder path
}


def open_target(url: str, settings: PublishSettings) -> Target:
    match = re.match(r"^([a-z][a-z0-9+.-]*)://", url)
    scheme = match.group(1) if match else ""
    opener = TARGETS.get(scheme)
    if opener is None:
        known = ", ".join(f"{name}://" for name in TARGETS if name)
        raise PublishError(f"{url}: no target for '{scheme}://' (known: {known}, or a folder path)")
    return opener(url, settings)
