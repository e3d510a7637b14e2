# Objects returned by the project's functions in another module, by their annotations.
from clients import factory

from .factory import default_client, make_async_client, make_client, open_db, shared_client, untyped_client, wrapped_client


async def fetch(url):
    client = make_client()
    return client.get(url)  # expect: AG102


async def count(path):
    db = open_db(path)  # expect: AG110
    return db.execute("select 1")  # expect: AG111


async def direct(url):
    return factory.make_client().get(url)  # expect: AG102


async def cached(url):
    # A decorator that caches the result keeps the return annotation.
    shared_client().get(url)  # expect: AG102
    client = default_client()
    return client.post(url)  # expect: AG102


async def not_certain(url):
    # An unannotated factory whose every return is a client gives that client.
    client = untyped_client()
    client.get(url)  # expect: AG102
    coroutine_result = make_async_client()
    coroutine_result.get(url)
    # Any other decorator may return anything.
    wrapped_client().get(url)


def sync_caller(url):
    return make_client().get(url)


async def through_a_sync_helper(url):
    return sync_caller(url)  # expect: AG110
