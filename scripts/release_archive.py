#!/usr/bin/env python3
"""Packs one target's aioguard binary as a release asset (the release workflow runs it).

    release_archive.py TARGET BINARY OUT_DIR

writes OUT_DIR/aioguard-TARGET.tar.gz (`.zip` for Windows targets), holding
`aioguard-TARGET/aioguard[.exe]` with the licence and the README, and beside it
`aioguard-TARGET.tar.gz.sha256` in `sha256sum` format. The GitHub Action and
`cargo binstall` read this layout. Standard library only.
"""

import hashlib
import io
import sys
import tarfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = ("LICENSE", "README.md")


def main(argv):
    if len(argv) != 4:
        print("usage: release_archive.py TARGET BINARY OUT_DIR", file=sys.stderr)
        return 2
    target, binary, out_dir = argv[1], Path(argv[2]), Path(argv[3])
    windows = "windows" in target
    folder = f"aioguard-{target}"
    files = [(f"{folder}/aioguard{'.exe' if windows else ''}", binary.read_bytes(), 0o755)]
    files += [(f"{folder}/{name}", (ROOT / name).read_bytes(), 0o644) for name in DOCUMENTS]
    archive = out_dir / f"{folder}{'.zip' if windows else '.tar.gz'}"
    out_dir.mkdir(parents=True, exist_ok=True)
    archive.write_bytes(pack_zip(files) if windows else pack_tar_gz(files))
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    Path(f"{archive}.sha256").write_text(f"{digest}  {archive.name}\n", "ascii")
    print(f"{archive} {digest}")
    return 0


def pack_tar_gz(files):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, content, mode in files:
            entry = tarfile.TarInfo(name)
            entry.size, entry.mode = len(content), mode
            archive.addfile(entry, io.BytesIO(content))
    return buffer.getvalue()


def pack_zip(files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content, mode in files:
            entry = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            entry.external_attr = mode << 16
            archive.writestr(entry, content, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
