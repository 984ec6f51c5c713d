#!/usr/bin/env python3
"""Crafted archives for tests/image/archive.bats, made with the standard library only.

  archive_craft.py layer KIND OUT CANARY
      a malicious layer tar aimed at the directory CANARY (outside any store):
        traversal  ../../../<canary>/evil            (enough ".." to reach / from anywhere)
        absolute   /<canary>/evil                     (an absolute member name)
        symlink    esc -> <canary>, then esc/evil     (write through a symlinked parent)
        hardlink   hl => <canary>/target, then hl     (hard link to an outside file, then
                                                       content for the same name)
        hardlink-dotdot  the same with ../../../<canary>/target
  archive_craft.py docker-archive OUT LAYER [--tag T] [--wrong-diff-id] [--missing-layer]
                                            [--wrong-config-name]
      an old-style docker-archive (<id>.json, <id>/layer.tar, manifest.json, repositories)
      holding the layer tar LAYER; --wrong-diff-id puts another diff id in the config (a
      tampered layer), --missing-layer names a layer file that is not in the archive,
      --wrong-config-name stores the config under a digest it does not hash to
  archive_craft.py oci-archive OUT LAYER [--bad-media-type] [--bad-blob] [--multi-platform]
      an OCI layout in a tar; --bad-media-type gives the layer an unknown media type,
      --bad-blob stores the layer under a digest it does not hash to, --multi-platform names
      a nested index with a linux/amd64 and a linux/arm64 image of the layer
"""
import hashlib
import io
import json
import sys
import tarfile


def add_bytes(tar, name, data, mode=0o644):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = mode
    tar.addfile(info, io.BytesIO(data))


def malicious_layer(kind, out, canary):
    canary = canary.rstrip("/")
    with tarfile.open(out, "w", format=tarfile.GNU_FORMAT) as tar:
        add_bytes(tar, "ok", b"harmless\n")
        if kind == "traversal":
            add_bytes(tar, "../" * 40 + canary.lstrip("/") + "/evil", b"escaped\n")
        elif kind == "absolute":
            add_bytes(tar, canary + "/evil", b"escaped\n")
        elif kind == "symlink":
            link = tarfile.TarInfo("esc")
            link.type = tarfile.SYMTYPE
            link.linkname = canary
            tar.addfile(link)
            add_bytes(tar, "esc/evil", b"escaped\n")
        elif kind in ("hardlink", "hardlink-dotdot"):
            link = tarfile.TarInfo("hl")
            link.type = tarfile.LNKTYPE
            link.linkname = (canary + "/target" if kind == "hardlink"
                             else "../" * 40 + canary.lstrip("/") + "/target")
            tar.addfile(link)
            add_bytes(tar, "hl", b"overwritten\n")
        else:
            sys.exit("unknown kind " + kind)


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def config_for(diff_id):
    return json.dumps({
        "architecture": "amd64",
        "os": "linux",
        "created": "2024-01-01T00:00:00Z",
        "config": {"Cmd": ["sh"]},
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + diff_id]},
    }).encode()


def docker_archive(out, layer_path, tag, wrong_diff_id, missing_layer, wrong_config_name):
    layer = open(layer_path, "rb").read()
    diff_id = sha256(b"not the layer" if wrong_diff_id else layer)
    config = config_for(diff_id)
    config_name = sha256(config + (b" " if wrong_config_name else b"")) + ".json"
    layer_id = sha256(b"v1 id " + layer)
    with tarfile.open(out, "w") as tar:
        add_bytes(tar, layer_id + "/VERSION", b"1.0")
        add_bytes(tar, layer_id + "/layer.tar", layer)
        add_bytes(tar, config_name, config)
        layers = [("nothere/layer.tar" if missing_layer else layer_id + "/layer.tar")]
        add_bytes(tar, "manifest.json", json.dumps(
            [{"Config": config_name, "RepoTags": [tag], "Layers": layers}]).encode())
        repo, _, t = tag.rpartition(":")
        add_bytes(tar, "repositories", json.dumps({repo: {t: layer_id}}).encode())


