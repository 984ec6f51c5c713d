#!/usr/bin/env python3
"""Layer tars and OCI layouts for tests/image/layers.bats and storage.bats (standard library only).

  layers_craft.py layer KIND OUT CANARY
      a malicious or tricky layer tar; CANARY is a directory outside the store that must never
      change.  KIND is one of: traversal absolute symlink-parent symlink-dotdot hardlink-abs
      hardlink-dotdot symlink-then-file hardlink-via-symlink metadata
  layers_craft.py whiteouts OUT1 OUT2
      two layers: the second deletes a/gone (.wh.gone) and makes d opaque (.wh..wh..opq)
  layers_craft.py numbered OUTDIR N
      N small layers OUTDIR/layer-1.tar ... each adding /layer-I
  layers_craft.py oci DIR NAME LAYER... [--wrong-diff-id]
      an OCI layout at DIR with one image named docker.io/library/NAME:latest whose layers are
      the given tars, gzip-compressed; --wrong-diff-id lists another diff id for the last layer
"""
import gzip
import hashlib
import io
import json
import os
import platform
import struct
import sys
import tarfile


def add_file(tar, name, data=b"", mode=0o644, **kw):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = mode
    info.mtime = kw.pop("mtime", 1000000000)
    for k, v in kw.items():
        setattr(info, k, v)
    tar.addfile(info, io.BytesIO(data))


def add_entry(tar, name, type_, mode=0o755, **kw):
    info = tarfile.TarInfo(name)
    info.type = type_
    info.mode = mode
    info.mtime = kw.pop("mtime", 1000000000)
    for k, v in kw.items():
        setattr(info, k, v)
    tar.addfile(info)


def cap_net_bind_service():
    # struct vfs_cap_data, revision 2: magic, then permitted/inheritable for two 32-bit words.
    return struct.pack("<IIIII", 0x02000000, 1 << 10, 0, 0, 0)


def layer(kind, out, canary):
    canary = canary.rstrip("/")
    up = "../" * 30
    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as tar:
        add_file(tar, "ok", b"harmless\n")
        if kind == "traversal":
            add_file(tar, up + canary.lstrip("/") + "/evil", b"escaped\n")
        elif kind == "absolute":
            add_file(tar, canary + "/evil", b"escaped\n")
        elif kind == "symlink-parent":
            add_entry(tar, "esc", tarfile.SYMTYPE, linkname=canary)
            add_file(tar, "esc/evil", b"escaped\n")
        elif kind == "symlink-dotdot":
            add_entry(tar, "up", tarfile.SYMTYPE, linkname=up + canary.lstrip("/"))
            add_file(tar, "up/evil", b"escaped\n")
        elif kind == "hardlink-abs":
            add_entry(tar, "hl", tarfile.LNKTYPE, linkname=canary + "/target")
        elif kind == "hardlink-dotdot":
            add_entry(tar, "hl", tarfile.LNKTYPE, linkname=up + canary.lstrip("/") + "/target")
        elif kind == "symlink-then-file":
            add_entry(tar, "t", tarfile.SYMTYPE, linkname=canary + "/target")
            add_file(tar, "t", b"replaced\n")
        elif kind == "hardlink-via-symlink":
            add_entry(tar, "esc", tarfile.SYMTYPE, linkname=canary)
            add_entry(tar, "hl", tarfile.LNKTYPE, linkname="esc/target")
        elif kind == "metadata":
            add_entry(tar, "srv", tarfile.DIRTYPE, mode=0o750, uid=1234, gid=5678, mtime=1234567890)
            add_file(tar, "srv/data", b"12345", mode=0o640, uid=1234, gid=5678, mtime=1234567891)
            add_entry(tar, "srv/link", tarfile.SYMTYPE, linkname="data", mtime=1234567892)
            add_entry(tar, "srv/hard", tarfile.LNKTYPE, linkname="srv/data")
            add_file(tar, "bin/suid", b"#!/bin/sh\n", mode=0o4755)
            add_file(tar, "bin/ping", b"ping\n", mode=0o755, pax_headers={
                "SCHILY.xattr.security.capability": cap_net_bind_service().decode("latin-1"),
                "SCHILY.xattr.user.colour": "blue",
                "SCHILY.xattr.trusted.overlay.opaque": "y"})
            add_entry(tar, "dev/null", tarfile.CHRTYPE, mode=0o666, devmajor=1, devminor=3)
            add_entry(tar, "run/fifo", tarfile.FIFOTYPE, mode=0o620)
        else:
            sys.exit("unknown kind " + kind)


