# before: BlockingError
# Waiting for a thread, for an executor's future and for the executor's shutdown on the
# loop; fixed, the waits run in a worker thread and return the same.
import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor

executor = ThreadPoolExecutor(max_workers=1)


def slow_square(number):
    time.sleep(0.2)
    return number * number


async def main():
    results = []
    worker = threading.Thread(target=lambda: results.append(slow_square(3)))
    worker.start()
    worker.join()
    future = executor.submit(slow_square, 4)
    print(results[0], future.result())
    executor.submit(slow_square, 5)
    executor.shutdown()


asyncio.run(main())
