# before: BlockingError
# A notifier on a synchronous SMTP client kept on `self`, sending to a small SMTP server
# on loopback. SMTP objects are not thread-safe: every call is reported, none is fixed.
import asyncio
import smtplib
import socketserver
import threading
from email.message import EmailMessage

RECEIVED = []


class SMTPHandler(socketserver.StreamRequestHandler):
    def handle(self):
        self.reply("220 localhost ready")
        while line := self.rfile.readline():
            command = line.decode().strip().upper()
            if command == "DATA":
                self.reply("354 end with a dot")
                lines = []
                while (data := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(data)
                RECEIVED.append(b"".join(lines))
                self.reply("250 queued")
            elif command == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")

    def reply(self, text):
        self.wfile.write(f"{text}\r\n".encode())


server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), SMTPHandler)
server.daemon_threads = True
threading.Thread(target=server.serve_forever, daemon=True).start()


class Notifier:
    def __init__(self, address):
        self.address = address
        self.smtp = smtplib.SMTP()

    async def notify(self, recipient, text):
        message = EmailMessage()
        message["From"] = "app@example.com"
        message["To"] = recipient
        message["Subject"] = "notice"
        message.set_content(text)
        self.smtp.connect(*self.address)  # no-fix: AG112
        self.smtp.send_message(message)  # no-fix: AG112
        self.smtp.quit()  # no-fix: AG112


async def main():
    await Notifier(server.server_address).notify("ops@example.com", "disk almost full")
    print(len(RECEIVED), b"disk almost full" in RECEIVED[0])


asyncio.run(main())
