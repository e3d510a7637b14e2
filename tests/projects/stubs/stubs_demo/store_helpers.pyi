# A stub is never executed: what its bodies call is not reported.
import time

import requests

def read_all(path: str) -> str: ...

async def refresh(url: str) -> None:
    time.sleep(1)
    requests.get(url)
