#!/usr/bin/python3
"""One headless Chromium on a lab host, driven by the web UI's lab tests.

Runs inside the host's network namespace (started there by the Swift test),
so the browser talks to that host's own loopback. Selenium drives Chromium
through chromedriver; the Swift test sends this agent one JSON request per
connection on a Unix socket (a file path, reachable from any namespace) and
reads one JSON answer. Waits happen here, polling the page, so each answer
says when the awaited thing was first seen (seconds since the epoch).

  browser-agent.py SOCKET PROFILE_DIR
"""
import json
import os
import socket
import sys
import time
import traceback

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.common.exceptions import StaleElementReferenceException

# Counts notifications the page shows (headless Chromium displays none), then
# shows them for real. Added before any of the page's scripts run; the page
# itself has no hook for tests.
RECORD_NOTIFICATIONS = """
window.__notifications = [];
if (window.Notification) {
  const Real = window.Notification;
  window.Notification = class extends Real {
    constructor(title, options) {
      super(title, options);
      window.__notifications.push({ title, body: options && options.body, focus: document.hasFocus(), vis: document.visibilityState });
    }
  };
}
"""


def start_browser(profile):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     f"--user-data-dir={profile}", "--window-size=1280,800", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-default-apps", "--lang=en-US",
                     # rebind.test is 127.0.0.1 here: the DNS-rebinding check's name.
                     "--host-resolver-rules=MAP rebind.test 127.0.0.1"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORD_NOTIFICATIONS})
    return driver


class Agent:
    def __init__(self, driver):
        self.driver = driver

    def find(self, selector):
        return self.driver.find_element(By.CSS_SELECTOR, selector)

    def texts(self, selector):
        return self.driver.execute_script(
            "return [...document.querySelectorAll(arguments[0])].map(e => e.textContent)", selector)

    def op_get(self, url):
        self.driver.get(url)
        return {"url": self.driver.current_url}

    def op_type(self, selector, text):
        self.find(selector).send_keys(text)
        return {"at": time.time()}

    def op_press(self, selector, key):
        self.find(selector).send_keys(getattr(Keys, key))
        return {"at": time.time()}

    def op_clear(self, selector):
        element = self.find(selector)
        element.send_keys(Keys.CONTROL, "a")
        element.send_keys(Keys.BACKSPACE)
        return {"at": time.time()}

    def op_click(self, selector):
        # The colleague list is redrawn at every state or presence event: a
        # button found a moment ago may be gone; find it again.
        for attempt in range(20):
            try:
                self.find(selector).click()
                return {"at": time.time()}
            except StaleElementReferenceException:
                time.sleep(0.05)
        self.find(selector).click()
        return {"at": time.time()}

    def op_texts(self, selector):
        return {"texts": self.texts(selector)}

    def op_script(self, source):
        return {"value": self.driver.execute_script(source)}

    def op_wait(self, selector, contains, timeout, absent=False):
        """Until an element matching `selector` holds `contains` (or, with absent, none does)."""
        deadline = time.time() + timeout
        while True:
            texts = self.texts(selector)
            found = any(contains in text for text in texts)
            if found != absent:
                return {"at": time.time(), "texts": texts}
            if time.time() > deadline:
                return {"timeout": True, "texts": texts}
            time.sleep(0.02)

    def op_cdp(self, command, params):
        return {"value": self.driver.execute_cdp_cmd(command, params)}

    def op_window_state(self, state):
        """minimized hides and blurs the page, normal shows and focuses it (Debian 12's chromium, headless)."""
        window = self.driver.execute_cdp_cmd("Browser.getWindowForTarget", {})["windowId"]
        self.driver.execute_cdp_cmd("Browser.setWindowBounds", {"windowId": window, "bounds": {"windowState": state}})
        return {"at": time.time()}

    def op_close_tab(self):
        """Closes the page's tab (pagehide, then the tab is gone); a blank tab stays so Chromium runs on."""
        page = self.driver.current_window_handle
        self.driver.switch_to.new_window("tab")
        blank = self.driver.current_window_handle
        self.driver.switch_to.window(page)
        self.driver.close()
        self.driver.switch_to.window(blank)
        return {"at": time.time()}

    def op_screenshot(self, path):
        self.driver.save_screenshot(path)
        return {"path": path}

    def op_console(self):
        return {"entries": [entry["message"] for entry in self.driver.get_log("browser")]}


def serve(path, agent):
    if os.path.exists(path):
        os.unlink(path)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(4)
    print("agent ready", flush=True)
    while True:
        connection, _ = server.accept()
        with connection:
            data = b""
            while not data.endswith(b"\n"):
                chunk = connection.recv(65536)
                if not chunk:
                    break
                data += chunk
            request = json.loads(data)
            operation = request.pop("op")
            if operation == "quit":
                connection.sendall(b"{}\n")
                return
            try:
                answer = getattr(agent, "op_" + operation)(**request)
            except Exception as error:
                answer = {"error": f"{type(error).__name__}: {error}", "trace": traceback.format_exc()}
            connection.sendall(json.dumps(answer).encode() + b"\n")


def main():
    socket_path, profile = sys.argv[1], sys.argv[2]
    driver = start_browser(profile)
    try:
        serve(socket_path, Agent(driver))
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
