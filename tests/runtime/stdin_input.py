# before: BlockingError
# stdin: Ada
import asyncio


async def main():
    name = input("name? ")
    print(f"hello {name.strip()}")


asyncio.run(main())
