# Objects kept on instances and modules of other modules: tracked through the project.
import collections
from typing import Annotated

from clients import repository

from .repository import CACHE, SHARED, BaseService, Injected, Plain, Reassigned, Repository, Untouched, service


class Service(BaseService):
    async def lookup(self, key):
        return self.cache.get(key)  # expect: AG111

    async def save(self, row):
        cursor = self.db.cursor()
        cursor.execute("insert into t values (%s)", row)  # expect: AG111
        self.db.commit()  # expect: AG111

    async def fetch(self, url):
        return self.http.get(url)  # expect: AG102

    async def not_certain(self):
        # An unannotated factory whose every return is a client gives that client.
        self.maybe.get("https://example.com")  # expect: AG102
        self.helper_name()


class Overriding(BaseService):
    def __init__(self, dsn, db):
        super().__init__(dsn)
        self.db = db

    async def save(self):
        self.db.commit()


class LibraryFirst(collections.UserDict, BaseService):
    async def lookup(self, key):
        # A base from outside the project comes first in the MRO: not certain.
        return self.cache.get(key)


class PlainFirst(Plain, BaseService):
    async def lookup(self, key):
        # `Plain` comes first in the MRO and gives `cache` another value: not certain.
        return self.cache.get(key)


class Grandchild(Untouched):
    async def lookup(self, key):
        return self.cache.get(key)  # expect: AG111


class Holder:
    def __init__(self):
        self.repo = Repository(":memory:")

    async def count(self):
        return self.repo.conn.execute("select 1")  # expect: AG111


async def query(repo: Repository):
    return repo.conn.execute("select 1")  # expect: AG111


async def query_injected(repo: Annotated[Repository, "a dependency"]):
    return repo.conn.execute("select 1")  # expect: AG111


async def query_made_here():
    repo = Repository(":memory:")  # expect: AG110
    return repo.conn.execute("select 1")  # expect: AG111


async def module_objects():
    SHARED.execute("select 1")  # expect: AG111
    repository.SHARED.execute("select 1")  # expect: AG111
    CACHE.get("key")  # expect: AG111
    service.cache.get("key")  # expect: AG111
    repository.service.db.commit()  # expect: AG111


async def not_objects(repo: Repository, injected: Injected, reassigned: Reassigned):
    repo.label.strip()
    repository.Repository.conn
    injected.http.get("https://example.com")
    reassigned.http.get("https://example.com")


class Importer(Repository):
    async def load(self, path):
        # The block's offload would move the sqlite3 connection to another thread.
        with open(path) as lines:  # expect: AG104
            for line in lines:
                self.conn.execute("insert into t values (?)", (line,))  # expect: AG111


# Sync helpers whose blocking call is on such an object: AG110 where a coroutine calls them.
from .repository import LOCK


class CachedService(BaseService):
    def _read(self, key):
        return self.cache.get(key)

    async def read(self, key):
        return self._read(key)  # expect: AG110


def count_rows():
    return SHARED.execute("select count(*) from t")


def take_lock():
    LOCK.acquire()


def try_lock():
    return LOCK.acquire(blocking=False)


async def report():
    take_lock()  # expect: AG110
    try_lock()
    return count_rows()  # expect: AG110
