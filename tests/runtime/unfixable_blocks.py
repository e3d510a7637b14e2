# before: BlockingError
# Blocks and iterators where moving the work to a thread would change the program: an
# assignment to a global, an iterator that is kept and advanced by `next()`, and an
# `os.walk` pruned by the loop. None gets a fix.
import asyncio
import os
import tempfile

TOP = tempfile.mkdtemp()
for directory in ["src", ".git"]:
    os.makedirs(os.path.join(TOP, directory))
    with open(os.path.join(TOP, directory, "file.txt"), "w") as f:
        f.write(directory)

LAST_SIZE = 0


async def remember_size(path):
    global LAST_SIZE
    with open(path) as f:  # no-fix: AG104
        LAST_SIZE = len(f.read())


async def first_entry(directory):
    entries = os.scandir(directory)  # no-fix: AG105
    return next(entries).name


async def files_outside_git(top):
    seen = []
    for root, dirs, files in os.walk(top):  # no-fix: AG105
        dirs[:] = [d for d in dirs if d != ".git"]
        seen.extend(os.path.relpath(os.path.join(root, name), top) for name in files)
    return sorted(seen)


async def main():
    await remember_size(os.path.join(TOP, "src", "file.txt"))
    print(LAST_SIZE)
    print(await first_entry(os.path.join(TOP, "src")))
    print(await files_outside_git(TOP))


asyncio.run(main())
