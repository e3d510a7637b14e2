from .disk import slurp
from .reports import publish, render


async def main():
    report = render("report.txt")  # expect: AG110
    publish(report)  # expect: AG202
    return slurp("data.txt")  # expect: AG110
