"""Read an ONVIF device with PyPI `onvif-zeep-async` (pinned in requirements.txt).

usage: python onvif_zeep_check.py HOST PORT [USER PASS]

Uses the WSDL files bundled inside the package (no network), WS-Security UsernameToken
(PasswordDigest) when USER and PASS are given (without them, the library's `authless_`
operations, which send no Security header), and calls:
  devicemgmt GetSystemDateAndTime, GetDeviceInformation, GetServices (XAddr discovery),
  media GetProfiles and GetStreamUri (RTSP over RTP/unicast) for the first profile.
Prints one JSON line:
  {"ok": true, "deviceInformation": {...}, "profiles": [...], "streamUri": "rtsp://...",
   "xaddrs": {...}}
or {"ok": false, "stage": "...", "error": "..."} and exits 1. Loopback addresses only.
"""

import asyncio
import json
import logging
import re
import sys

logging.disable(logging.CRITICAL)


def emit(obj, code):
    print(json.dumps(obj), flush=True)
    sys.exit(code)


async def check(host, port, user, password):
    # Imported here so a missing package is reported as JSON, not a traceback.
    from onvif import ONVIFCamera

    anonymous = user is None
    cam = ONVIFCamera(host, port, user, password, no_cache=True)

    def op(service, name):
        return getattr(service, ("authless_" if anonymous else "") + name)

    stage = "GetServices"
    try:
        devicemgmt = await cam.create_devicemgmt_service()
        if anonymous:
            # update_xaddrs() always signs; do its GetServices discovery without a token.
            for service in await devicemgmt.authless_GetServices({"IncludeCapability": False}):
                cam.xaddrs[service.Namespace] = service.XAddr
        else:
            await cam.update_xaddrs()
        stage = "GetSystemDateAndTime"
        await op(devicemgmt, "GetSystemDateAndTime")()
        stage = "GetDeviceInformation"
        info = await op(devicemgmt, "GetDeviceInformation")()
        stage = "create_media_service"
        media = await cam.create_media_service()
        stage = "GetProfiles"
        profiles = await op(media, "GetProfiles")()
        tokens = [p.token for p in profiles]
        stage = "GetStreamUri"
        uri = await op(media, "GetStreamUri")(
            {
                "StreamSetup": {
                    "Stream": "RTP-Unicast",
                    "Transport": {"Protocol": "RTSP"},
                },
                "ProfileToken": tokens[0] if tokens else "Profile_1",
            }
        )
        return {
            "ok": True,
            "deviceInformation": {
                "manufacturer": info.Manufacturer,
                "model": info.Model,
                "firmwareVersion": info.FirmwareVersion,
                "serialNumber": info.SerialNumber,
                "hardwareId": info.HardwareId,
            },
            "profiles": tokens,
            "streamUri": uri.Uri,
            "xaddrs": dict(cam.xaddrs),
        }
    except Exception as e:  # noqa: BLE001 - report every failure as JSON
        return {"ok": False, "stage": stage, "error": f"{type(e).__name__}: {e}"}
    finally:
        try:
            await cam.close()
        except Exception:  # noqa: BLE001
            pass


def main():
    args = sys.argv[1:]
    if len(args) not in (2, 4) or not re.fullmatch(r"127\.\d+\.\d+\.\d+", args[0]):
        emit({"ok": False, "stage": "args", "error": "usage: HOST(127.x.y.z) PORT [USER PASS]"}, 2)
    host, port = args[0], int(args[1])
    user, password = (args[2], args[3]) if len(args) == 4 else (None, None)
    try:
        result = asyncio.run(asyncio.wait_for(check(host, port, user, password), 20))
    except asyncio.TimeoutError:
        emit({"ok": False, "stage": "timeout", "error": "no answer in 20 s"}, 1)
    except ImportError as e:
        emit({"ok": False, "stage": "import", "error": str(e)}, 3)
    emit(result, 0 if result["ok"] else 1)


if __name__ == "__main__":
    main()
