# before: BlockingError
# Helpers that need the event loop's thread: moved to a worker thread, each would raise
# `RuntimeError` (no running event loop), so none of them gets a fix.
import asyncio
import time


def _schedule(callback):
    time.sleep(0.01)
    asyncio.get_running_loop().call_soon(callback)


def _spawn(make_coroutine):
    time.sleep(0.01)
    return asyncio.create_task(make_coroutine())


def _notify(callback):
    _schedule(callback)


def _mount():
    return asyncio.get_running_loop()


class App:
    """Its state belongs to the loop: it has coroutines."""

    def __init__(self):
        self.hooks = {"main": _mount}

    def switch_mode(self, name):
        time.sleep(0.01)
        # The analysis cannot see what this calls; the class's coroutines are enough.
        self.hooks[name]()

    async def run(self):
        self.switch_mode("main")  # no-fix: AG110
        print("switched")


class Connection:
    def __init__(self):
        time.sleep(0.01)
        self.pinger = asyncio.ensure_future(self.ping())

    async def ping(self):
        print("ping")


async def work():
    print("worked")


async def main():
    _schedule(lambda: print("scheduled"))  # no-fix: AG110
    _notify(lambda: print("notified"))  # no-fix: AG110
    task = _spawn(work)  # no-fix: AG110
    await task
    await App().run()
    connection = Connection()  # no-fix: AG110
    await connection.pinger
    await asyncio.sleep(0.01)


asyncio.run(main())
