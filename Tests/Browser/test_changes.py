"""Browser tests of the change preview: the test-run line says in one sentence what approving
the file changes, beside its ready count and its exceptions, and its Changes page lists every
change, filtered by group and by column, each with its record, line and old → new values.

  python3 -m unittest discover -s Tests/Browser -p test_changes.py
"""

import csv
import io
import json
import os
import subprocess
import unittest

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from browser_support import AUDITOR, IMPORTER, LEDGER, LedgerBrowserTest


class ChangesTests(LedgerBrowserTest):

    def sample(self, name, *options):
        path = os.path.join(self.folder, name)
        subprocess.run([LEDGER, "sample", "--rows", "300", "--seed", "31", "-o", path, *options], check=True, capture_output=True)
        return path

    def settle(self, condition):
        return WebDriverWait(self.browser, 30, ignored_exceptions=[StaleElementReferenceException]).until(condition)

    def line(self, import_id):
        return self.browser.find_element(By.CSS_SELECTOR, f'#activity tr[data-import-id="{import_id}"]')

    def test_the_test_run_line_says_what_changes_and_the_changes_page_lists_it(self):
        first = self.upload(self.sample("first.csv"))
        self.wait_for_stage(first, ["ready"])
        status, answer = self.api("PUT", "/v1/bde/import", IMPORTER, json.dumps({"bdeUUID": first}).encode(), {"Content-Type": "application/json"})
        self.assertEqual(status, 202, answer)
        self.wait_for_stage(first, ["imported"])
        later = self.upload(self.sample("later.csv", "--generation", "1", "--change", "0.3"))
        self.wait_for_stage(later, ["ready"])
        report = self.api("GET", f"/v1/bde/import/{later}", AUDITOR)[1]
        sentence = report["changes"]
        self.assertRegex(sentence, r"\d+ change-outs?, .*\d+ field updates?, .*[\d,]+ unchanged")

        self.sign_in(AUDITOR[0])
        shown = self.settle(lambda _: self.line(later).find_element(By.CSS_SELECTOR, ".changes-sentence").text)
        self.assertEqual(shown, sentence)
        ready = self.line(later).find_element(By.CSS_SELECTOR, "td.ready").text
        self.assertTrue(ready.startswith(str(report["ready"])), ready)
        link = self.line(later).find_element(By.CSS_SELECTOR, "a.changes-link")
        self.assertTrue(link.get_attribute("href").endswith(f"/imports/{later}/changes"))

        # The Changes page, opened like the Exceptions page: every change, then one group.
        self.browser.get(link.get_attribute("href"))
        self.assertIn(sentence, self.browser.find_element(By.CSS_SELECTOR, ".changes-sentence").text)
        status, everything = self.api("GET", f"/v1/bde/import/{later}/changes?limit=1", AUDITOR)
        self.assertEqual(status, 200, everything)
        self.assertIn(f"of {everything['total']:,}", self.browser.find_element(By.CSS_SELECTOR, ".range").text)
        Select(self.browser.find_element(By.NAME, "group")).select_by_value("meter-change-out")
        self.browser.find_element(By.CSS_SELECTOR, "form.filters button").click()
        self.settle(lambda _: "group=meter-change-out" in self.browser.current_url)
        rows = self.browser.find_elements(By.CSS_SELECTOR, "table.changes tr.change")
        self.assertGreater(len(rows), 0)
        for row in rows:
            self.assertEqual(row.find_element(By.CSS_SELECTOR, ".group").text, "Meter change-out")
            columns = [field.text for field in row.find_elements(By.CSS_SELECTOR, ".fields .column")]
            self.assertIn("Location_ID", columns)
        # Each line's old value is what the ledger holds now: the meter's location before the change-out.
        entity = rows[0].find_element(By.CSS_SELECTOR, ".entity").text.split()[1]
        old = rows[0].find_element(By.XPATH, ".//li[span[@class='column' and text()='Location_ID']]/span[@class='old']").text
        status, history = self.api("GET", f"/v1/history/register/{entity}", AUDITOR)
        self.assertEqual(status, 200, history)
        self.assertIn(old, json.dumps(history))

        # By column, from the counts: the lines that update or erase it, as many as counted.
        status, preview = self.api("GET", f"/v1/bde/import/{later}/changes?limit=1", AUDITOR)
        column, count = sorted(preview["counts"]["updatedColumns"].items(), key=lambda item: -item[1])[0]
        self.browser.find_element(By.LINK_TEXT, column).click()
        self.settle(lambda _: f"column={column}" in self.browser.current_url)
        erased = preview["counts"]["clearedColumns"].get(column, 0)
        self.assertIn(f"of {count + erased:,}", self.browser.find_element(By.CSS_SELECTOR, ".range").text)


if __name__ == "__main__":
    unittest.main()
