# Beside the package, with neither a configuration nor a project marker: named `script`.
from pkg.jobs import nightly


async def main():
    nightly("/srv")  # expect: AG202
