# before: BlockingError
# An uploader on a synchronous FTP client kept on `self`, against a pyftpdlib server on
# loopback. FTP objects are not thread-safe: every call is reported, none is fixed.
import asyncio
import ftplib
import io
import logging
import os
import shutil
import tempfile
import threading

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer

ROOT = tempfile.mkdtemp()
# The server logs every session to stderr unless logging is configured.
logging.getLogger("pyftpdlib").addHandler(logging.NullHandler())


class Handler(FTPHandler):
    authorizer = DummyAuthorizer()
    authorizer.add_user("app", "secret", ROOT, perm="elradfmw")


server = FTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=server.serve_forever, kwargs={"handle_exit": False}, daemon=True).start()


class Uploader:
    def __init__(self, address):
        self.address = address
        self.ftp = ftplib.FTP()

    async def upload(self, name, data):
        self.ftp.connect(*self.address)  # no-fix: AG112
        self.ftp.login("app", "secret")  # no-fix: AG112
        self.ftp.storbinary(f"STOR {name}", io.BytesIO(data))  # no-fix: AG112
        listing = self.ftp.nlst()  # no-fix: AG112
        self.ftp.quit()  # no-fix: AG112
        return listing


async def main():
    return await Uploader(server.socket.getsockname()[:2]).upload("report.csv", b"id,total\n1,42\n")


try:
    print(asyncio.run(main()))
    with open(os.path.join(ROOT, "report.csv"), "rb") as uploaded:
        print(uploaded.read())
finally:
    server.close_all()
    shutil.rmtree(ROOT)
