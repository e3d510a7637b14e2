"""Orders are kept as one JSON file each under a data directory."""
import asyncio
import json
import os
import shutil
from pathlib import Path


class OrderStore:
    def __init__(self, data_dir: str) -> None:
        self.data_dir = data_dir
        self.root = Path(data_dir)
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, order_id: str) -> Path:
        return self.root / f"{order_id}.json"

    async def load(self, order_id: str) -> dict | None:
        path = Path(self.data_dir) / f"{order_id}.json"
        if not path.exists():
            return None
        with open(path) as f:
            return json.load(f)

    async def save(self, order: dict) -> None:
        # Correct: the file is written in a worker thread.
        await asyncio.to_thread(self._write, order)

    def _write(self, order: dict) -> None:
        tmp = self._path(order["id"]).with_suffix(".tmp")
        tmp.write_text(json.dumps(order))
        os.replace(tmp, self._path(order["id"]))

    async def archive(self, order_id: str) -> None:
        archive_dir = os.path.join(self.root, "archive")
        os.makedirs(archive_dir, exist_ok=True)
        shutil.move(self._path(order_id), archive_dir)

    async def pending(self) -> list[str]:
        return [name.removesuffix(".json") for name in os.listdir(self.root) if name.endswith(".json")]

    async def count(self) -> int:
        # The helper looks harmless here, but it lists the directory on the event loop.
        return len(self._order_files())

    def _order_files(self) -> list[str]:
        return [name for name in os.listdir(self.data_dir) if name.endswith(".json")]
