# Calls of another module's factory: their literal arguments decide what it returns.
from .connections import get_connection


async def read_sync(url):
    connection = get_connection(url)
    return connection.get("key")  # expect: AG111


async def read_async(url):
    connection = get_connection(url, async_mode=True)
    return await connection.get("key")


async def read_either(url, async_mode):
    return get_connection(url, async_mode=async_mode).get("key")
