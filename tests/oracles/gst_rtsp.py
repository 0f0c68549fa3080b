#!/usr/bin/python3
"""A real RTSP server for camguard's tests: GStreamer's gst-rtsp-server (Debian packages).

Run with Debian's /usr/bin/python3 (the GObject bindings live there):
    /usr/bin/python3 tests/oracles/gst_rtsp.py --port 0 --auth digest --user admin --password 12345
Prints one line `READY <port>` once listening; stops on SIGTERM/SIGINT.
Binds only loopback addresses.
"""
import argparse
import ipaddress
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402

PIPELINE = (
    "( videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=10/1 "
    "! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=10 "
    "! rtph264pay name=pay0 pt=96 config-interval=1 )"
)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--address", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--path", default="/live")
    p.add_argument("--auth", choices=["none", "basic", "digest"], default="none")
    p.add_argument("--user", default="admin")
    p.add_argument("--password", default="12345")
    return p.parse_args()


def main():
    args = parse_args()
    if not ipaddress.ip_address(args.address).is_loopback:
        sys.exit("gst_rtsp.py: only loopback addresses may be bound")
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address(args.address)
    server.set_service(str(args.port))

    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(PIPELINE)
    if args.auth != "none":
        permissions = Gst.Structure.from_string(
            "viewer, media.factory.access=(boolean)true, media.factory.construct=(boolean)true"
        )[0]
        factory.add_role_from_structure(permissions)
        token = GstRtspServer.RTSPToken()
        token.set_string("media.factory.role", "viewer")
        auth = GstRtspServer.RTSPAuth()
        if args.auth == "basic":
            auth.add_basic(GstRtspServer.RTSPAuth.make_basic(args.user, args.password), token)
            auth.set_supported_methods(GstRtsp.RTSPAuthMethod.BASIC)
        else:
            auth.add_digest(args.user, args.password, token)
            auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
        server.set_auth(auth)
    server.get_mount_points().add_factory(args.path, factory)
    server.attach(None)
    print(f"READY {server.get_bound_port()}", flush=True)

    loop = GLib.MainLoop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: loop.quit())
    GLib.timeout_add(100, lambda: True)  # wake the loop so Python signal handlers run
    loop.run()


if __name__ == "__main__":
    main()
