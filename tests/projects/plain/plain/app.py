from .disk import slurp


async def main():
    return slurp("data.txt")  # expect: AG110
