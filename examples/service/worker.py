"""Books shipments for paid orders in the background."""
import asyncio
import logging
import queue
import threading

log = logging.getLogger(__name__)

# Shared with the reporting thread, which reads the counters and drains the queue.
stats_lock = threading.Lock()
stats = {"booked": 0, "failed": 0}
bookings = queue.Queue(maxsize=1000)


class ShipmentWorker:
    def __init__(self, store, carrier) -> None:
        self.store = store
        self.carrier = carrier
        self.inbox: asyncio.Queue[str] = asyncio.Queue()
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self.run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def run(self) -> None:
        while True:
            order_id = await self.inbox.get()
            try:
                await self.book(order_id)
            except Exception:
                log.exception("booking %s failed", order_id)
                with stats_lock:
                    stats["failed"] += 1

    async def book(self, order_id: str) -> None:
        order = await self.store.load(order_id)
        tracking = await self.carrier.book(order)
        order["tracking"] = tracking
        await self.store.save(order)
        with stats_lock:
            stats["booked"] += 1
        bookings.put((order_id, tracking))
        await self.store.archive(order_id)


def report_forever(interval: float = 60.0) -> None:
    """The reporting thread: logs the counters and drains the queue of bookings."""
    stopped = threading.Event()
    while not stopped.wait(interval):
        with stats_lock:
            log.info("booked %(booked)d, failed %(failed)d", stats)
        while not bookings.empty():
            log.info("booked %s: %s", *bookings.get())


def start_reporting() -> threading.Thread:
    thread = threading.Thread(target=report_forever, daemon=True, name="reporting")
    thread.start()
    return thread
