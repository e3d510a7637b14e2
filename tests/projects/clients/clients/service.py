# Objects returned by the project's functions in another module, by their annotations.
from clients import factory

from .factory import make_async_client, make_client, open_db, untyped_client


async def fetch(url):
    client = make_client()
    return client.get(url)  # expect: AG102


async def count(path):
    db = open_db(path)  # expect: AG110
    return db.execute("select 1")  # expect: AG111


async def direct(url):
    return factory.make_client().get(url)  # expect: AG102


async def not_certain(url):
    client = untyped_client()
    client.get(url)
    coroutine_result = make_async_client()
    coroutine_result.get(url)


def sync_caller(url):
    return make_client().get(url)


async def through_a_sync_helper(url):
    return sync_caller(url)  # expect: AG110
