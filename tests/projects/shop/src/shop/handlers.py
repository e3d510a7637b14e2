import asyncio

import shop.services.http as h
from acme.tools import compress
from shop import load_settings
from shop.cache import Cache

from . import storage
from .services import http
from .storage import (
    cached_settings,
    makes_worker,
    measured_read,
    ping,
    quiet_helper,
    retrying_save,
    sleeper_reference,
    threaded_load,
    tick,
)


async def later():
    return None


async def handle(request):
    settings = load_settings("settings.json")  # expect: AG110
    data = http.fetch_json(request.url)  # expect: AG110
    more = h.fetch_json(request.url)  # expect: AG110
    retrying_save(data)  # expect: AG110
    measured_read("measured.txt")
    await sleeper_reference()
    worker = makes_worker()
    ping(3)
    tick(3)  # expect: AG110
    quiet_helper()
    storage.load_settings("other.json")  # noqa: AG110
    cache = Cache("/tmp/cache")
    cache.peek("k")
    cache.get("k")  # expect: AG110
    compress(data)  # expect: AG110
    await asyncio.to_thread(load_settings, "settings.json")
    callback = lambda: load_settings("later.json")  # noqa: E731
    request.unknown_helper()
    http.notify("saved")  # expect: AG202
    cache.refresh()  # expect: AG202
    later()  # expect: AG202
    await threaded_load("threaded.txt")
    cached_settings()  # expect: AG110
    return settings, more, worker, callback


class Handler:
    def __init__(self, root):
        self.cache = Cache(root)

    async def run(self):
        self.cache.get("k")  # expect: AG110
        self.cache.close()  # expect: AG202
        self._prepare()  # expect: AG110

    def _prepare(self):
        return load_settings("prepare.json")
