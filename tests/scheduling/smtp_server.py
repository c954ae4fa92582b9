"""A small SMTP server on loopback for tests (socketserver, no dependency).

mode "accept" keeps every message; "refuse" answers 550 to each recipient; "silent" accepts the
connection and never says a word, so the client times out.
"""
import email
import socketserver
import threading


class _Handler(socketserver.StreamRequestHandler):
    def handle(self):
        server = self.server.owner
        server.connections += 1
        if server.mode == "silent":
            self.rfile.read()  # wait, saying nothing, until the client gives up and closes
            return
        self._say("220 test-smtp ready")
        sender, recipients = None, []
        while True:
            line = self.rfile.readline().decode("ascii", "replace").strip()
            verb = line.split(" ", 1)[0].upper()
            if not line or verb == "QUIT":
                self._say("221 bye")
                return
            if verb in ("EHLO", "HELO"):
                self._say("250 test-smtp")
            elif verb == "MAIL":
                sender, recipients = line[10:].strip("<>"), []
                self._say("250 ok")
            elif verb == "RCPT":
                if server.mode == "refuse":
                    self._say("550 5.1.1 mailbox unavailable (test server refuses)")
                else:
                    recipients.append(line[8:].strip("<>"))
                    self._say("250 ok")
            elif verb == "DATA":
                self._say("354 end with <CRLF>.<CRLF>")
                data = []
                for raw in self.rfile:
                    if raw in (b".\r\n", b".\n"):
                        break
                    data.append(raw[1:] if raw.startswith(b"..") else raw)
                server.messages.append((sender, recipients, email.message_from_bytes(b"".join(data))))
                self._say("250 queued")
            elif verb in ("RSET", "NOOP"):
                self._say("250 ok")
            else:
                self._say("502 not implemented")

    def _say(self, text):
        self.wfile.write(text.encode() + b"\r\n")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class LocalSMTP:
    def __init__(self, mode="accept"):
        self.mode = mode
        self.messages = []  # (envelope sender, envelope recipients, email.message.Message)
        self.connections = 0
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
