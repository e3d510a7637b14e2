# The project's modules as a walk of it finds them: what ignore files, hidden and
# default-excluded directories leave out is not the project's, wherever it sits.
from app import legacy
from generated.client import fetch
from pkg.run import deploy
from scripts.helpers import slow

import hidden_helpers
import vendored


async def handler():
    deploy()  # expect: AG110
    slow()  # expect: AG110
    fetch()
    legacy.pause()
    hidden_helpers.pause()
    vendored.pause()
