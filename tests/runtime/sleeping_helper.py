# before: BlockingError
import asyncio
import time


def _backoff(attempt):
    time.sleep(0.01 * attempt)


def retrying_save(record):
    for attempt in range(2):
        _backoff(attempt)
    return f"saved {record}"


class Store:
    def _sync_refresh(self):
        _backoff(1)
        print("refreshed")

    async def refresh(self):
        self._sync_refresh()


async def main():
    result = retrying_save("a")
    print(result)
    await Store().refresh()


asyncio.run(main())
