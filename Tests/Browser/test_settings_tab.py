"""Browser tests of the Settings tab: an administrator sets an approval policy, a file dropped then
is approved by the policy and the Activity List says so; an administrator registers a webhook,
sends it a test event, and a real receiver gets it signed with the secret shown; an importer and
an auditor see no Settings tab and the server refuses them.

  python3 -m unittest discover -s Tests/Browser -p test_settings_tab.py
"""

import hashlib
import hmac
import http.server
import json
import os
import re
import subprocess
import threading
import time
import unittest

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as expected
from selenium.webdriver.support.ui import Select

from browser_support import AUDITOR, IMPORTER, LEDGER, LedgerBrowserTest


class Receiver(http.server.ThreadingHTTPServer):
    """A webhook receiver on a free port that keeps every request it is sent."""

    def __init__(self):
        self.requests = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *arguments):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}/hooks/ledger"


class SettingsTabTests(LedgerBrowserTest):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.clean = os.path.join(cls.folder, "clean-export.csv")
        subprocess.run([LEDGER, "sample", "--rows", "400", "--errors", "0", "--seed", "5", "-o", cls.clean], check=True, capture_output=True)

    def test_1_an_administrator_sets_a_policy_and_a_clean_drop_is_approved_by_it(self):
        self.sign_in(self.admin[0], self.admin[1])
        self.browser.find_element(By.LINK_TEXT, "Settings").click()
        row = self.wait().until(expected.presence_of_element_located((By.CSS_SELECTOR, "tr.policy[data-source=ui]")))
        self.assertEqual(row.find_element(By.CLASS_NAME, "set-by").text, "the default")
        Select(row.find_element(By.NAME, "policy")).select_by_visible_text("auto-when-clean")
        row.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        notice = self.wait().until(expected.presence_of_element_located((By.CSS_SELECTOR, "p.notice")))
        self.assertIn("auto-when-clean", notice.text)
        row = self.browser.find_element(By.CSS_SELECTOR, "tr.policy[data-source=ui]")
        self.assertEqual(Select(row.find_element(By.NAME, "policy")).first_selected_option.text, "auto-when-clean")
        self.assertIn(self.admin[0], row.find_element(By.CLASS_NAME, "set-by").text)
        self.assertEqual(self.api("GET", "/v1/policy", AUDITOR)[1]["ui"]["policy"], "auto-when-clean")

        self.sign_in(IMPORTER[0])
        self.drop(self.clean)
        line = self.wait(120).until(expected.presence_of_element_located((By.CSS_SELECTOR, ".test-run[data-state=imported]")))
        self.assertEqual(line.find_element(By.CLASS_NAME, "decision").text, "approved by policy auto-when-clean")
        import_id = line.get_attribute("data-import-id")
        row = self.wait().until(expected.presence_of_element_located((By.CSS_SELECTOR, f"tr[data-import-id='{import_id}'][data-status=imported]")))
        self.assertEqual(row.find_element(By.CLASS_NAME, "decision").text, "approved by policy auto-when-clean")
        self.assertEqual(row.find_element(By.CLASS_NAME, "via").text, "UI")
        self.api("PUT", "/v1/policy", self.admin, b'{"ui": "manual"}', {"Content-Type": "application/json"})

    def test_3_an_administrator_registers_a_webhook_and_sends_it_a_test_event(self):
        receiver = Receiver()
        self.addCleanup(receiver.shutdown)
        self.sign_in(self.admin[0], self.admin[1])
        self.browser.get(self.base + "/admin/settings")
        form = self.browser.find_element(By.CSS_SELECTOR, "form.register-webhook")
        form.find_element(By.NAME, "url").send_keys(receiver.url)
        form.find_element(By.NAME, "event-import.failed").click()
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        notice = self.wait().until(expected.presence_of_element_located((By.CSS_SELECTOR, "p.notice"))).text
        secret = re.search(r"the secret (\S+) \(shown once\)", notice).group(1)
        row = self.browser.find_element(By.CSS_SELECTOR, "tr.webhook")
        self.assertEqual(row.find_element(By.CLASS_NAME, "url").text, receiver.url)
        self.assertNotIn("import.failed", row.text)
        row.find_element(By.CLASS_NAME, "send-test").click()
        self.wait().until(expected.presence_of_element_located((By.CSS_SELECTOR, "p.notice")))
        for _ in range(100):
            if receiver.requests:
                break
            time.sleep(0.1)
        self.assertEqual(len(receiver.requests), 1)
        headers, body = receiver.requests[0]
        self.assertEqual(headers["X-Ledger-Event"], "test")
        signed = hmac.new(secret.encode(), headers["X-Ledger-Timestamp"].encode() + b"." + body, hashlib.sha256).hexdigest()
        self.assertEqual(headers["X-Ledger-Signature"], "sha256=" + signed)
        self.assertEqual(json.loads(body)["event"], "test")
        # The page lists the delivery as delivered once the receiver's answer is recorded.
        for _ in range(50):
            self.browser.get(self.base + "/admin/settings")
            if self.browser.find_elements(By.CSS_SELECTOR, "tr.delivery[data-state=delivered][data-event=test]"):
                break
            time.sleep(0.2)
        line = self.browser.find_element(By.CSS_SELECTOR, "tr.delivery[data-state=delivered][data-event=test]")
        self.assertEqual(line.find_element(By.CLASS_NAME, "attempts").text, "1")
        self.assertEqual(self.api("GET", "/v1/webhooks", AUDITOR)[0], 403)
        # Removed, it is sent nothing more.
        self.browser.find_element(By.CSS_SELECTOR, "tr.webhook .remove").click()
        self.wait().until(expected.presence_of_element_located((By.CSS_SELECTOR, "p.notice")))
        self.assertEqual(self.browser.find_elements(By.CSS_SELECTOR, "tr.webhook"), [])

    def test_2_an_importer_and_an_auditor_see_no_settings_and_are_refused(self):
        for account in [IMPORTER, AUDITOR]:
            self.sign_in(account[0])
            self.assertEqual(self.browser.find_elements(By.LINK_TEXT, "Settings"), [])
            status = self.browser.execute_async_script(
                "const done = arguments[arguments.length - 1];"
                "fetch('/v1/policy', {method: 'PUT', headers: {'Content-Type': 'application/json', Accept: 'application/json',"
                " 'X-CSRF-Token': document.querySelector('meta[name=csrf-token]').content}, body: JSON.stringify({ui: 'auto-unless-errors'})})"
                ".then(response => done(response.status));")
            self.assertEqual(status, 403)
            self.browser.get(self.base + "/admin/settings")
            self.assertNotIn("Approval policies", self.browser.page_source)
            self.assertIn("403", self.browser.page_source)
        self.assertNotEqual(self.api("GET", "/v1/policy", AUDITOR)[1]["ui"]["policy"], "auto-unless-errors")


if __name__ == "__main__":
    unittest.main()
