class BaseStore:
    def __init__(self, root):
        self.root = root

    def _sync_refresh(self):
        with open(self.root) as f:
            return f.read()

    async def close(self):
        return None


class Cache(BaseStore):
    def get(self, key):
        return self._sync_refresh()

    def peek(self, key):
        return key

    async def refresh(self):
        self._sync_refresh()  # expect: AG110
