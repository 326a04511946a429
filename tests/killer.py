"""Test helper: runs the certquests CLI in this process and SIGKILLs it at a chosen point of the build.

python killer.py POINT CLI-ARGS...

POINT: synthesis, mastering, tagging, pages, feed, registry, after-feed, pruning, or after:SECONDS.
"""

from __future__ import annotations

import os
import signal
import sys
import threading

POINTS = {
    # (module, function): the process dies as that function starts (or, for the feed, just before the rename)
    "synthesis": ("pipeline.speech.hibari", "synthesize"),
    "mastering": ("pipeline.audio.mp3", "encode_part"),
    "tagging": ("pipeline.formats.id3", "write_tags"),
    "pages": ("pipeline.formats.pages", "render_pages"),
    "registry": ("pipeline.model.registry", "save"),  # before the registry is written, the feed not yet live
    "pruning": ("pipeline.stages.publish", "prune"),  # the new feed and pages live, old files not yet gone
}


def main() -> None:
    point, args = sys.argv[1], sys.argv[2:]
    calls = {"count": 0}

    if point.startswith("after:"):  # a moment chosen by the caller: SIGKILL after that many seconds
        threading.Timer(float(point.split(":", 1)[1]), os.kill, (os.getpid(), signal.SIGKILL)).start()
        from pipeline.cli import main as cli

        cli(args)
        return

    def profile(frame, event, arg):
        if point == "after-feed":
            # The new feed has replaced the old one; die before the first page follows it.
            if (
                event == "c_call"
                and arg is os.replace
                and frame.f_code.co_name == "put_live"
                and frame.f_locals.get("final") != frame.f_locals.get("feed_path")
            ):
                os.kill(os.getpid(), signal.SIGKILL)
            return
        if point == "feed":
            # The new feed has been staged beside its place; die before it replaces the old one.
            if (
                event == "c_call"
                and arg is os.replace
                and frame.f_code.co_name == "put_live"
                and frame.f_locals.get("final") == frame.f_locals.get("feed_path")
            ):
                os.kill(os.getpid(), signal.SIGKILL)
            return
        module, function = POINTS[point]
        if event == "call" and frame.f_code.co_name == function and frame.f_globals.get("__name__") == module:
            calls["count"] += 1
            if (
                point != "synthesis" or calls["count"] == 2
            ):  # synthesis: after the first new sentence is cached
                os.kill(os.getpid(), signal.SIGKILL)

    sys.setprofile(profile)
    threading.setprofile(profile)  # the build works on threads of its own
    from pipeline.cli import main as cli

    cli(args)


if __name__ == "__main__":
    main()
