# before: BlockingError
# sqlite3 objects refuse any thread but their creator's: aioguard reports their calls on
# the loop and fixes none of them, nor a helper or a `with` block that uses them.
import asyncio
import os
import sqlite3
import tempfile

DIRECTORY = tempfile.mkdtemp()


def insert(db: sqlite3.Connection, key, value):
    db.execute("INSERT INTO items VALUES (?, ?)", (key, value))


class Repository:
    def __init__(self, path):
        self.db = sqlite3.connect(path)
        self.db.execute("CREATE TABLE items (key TEXT, value TEXT)")

    async def save(self, key, value):
        insert(self.db, key, value)  # no-fix: AG110
        with open(os.path.join(DIRECTORY, "journal.txt"), "a") as journal:  # no-fix: AG104
            journal.write(f"{key}\n")
            self.db.commit()  # no-fix: AG111

    async def load(self, key):
        cursor = self.db.execute("SELECT value FROM items WHERE key = ?", (key,))  # no-fix: AG111
        return cursor.fetchone()[0]  # no-fix: AG111


async def main():
    repository = Repository(os.path.join(DIRECTORY, "app.db"))  # no-fix: AG110
    await repository.save("greeting", "hello")
    print(await repository.load("greeting"))


asyncio.run(main())
