#!/usr/bin/env python3
"""Console-socket receiver for the xrun integration tests.

usage: recvtty.py SOCKET OUTPUT [INPUT]

Listens on the unix socket SOCKET, accepts one connection, receives the pty
master sent with SCM_RIGHTS (as runc's --console-socket does), optionally
writes INPUT to it, and copies everything the container writes to OUTPUT until
the pty is closed (EIO/EOF). OUTPUT.fdinfo gets one line describing what was
received, so a test can tell "no fd" from "no output".
"""
import os
import socket
import sys


def main() -> int:
    path, out = sys.argv[1], sys.argv[2]
    data_in = sys.argv[3].encode() if len(sys.argv) > 3 else b""
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    srv.settimeout(30)
    conn, _ = srv.accept()
    conn.settimeout(30)
    msg, fds, _flags, _addr = socket.recv_fds(conn, 4096, 4)
    conn.close()
    srv.close()
    with open(out + ".fdinfo", "w") as f:
        f.write("fds=%d msg=%r\n" % (len(fds), msg))
    if not fds:
        return 1
    master = fds[0]
    for extra in fds[1:]:
        os.close(extra)
    if data_in:
        os.write(master, data_in)
    with open(out, "wb", buffering=0) as f:
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO once the last slave fd is closed
                break
            if not chunk:
                break
            f.write(chunk)
    return 0


if __name__ == "__main__":
    sys.exit(main())
