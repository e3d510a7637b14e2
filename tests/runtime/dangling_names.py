# A module whose `_background_tasks` is a list: the task's set gets a name of its own.
import asyncio

_background_tasks = []


async def work():
    print("worked")


async def main():
    asyncio.create_task(work())
    await asyncio.sleep(0.01)
    print(_background_tasks)


asyncio.run(main())
