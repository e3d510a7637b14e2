import asyncio

from . import tracing
from .tracing import logged


@tracing.traced
def render(path):
    with open(path) as f:
        return f.read()


@logged
async def publish(report):
    await asyncio.sleep(0)