def multi_platform_archive(out, layer_path):
    """An index.json naming a nested image index with an amd64 and an arm64 image."""
    layer = open(layer_path, "rb").read()
    blobs = {sha256(layer): layer}
    entries = []
    for arch in ("amd64", "arm64"):
        config = json.loads(config_for(sha256(layer)))
        config["architecture"] = arch
        config = json.dumps(config).encode()
        manifest = json.dumps({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                       "digest": "sha256:" + sha256(config), "size": len(config)},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                        "digest": "sha256:" + sha256(layer), "size": len(layer)}],
        }).encode()
        blobs[sha256(config)] = config
        blobs[sha256(manifest)] = manifest
        entries.append({"mediaType": "application/vnd.oci.image.manifest.v1+json",
                        "digest": "sha256:" + sha256(manifest), "size": len(manifest),
                        "platform": {"os": "linux", "architecture": arch}})
    nested = json.dumps({"schemaVersion": 2,
                         "mediaType": "application/vnd.oci.image.index.v1+json",
                         "manifests": entries}).encode()
    blobs[sha256(nested)] = nested
    index = json.dumps({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{"mediaType": "application/vnd.oci.image.index.v1+json",
                       "digest": "sha256:" + sha256(nested), "size": len(nested),
                       "annotations": {"org.opencontainers.image.ref.name": "crafted/multi:1"}}],
    }).encode()
    with tarfile.open(out, "w") as tar:
        add_bytes(tar, "oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
        add_bytes(tar, "index.json", index)
        for digest, data in blobs.items():
            add_bytes(tar, "blobs/sha256/" + digest, data)


def oci_archive(out, layer_path, bad_media_type, bad_blob):
    layer = open(layer_path, "rb").read()
    config = config_for(sha256(layer))
    layer_digest = sha256(layer)
    manifest = json.dumps({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": "sha256:" + sha256(config), "size": len(config)},
        "layers": [{"mediaType": ("application/x-unknown-layer" if bad_media_type
                                  else "application/vnd.oci.image.layer.v1.tar"),
                    "digest": "sha256:" + layer_digest, "size": len(layer)}],
    }).encode()
    index = json.dumps({
        "schemaVersion": 2,
        "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "digest": "sha256:" + sha256(manifest), "size": len(manifest),
                       "annotations": {"org.opencontainers.image.ref.name": "crafted/oci:1"}}],
    }).encode()
    with tarfile.open(out, "w") as tar:
        add_bytes(tar, "oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
        add_bytes(tar, "index.json", index)
        add_bytes(tar, "blobs/sha256/" + sha256(config), config)
        add_bytes(tar, "blobs/sha256/" + sha256(manifest), manifest)
        add_bytes(tar, "blobs/sha256/" + layer_digest, layer + (b"\0" * 512 if bad_blob else b""))


def main(argv):
    if len(argv) < 4:
        sys.exit(__doc__)
    cmd, out = argv[1], argv[2]
    flags = set(a for a in argv[3:] if a.startswith("--"))
    rest = [a for a in argv[3:] if not a.startswith("--")]
    if cmd == "layer":
        malicious_layer(argv[2], argv[3], argv[4])
    elif cmd == "docker-archive":
        tag = "crafted/docker:1"
        if "--tag" in argv:
            tag = argv[argv.index("--tag") + 1]
            rest = [a for a in rest if a != tag]
        docker_archive(out, rest[0], tag, "--wrong-diff-id" in flags, "--missing-layer" in flags,
                       "--wrong-config-name" in flags)
    elif cmd == "oci-archive" and "--multi-platform" in flags:
        multi_platform_archive(out, rest[0])
    elif cmd == "oci-archive":
        oci_archive(out, rest[0], "--bad-media-type" in flags, "--bad-blob" in flags)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
