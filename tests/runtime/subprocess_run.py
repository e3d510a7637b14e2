# before: BlockingError
import asyncio
import subprocess
import sys


async def main():
    result = subprocess.run([sys.executable, "-c", "print('child says hi')"], capture_output=True, text=True)
    print(result.stdout.strip())
    print(subprocess.check_output([sys.executable, "-c", "print(6 * 7)"], text=True).strip())


asyncio.run(main())
