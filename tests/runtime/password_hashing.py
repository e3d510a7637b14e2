# before: RuntimeError
# prints: hashed 32 bytes while the loop kept ticking
# A login handler hashes the password with PBKDF2 (AG115): on the loop, a ticking task
# stalls for the whole hash; run in a worker thread, it keeps ticking.
import asyncio
import hashlib


async def login(password):
    return hashlib.pbkdf2_hmac("sha256", password, b"per-user-salt", 600_000)


async def main():
    ticks = 0

    async def tick():
        nonlocal ticks
        while True:
            await asyncio.sleep(0.002)
            ticks += 1

    ticker = asyncio.ensure_future(tick())
    await asyncio.sleep(0.01)
    before = ticks
    key = await login(b"correct horse battery staple")
    stalled = ticks - before < 3
    ticker.cancel()
    if stalled:
        raise RuntimeError("the event loop stalled while the password was hashed")
    print(f"hashed {len(key)} bytes while the loop kept ticking")


asyncio.run(main())
