# before: BlockingError
# `with` blocks whose variables belong to the coroutine: an augmented assignment in a
# loop, a conditional assignment, and a name only the block binds.
import asyncio
import os
import tempfile

DIRECTORY = tempfile.mkdtemp()
PATHS = []
for index, text in enumerate(["one", "three", "seven"]):
    PATHS.append(os.path.join(DIRECTORY, f"{index}.txt"))
    with open(PATHS[-1], "w") as f:
        f.write(text)


async def total_size(paths):
    n = 0
    for p in paths:
        with open(p) as f:
            n += len(f.read())
    return n


async def first_line(path, wanted):
    found = None
    with open(path) as f:
        if wanted:
            found = f.readline()
    return found


async def words(path):
    with open(path) as f:
        words = [word.upper() for word in f.read().split()]
    word = "last"
    return words + [word]


async def main():
    print(await total_size(PATHS))
    print(await first_line(PATHS[0], True), await first_line(PATHS[0], False))
    print(await words(PATHS[1]))


asyncio.run(main())