def whiteouts(out1, out2):
    with tarfile.open(out1, "w", format=tarfile.PAX_FORMAT) as tar:
        add_entry(tar, "a", tarfile.DIRTYPE)
        add_file(tar, "a/keep", b"keep\n")
        add_file(tar, "a/gone", b"gone\n")
        add_entry(tar, "d", tarfile.DIRTYPE)
        add_file(tar, "d/old", b"old\n")
        add_entry(tar, "d/sub", tarfile.DIRTYPE)
        add_file(tar, "d/sub/x", b"x\n")
    with tarfile.open(out2, "w", format=tarfile.PAX_FORMAT) as tar:
        add_file(tar, "a/.wh.gone")
        add_entry(tar, "d", tarfile.DIRTYPE)
        add_file(tar, "d/.wh..wh..opq")
        add_file(tar, "d/new", b"new\n")


def numbered(outdir, n):
    os.makedirs(outdir, exist_ok=True)
    for i in range(1, n + 1):
        with tarfile.open(f"{outdir}/layer-{i}.tar", "w") as tar:
            add_file(tar, f"layer-{i}", f"{i}\n".encode())


def machine():
    m = platform.machine()
    return {"x86_64": "amd64", "aarch64": "arm64"}.get(m, m)


def oci(d, name, layers, wrong_diff_id):
    os.makedirs(f"{d}/blobs/sha256", exist_ok=True)

    def blob(data):
        h = hashlib.sha256(data).hexdigest()
        with open(f"{d}/blobs/sha256/{h}", "wb") as f:
            f.write(data)
        return {"digest": "sha256:" + h, "size": len(data)}

    descs, diff_ids = [], []
    for p in layers:
        raw = open(p, "rb").read()
        diff_ids.append("sha256:" + hashlib.sha256(raw).hexdigest())
        descs.append(dict(mediaType="application/vnd.oci.image.layer.v1.tar+gzip",
                          **blob(gzip.compress(raw, mtime=0))))
    if wrong_diff_id:
        diff_ids[-1] = "sha256:" + "0" * 64
    config = {"architecture": machine(), "os": "linux", "config": {"Cmd": ["sh"]},
              "rootfs": {"type": "layers", "diff_ids": diff_ids},
              "history": [{"created_by": "layer %d" % i} for i in range(len(layers))]}
    cfg = dict(mediaType="application/vnd.oci.image.config.v1+json",
               **blob(json.dumps(config).encode()))
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": cfg, "layers": descs}
    man = dict(mediaType="application/vnd.oci.image.manifest.v1+json",
               **blob(json.dumps(manifest).encode()))
    man["annotations"] = {"org.opencontainers.image.ref.name": f"docker.io/library/{name}:latest"}
    with open(f"{d}/index.json", "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [man]}, f)
    with open(f"{d}/oci-layout", "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)


def main(argv):
    if argv[1] == "layer":
        layer(argv[2], argv[3], argv[4])
    elif argv[1] == "whiteouts":
        whiteouts(argv[2], argv[3])
    elif argv[1] == "numbered":
        numbered(argv[2], int(argv[3]))
    elif argv[1] == "oci":
        rest = [a for a in argv[4:] if a != "--wrong-diff-id"]
        oci(argv[2], argv[3], rest, "--wrong-diff-id" in argv)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
