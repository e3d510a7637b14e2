import functools
import sqlite3
from functools import lru_cache

import httpx


def make_client() -> httpx.Client:
    return httpx.Client()


def open_db(path: str) -> sqlite3.Connection:
    return sqlite3.connect(path)


def untyped_client():
    return httpx.Client()


async def make_async_client() -> httpx.Client:
    return httpx.Client()


@lru_cache(maxsize=None)
def shared_client() -> httpx.Client:
    return httpx.Client()


@functools.cache
def default_client() -> httpx.Client:
    return httpx.Client()


def logged(function):
    return function


@logged
def wrapped_client() -> httpx.Client:
    return httpx.Client()
