# before: RuntimeError
# prints: 90
import asyncio


def compute():
    return sum(range(10))


async def double(value):
    await asyncio.sleep(0)
    return value * 2


async def main():
    loop = asyncio.get_event_loop()
    total = await loop.run_in_executor(None, compute)
    print(loop.run_until_complete(double(total)))


asyncio.run(main())
