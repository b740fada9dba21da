#!/usr/bin/env python3
"""Runs a shell script in the QEMU guest through its test agent.

Usage: agent.py SOCKET TIMEOUT SCRIPT   (SCRIPT "-" reads standard input)

SOCKET is the host end of the guest's virtio-serial port "cozy.agent" (a
QEMU -chardev socket). The guest side is board/qemu/rootfs/usr/libexec/
cozy/testagent: it reads "TAG BASE64\n", runs the script under bash and
answers its output then "\n@@TAG RC\n". The script's output is printed and
its exit code is this program's; 124 when no answer came within TIMEOUT
seconds (connection included: QEMU may still be starting), 125 when the
connection broke (the guest rebooted: QEMU exits).
"""
import base64
import os
import socket
import sys
import time


def main():
    path, timeout, script = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    if script == "-":
        script = sys.stdin.read()
    deadline = time.monotonic() + timeout
    s = None
    while s is None:
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(path)
        except OSError:
            s.close()
            s = None
            if time.monotonic() > deadline:
                print("agent: cannot connect to %s" % path, file=sys.stderr)
                return 124
            time.sleep(0.2)
    tag = os.urandom(6).hex()
    s.sendall(b"%s %s\n" % (tag.encode(), base64.b64encode(script.encode())))
    end = ("\n@@%s " % tag).encode()
    buf = b""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            sys.stdout.buffer.write(buf)
            print("agent: no answer within %gs" % timeout, file=sys.stderr)
            return 124
        s.settimeout(left)
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            continue
        except OSError:
            chunk = b""
        if not chunk:
            sys.stdout.buffer.write(buf)
            print("agent: connection closed (guest rebooted?)", file=sys.stderr)
            return 125
        buf += chunk
        i = buf.find(end)
        if i >= 0 and buf.find(b"\n", i + len(end)) >= 0:
            rest = buf[i + len(end):]
            rc = int(rest[: rest.find(b"\n")])
            sys.stdout.buffer.write(buf[:i])
            if i > 0 and not buf[:i].endswith(b"\n"):
                sys.stdout.buffer.write(b"\n")
            sys.stdout.flush()
            return rc


if __name__ == "__main__":
    sys.exit(main())
