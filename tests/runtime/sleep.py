# before: BlockingError
import asyncio
import time


async def tick(name, delay):
    time.sleep(delay)
    return name


async def main():
    print(await asyncio.gather(tick("a", 0.02), tick("b", 0.01)))


asyncio.run(main())
