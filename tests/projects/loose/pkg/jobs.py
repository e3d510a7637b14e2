from pkg.disk import archive as archive_by_name

from .disk import archive


async def nightly(path):
    archive(path)  # expect: AG110
    archive_by_name(path)  # expect: AG110
