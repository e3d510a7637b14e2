"""The shop's handlers."""
import asyncio
import time

from shop.helpers import pause


async def handler():
    time.sleep(1)
    pause()
    asyncio.create_task(handler())
    return "ok"
