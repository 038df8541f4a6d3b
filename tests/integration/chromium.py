"""A headless Chromium driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``).

Standard library only: Chromium reads protocol messages from file descriptor 3 and writes them to 4,
each a JSON object ended by a NUL byte (as Playwright and Puppeteer's ``pipe: true`` drive it). No
network port is opened, and pages are loaded from ``file://`` only.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
from typing import Any

# The flags the project allows: no sandbox (root in CI), no GPU, and no background traffic of any kind.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--remote-debugging-pipe")
WAIT_SECONDS = 120  # a guard against a hung browser, not an assertion on speed


def find_chromium() -> str | None:
    return next((path for name in ("chromium", "chromium-browser") if (path := shutil.which(name))), None)


class ProtocolError(RuntimeError):
    pass


class Chromium:
    """One browser with one page; use as a context manager."""

    def __init__(self, binary: str):
        self.profile = tempfile.mkdtemp(prefix="kg-chromium-")
        to_browser_read, self.to_browser = os.pipe()
        self.from_browser, from_browser_write = os.pipe()

        def as_fd_3_and_4() -> None:  # runs in the child, before exec
            high_in = fcntl.fcntl(to_browser_read, fcntl.F_DUPFD, 10)
            high_out = fcntl.fcntl(from_browser_write, fcntl.F_DUPFD, 10)
            os.dup2(high_in, 3)
            os.dup2(high_out, 4)

        self.process = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={self.profile}", "about:blank"], stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, close_fds=False, preexec_fn=as_fd_3_and_4)
        os.close(to_browser_read)
        os.close(from_browser_write)
        self.buffer = b""
        self.next_id = 0
        self.events: list[dict[str, Any]] = []
        self.session: str | None = None

    def __enter__(self) -> Chromium:
        target = self.call("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True}, session=False)["sessionId"]
        self.call("Page.enable")
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.call("Browser.close", session=False)
        except (ProtocolError, OSError):
            pass
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self.to_browser)
        os.close(self.from_browser)
        shutil.rmtree(self.profile, ignore_errors=True)

    # --- protocol ---------------------------------------------------------------------------------

    def send(self, method: str, params: dict | None, session: bool) -> int:
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        return self.next_id

    def receive(self) -> dict[str, Any]:
        while b"\0" not in self.buffer:
            ready, _, _ = select.select([self.from_browser], [], [], WAIT_SECONDS)
            if not ready:
                raise ProtocolError(f"no message from Chromium in {WAIT_SECONDS} s")
            chunk = os.read(self.from_browser, 1 << 20)
            if not chunk:
                raise ProtocolError("Chromium closed the pipe")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method: str, params: dict | None = None, session: bool = True) -> dict[str, Any]:
        wanted = self.send(method, params, session)
        while True:
            message = self.receive()
            if message.get("id") == wanted:
                if "error" in message:
                    raise ProtocolError(f"{method}: {message['error']}")
                return message.get("result", {})
            if "method" in message:
                self.events.append(message)

    def wait_for(self, event: str) -> dict[str, Any]:
        for index, message in enumerate(self.events):
            if message["method"] == event:
                return self.events.pop(index)
        while True:
            message = self.receive()
            if message.get("method") == event:
                return message
            if "method" in message:
                self.events.append(message)

    # --- what a test does --------------------------------------------------------------------------

    def open(self, url: str, width: int = 1400, height: int = 1000) -> None:
        if not url.startswith("file://"):
            raise ValueError("pages are loaded from file:// only")
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        self.events.clear()
        self.call("Page.navigate", {"url": url})
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise ProtocolError(f"script failed: {result['exceptionDetails'].get('text')}: {expression[:80]}")
        return result["result"].get("value")

    def screenshot(self, path: str) -> tuple[int, int]:
        """A PNG of the whole page (not only the viewport); returns its width and height in CSS pixels."""
        size = self.call("Page.getLayoutMetrics")["cssContentSize"]
        width, height = int(size["width"]), int(size["height"])
        # A window as tall as the page, so what sticks to the viewport (100vh) is drawn whole, as a reader
        # scrolling would see it.
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        size = self.call("Page.getLayoutMetrics")["cssContentSize"]
        width, height = int(size["width"]), int(size["height"])
        data = self.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True,
                                                    "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}})
        with open(path, "wb") as handle:
            handle.write(base64.b64decode(data["data"]))
        return width, height
