# A task created on an object's loop (`self.loop.create_task`) and dropped; fixed, the
# module keeps a reference to it until it is done, and the program prints the same.
import asyncio


class Service:
    def __init__(self, loop):
        self.loop = loop
        self.done = []

    async def work(self):
        await asyncio.sleep(0.01)
        self.done.append("worked")

    def start(self):
        self.loop.create_task(self.work())


async def main():
    service = Service(asyncio.get_running_loop())
    service.start()
    await asyncio.sleep(0.05)
    print(service.done)


asyncio.run(main())
