"""What the browser tests share: a debug `ledger serve` on a fresh ledger in a temporary folder, with
an importer and an auditor besides its first administrator, a headless Chromium driven by Selenium,
and the steps a person takes (sign in, drop a file) or a script takes (the API)."""

import base64
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as expected
from selenium.webdriver.support.ui import WebDriverWait

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
LEDGER = os.environ.get("LEDGER_BINARY", os.path.join(ROOT, ".build", "debug", "ledger"))
SCREENSHOTS = os.path.join(ROOT, ".build", "screenshots")
PASSWORD = "browser tests password"
IMPORTER = ("ivy@utility.example", PASSWORD)
AUDITOR = ("otto@utility.example", PASSWORD)
# Drops the file at `arguments[1]`'s input onto the drop zone as a person would: a DataTransfer
# holding the file, dispatched as dragenter, dragover and drop. The page's own handler uploads it.
DROP_SCRIPT = """
const zone = arguments[0], input = arguments[1];
const transfer = new DataTransfer();
transfer.items.add(input.files[0]);
for (const type of ["dragenter", "dragover", "drop"]) {
  zone.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: transfer }));
}
input.remove();
"""


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LedgerBrowserTest(unittest.TestCase):
    """One server and one ledger for the class, and one browser."""

    @classmethod
    def setUpClass(cls):
        os.makedirs(SCREENSHOTS, exist_ok=True)
        cls.folder = tempfile.mkdtemp(prefix="ledger-browser-")
        cls.db = os.path.join(cls.folder, "ledger.sqlite")
        cls.port = free_port()
        cls.base = f"http://127.0.0.1:{cls.port}"
        cls.server = subprocess.Popen(
            [LEDGER, "serve", "--db", cls.db, "--port", str(cls.port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        first = cls.server.stdout.readline()
        match = re.search(r"as (\S+) with the password (\S+)", first)
        assert match, f"ledger serve did not print its first administrator: {first!r}"
        cls.admin = (match.group(1), match.group(2))
        cls.wait_for_health()
        for email, name, role in [(IMPORTER[0], "Ivy Importer", "importer"), (AUDITOR[0], "Otto Auditor", "auditor")]:
            subprocess.run([LEDGER, "users", "add", email, "--name", name, "--role", role, "--password-stdin", "--db", cls.db],
                           input=PASSWORD + "\n", text=True, check=True, capture_output=True)
        cls.browser = cls.start_browser()

    @classmethod
    def tearDownClass(cls):
        cls.browser.quit()
        cls.server.terminate()
        cls.server.wait(timeout=30)
        shutil.rmtree(cls.folder, ignore_errors=True)
    @classmethod
    def wait_for_health(cls):
        for _ in range(100):
            try:
                with urllib.request.urlopen(cls.base + "/health", timeout=1) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("the server never answered /health")

    @classmethod
    def start_browser(cls):
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000"]:
            options.add_argument(argument)
        browser = webdriver.Chrome(service=webdriver.ChromeService(executable_path="/usr/bin/chromedriver"), options=options)
        cls.downloads = os.path.join(cls.folder, "downloads")
        os.makedirs(cls.downloads)
        browser.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": cls.downloads})
        return browser

    def tearDown(self):
        self.browser.save_screenshot(os.path.join(SCREENSHOTS, f"{self._testMethodName}.png"))

    # Helpers

    def wait(self, seconds=30):
        return WebDriverWait(self.browser, seconds)

    def sign_in(self, email, password=PASSWORD):
        self.browser.delete_all_cookies()
        self.browser.get(self.base + "/signin")
        self.browser.find_element(By.NAME, "email").send_keys(email)
        self.browser.find_element(By.NAME, "password").send_keys(password)
        self.browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        self.wait().until(expected.url_contains("/assets"))

    def drop(self, path):
        """Drops the file at `path` on the drop zone with real drag-and-drop events."""
        zone = self.browser.find_element(By.ID, "drop-zone")
        carrier = self.browser.execute_script(
            "const input = document.createElement('input'); input.type = 'file'; input.id = 'drag-carrier';"
            "input.style.display = 'none'; document.body.append(input); return input;")
        carrier.send_keys(path)
        self.browser.execute_script(DROP_SCRIPT, zone, carrier)

    def api(self, method, path, account, body=None, headers=None):
        request = urllib.request.Request(self.base + path, data=body, method=method, headers=headers or {})
        token = base64.b64encode(f"{account[0]}:{account[1]}".encode()).decode()
        request.add_header("Authorization", "Basic " + token)
        try:
            with urllib.request.urlopen(request, timeout=120) as answer:
                return answer.status, json.loads(answer.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def upload(self, path, account=IMPORTER, query=""):
        """The file at `path`, uploaded through the API as a CIS would; returns the import's id."""
        boundary = "----browser-test-upload"
        with open(path, "rb") as file:
            body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"data\"; filename=\"{os.path.basename(path)}\"\r\n\r\n".encode()
                    + file.read() + f"\r\n--{boundary}--\r\n".encode())
        status, answer = self.api("POST", "/v1/bde/import" + query, account, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})
        self.assertEqual(status, 202, answer)
        return answer["bdeUUID"]

    def wait_for_stage(self, import_id, stages, seconds=60):
        for _ in range(seconds * 10):
            stage = self.api("GET", f"/v1/bde/import/{import_id}", self.admin)[1]["stage"]
            if stage in stages:
                return stage
            self.assertNotIn(stage, ["failed", "rejected"])
            time.sleep(0.1)
        self.fail(f"import {import_id} never reached {stages}")
