# before: BlockingError
import asyncio
import os.path
import shutil
import tempfile
import zipfile
from pathlib import Path

WORKDIR = tempfile.mkdtemp()
LOG = open(os.path.join(WORKDIR, "service.log"), "a")


async def main():
    path = os.path.join(WORKDIR, "notes.txt")
    with open(path, "w") as f:
        f.write("first line\nsecond line\n")
    with open(path) as f:
        lines = f.readlines()
    print(len(lines), lines[0].strip())
    notes = Path(WORKDIR) / "more.txt"
    notes.write_text("from pathlib")
    print(notes.read_text(), os.path.exists(notes))
    print(sorted(p.name for p in Path(WORKDIR).iterdir()))
    fd = os.open(os.path.join(WORKDIR, "raw.bin"), os.O_RDWR | os.O_CREAT)
    os.write(fd, b"raw bytes")
    os.lseek(fd, 0, os.SEEK_SET)
    print(os.read(fd, 3))
    os.close(fd)
    archive = os.path.join(WORKDIR, "bundle.zip")
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("inside.txt", "zipped")
    with zipfile.ZipFile(archive) as bundle:
        print(bundle.read("inside.txt"))
    LOG.write("done\n")
    LOG.flush()
    print(os.path.getsize(LOG.name))


try:
    asyncio.run(main())
finally:
    LOG.close()
    shutil.rmtree(WORKDIR)
