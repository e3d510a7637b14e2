# Classes and module-level objects that other modules use: their attributes' tracked
# types are what those modules see.
import sqlite3
import threading

import psycopg2
import redis

from .factory import make_client, untyped_client

SHARED = sqlite3.connect(":memory:")
CACHE = redis.Redis()
LOCK = threading.Lock()


class Repository:
    def __init__(self, path):
        self.conn = sqlite3.connect(path)
        self.label = "repository"


class BaseService:
    cache: redis.Redis

    def __init__(self, dsn):
        self.db = psycopg2.connect(dsn)
        self.http = make_client()
        self.maybe = untyped_client()

    def helper_name(self):
        return "base"


class Untouched(BaseService):
    """Gives no attribute a value of its own: everything is inherited."""


service = BaseService("dbname=app")


class Injected:
    """`make_client` here is the parameter, not the imported function."""

    def __init__(self, make_client):
        self.http = make_client()


class Reassigned:
    def __init__(self):
        self.http = make_client()

    def reset(self, client):
        self.http = client


class Plain:
    def __init__(self):
        self.cache = object()
