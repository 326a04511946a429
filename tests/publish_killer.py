"""Test helper: runs the certquests CLI in this process and SIGKILLs it at a chosen point of an upload.

python publish_killer.py POINT CLI-ARGS...     POINT: audio, pages, feed, manifest or removal
"""

from __future__ import annotations

import os
import signal
import sys
import threading

MODULE = "pipeline.publish.sync"
POINTS = {
    # function of pipeline.publish.sync -> whether this call is the one to die in
    "audio": ("bytes_sent", lambda values: values["key"].endswith(".mp3")),  # an MP3 is on its way
    "pages": ("_send", lambda values: values["item"].key.endswith(".html")),  # audio done, pages starting
    "feed": ("_send", lambda values: values["item"].key == "feed.xml"),  # all but the feed sent
    "manifest": ("_write_manifest", lambda values: values["final"]),  # the feed sent, the manifest not
    "removal": ("_remove", lambda values: True),  # about to remove superseded objects
}


def main() -> None:
    point, args = sys.argv[1], sys.argv[2:]
    function, chosen = POINTS[point]

    def profile(frame, event, arg):
        if (
            event == "call"
            and frame.f_code.co_name == function
            and frame.f_globals.get("__name__") == MODULE
            and chosen(frame.f_locals)
        ):
            os.kill(os.getpid(), signal.SIGKILL)

    sys.setprofile(profile)
    threading.setprofile(profile)  # uploads run on threads of their own
    from pipeline.cli import main as cli

    cli(args)


if __name__ == "__main__":
    main()
