from .store_helpers import read_all


async def handler(path):
    return read_all(path)  # expect: AG110
