import requests

from shop.cache import Cache


class Config:
    def __init__(self, path):
        self.text = open(path).read()


class TimedCache(Cache):
    def warm(self):
        return self.get("all")


async def start():
    cache = TimedCache("/tmp/cache")
    cache.warm()  # expect: AG110
    config = Config("config.toml")  # expect: AG110
    return config


class Reader:
    def load(self):
        return open("reader.txt").read()


class Buffered(Reader):
    pass


class Memory(Reader):
    def load(self):
        return "cached"


class Layered(Buffered, Memory):
    """The MRO is Layered, Buffered, Memory, Reader: `load` is Memory's."""


class Remote(requests.Session, Reader):
    """`requests.Session` comes first in the MRO and may define anything."""


async def layered():
    Buffered().load  # A reference: nothing is called.
    buffered = Buffered()
    buffered.load()  # expect: AG110
    layers = Layered()
    layers.load()
    remote = Remote()
    remote.load()
