# before: RuntimeError
# prints: token-42
import asyncio


async def fetch_token():
    await asyncio.sleep(0)
    return "token-42"


async def main():
    token = asyncio.run(fetch_token())
    print(token)


asyncio.run(main())
