import asyncio
import functools
import json
import time


def load_settings(path):
    with open(path) as f:
        return json.load(f)


def _backoff(attempt):
    time.sleep(2**attempt)


def retrying_save(data):
    for attempt in range(3):
        _backoff(attempt)


def measured_read(path):
    return open(path).read()


def sleeper_reference():
    # Hands the blocking function to a thread: a reference, not a call.
    return asyncio.to_thread(time.sleep, 1)


def makes_worker():
    # The nested function blocks when it runs, which is not when this one does.
    def worker():
        time.sleep(1)

    return worker


def ping(n):
    if n:
        pong(n - 1)


def pong(n):
    ping(n)


def tick(n):
    if n:
        tock(n - 1)
    time.sleep(0.1)


def tock(n):
    tick(n)


def quiet_helper():  # noqa: AG110
    time.sleep(0)


def in_thread(function):
    """Runs the function in a worker thread: calling it no longer blocks."""

    def start(*args):
        return asyncio.get_running_loop().run_in_executor(None, function, *args)

    return start


@in_thread
def threaded_load(path):
    return open(path).read()


@functools.lru_cache(maxsize=1)
def cached_settings():
    return load_settings("cached.json")
