#!/bin/sh
# Writes the Raspberry Pi Imager entry of one board's image (the os_list
# format of "Use custom" repositories): sizes and SHA-256 of the raw image
# and of its .xz, the device tags the Imager filters on, and init_format
# "cloudinit-rpi": the Imager then offers its OS customisation and writes
# the cloud-init files user-data, meta-data and network-config on the boot
# partition. The box reads only the Wi-Fi part of network-config (name,
# password as the 64-hex PSK, hidden, country; `cozy box wifi` at boot);
# the user, SSH, hostname and locale settings are ignored: the box is set
# up from its web page, and no cloud-init runs.
# Usage: oslist.sh IMG OUT (environment: BOARD VERSION URL)
set -eu
img=$1
out=$2
case $BOARD in
rpi4) devices='"pi4-64bit"' name="Raspberry Pi 4 / 400 / CM4" ;;
rpi3) devices='"pi3-64bit"' name="Raspberry Pi 3" ;;
zero2w) devices='"pi3-64bit"' name="Raspberry Pi Zero 2 W" ;;
*) echo "oslist: no Imager entry for board $BOARD" >&2; exit 1 ;;
esac
python3 - "$img" "$out" "$devices" "$name" <<'PY'
import hashlib, json, os, sys, datetime
img, out, devices, name = sys.argv[1], sys.argv[2], json.loads("[" + sys.argv[3] + "]"), sys.argv[4]
def sha(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
xz = img + ".xz"
epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "0") or 0)
entry = {
    "name": f"Cozy {os.environ['VERSION']} ({name})",
    "description": "A household's own cloud: documents, files, photos and apps, kept at home.",
    "url": os.environ["URL"],
    "release_date": datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y-%m-%d"),
    "extract_size": os.path.getsize(img),
    "extract_sha256": sha(img),
    "image_download_size": os.path.getsize(xz),
    "image_download_sha256": sha(xz),
    "devices": devices,
    "init_format": "cloudinit-rpi",
}
with open(out, "w") as f:
    json.dump({"os_list": [entry]}, f, indent=2)
    f.write("\n")
PY
echo "oslist: $out"
