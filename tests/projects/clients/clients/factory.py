import sqlite3

import httpx


def make_client() -> httpx.Client:
    return httpx.Client()


def open_db(path: str) -> sqlite3.Connection:
    return sqlite3.connect(path)


def untyped_client():
    return httpx.Client()


async def make_async_client() -> httpx.Client:
    return httpx.Client()
