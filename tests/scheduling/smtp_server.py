"""A small SMTP server on loopback for tests (socketserver, no dependency).

mode "accept" keeps every message; "refuse" answers 550 to each recipient; "silent" accepts the
connection and never says a word, so the client times out. With `tls` (a server ssl.SSLContext) it offers
STARTTLS, or speaks TLS from the start when `implicit_tls`; with `login` ((user, password)) it offers
AUTH PLAIN and keeps only messages from a client that signed in.
"""
import base64
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
        if server.tls and server.implicit_tls:
            self._wrap()
        self._say("220 test-smtp ready")
        sender, recipients, signed_in, encrypted = None, [], False, server.implicit_tls
        while True:
            line = self.rfile.readline().decode("ascii", "replace").strip()
            verb = line.split(" ", 1)[0].upper()
            if not line or verb == "QUIT":
                self._say("221 bye")
                return
            if verb in ("EHLO", "HELO"):
                offers = (["STARTTLS"] if server.tls and not encrypted else []) + (["AUTH PLAIN"] if server.login else [])
                lines = ["test-smtp", *offers]  # the first line names the server, the others are extensions
                for i, text in enumerate(lines):
                    self._say(f"250{'-' if i < len(lines) - 1 else ' '}{text}")
            elif verb == "STARTTLS" and server.tls and not encrypted:
                self._say("220 go ahead")
                self._wrap()
                encrypted = True
            elif verb == "AUTH" and server.login:
                _, user, password = base64.b64decode(line.split()[2]).split(b"\0")
                signed_in = (user.decode(), password.decode()) == server.login
                server.sign_ins.append((user.decode(), signed_in, encrypted))
                self._say("235 ok" if signed_in else "535 5.7.8 authentication failed")
            elif verb == "MAIL":
                if server.login and not signed_in:
                    self._say("530 5.7.0 authentication required")
                    continue
                sender, recipients = line[10:].strip("<>"), []
                self._say("250 ok")
            elif verb == "RCPT":
                if server.mode == "refuse":
                    # quoting the address, as Postfix does ("<bob@example.org>: Recipient address rejected")
                    self._say(f"550 5.1.1 {line[8:].strip().upper()}: mailbox unavailable (test server refuses)")
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
                server.encrypted.append(encrypted)
                self._say("250 queued")
            elif verb in ("RSET", "NOOP"):
                self._say("250 ok")
            else:
                self._say("502 not implemented")

    def _wrap(self):
        self.connection = self.server.owner.tls.wrap_socket(self.connection, server_side=True)
        self.rfile = self.connection.makefile("rb")
        self.wfile = self.connection.makefile("wb", buffering=0)

    def _say(self, text):
        self.wfile.write(text.encode() + b"\r\n")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class LocalSMTP:
    def __init__(self, mode="accept", tls=None, implicit_tls=False, login=None):
        self.mode, self.tls, self.implicit_tls, self.login = mode, tls, implicit_tls, login
        self.messages = []  # (envelope sender, envelope recipients, email.message.Message)
        self.encrypted = []  # per message: whether it came over TLS
        self.sign_ins = []  # (user, accepted, over TLS)
        self.connections = 0
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
