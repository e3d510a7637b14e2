from .disk import slurp
from .kv import FileStore
from .reports import publish, render


async def main():
    report = render("report.txt")  # expect: AG110
    publish(report)  # expect: AG202
    store = FileStore("data")
    header = store["header"]  # expect: AG110
    return header + slurp("data.txt")  # expect: AG110
