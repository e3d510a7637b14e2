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
    """No coroutines: its methods may run in a worker thread."""

    def refresh(self):
        _backoff(1)
        print("refreshed")


async def main():
    result = retrying_save("a")
    print(result)
    store = Store()
    store.refresh()


asyncio.run(main())
