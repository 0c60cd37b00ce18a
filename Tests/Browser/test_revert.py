"""Browser tests of the Revert Import button: an administrator reverts an imported file with a
reason, and the Activity List says it was reverted, by whom and why; an importer and an auditor
are not offered the button and the server refuses them; a revert that a later import conflicts
with shows what stops it and changes nothing.

  python3 -m unittest discover -s Tests/Browser -p test_revert.py
"""

import csv
import io
import json
import os
import subprocess
import unittest

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as expected
from selenium.webdriver.support.ui import WebDriverWait

from browser_support import AUDITOR, IMPORTER, LEDGER, LedgerBrowserTest


class RevertTests(LedgerBrowserTest):

    def imported(self, seed, edit=None):
        """A sample file of its own, uploaded and approved through the API; returns the import's id."""
        path = os.path.join(self.folder, f"export-{seed}-{edit is not None}.csv")
        subprocess.run([LEDGER, "sample", "--rows", "200", "--errors", "0", "--seed", str(seed), "-o", path], check=True, capture_output=True)
        if edit:
            with open(path, encoding="utf-8") as file:
                text = edit(file.read())
            with open(path, "w", encoding="utf-8") as file:
                file.write(text)
        import_id = self.upload(path)
        self.wait_for_stage(import_id, ["ready"])
        status, answer = self.api("PUT", "/v1/bde/import", IMPORTER, json.dumps({"bdeUUID": import_id}).encode(), {"Content-Type": "application/json"})
        self.assertEqual(status, 202, answer)
        self.wait_for_stage(import_id, ["imported"])
        return import_id

    @staticmethod
    def new_address_on_the_first_record(text):
        rows = list(csv.reader(io.StringIO(text)))
        location, address = rows[0].index("Location_ID"), rows[0].index("Location_Address_Line1")
        for row in rows[1:]:
            if row[location] == rows[1][location]:
                row[address] = "1 Changed Street"
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(rows)
        return out.getvalue()

    def settle(self, condition):
        """Waits for `condition` of the page, asked again when the Activity List it read was
        replaced meanwhile (the page's script refreshes it)."""
        return WebDriverWait(self.browser, 30, ignored_exceptions=[StaleElementReferenceException]).until(condition)

    def line(self, import_id):
        return self.browser.find_element(By.CSS_SELECTOR, f'#activity tr[data-import-id="{import_id}"]')

    def test_1_an_importer_and_an_auditor_are_not_offered_the_button_and_are_refused(self):
        import_id = self.imported(21)
        for account in [IMPORTER, AUDITOR]:
            self.sign_in(account[0])
            self.assertTrue(self.settle(lambda _: self.line(import_id).find_elements(By.CSS_SELECTOR, "form.revert") == []))
            status, answer = self.api("POST", f"/v1/bde/import/{import_id}/revert", account, json.dumps({"reason": "no"}).encode(),
                                      {"Content-Type": "application/json"})
            self.assertEqual(status, 403, answer)
        self.assertEqual(self.api("GET", f"/v1/bde/import/{import_id}", self.admin)[1]["stage"], "imported")

    def test_2_an_administrator_reverts_an_import_with_a_reason(self):
        import_id = self.imported(22)
        self.sign_in(self.admin[0], self.admin[1])
        form = self.settle(lambda _: self.line(import_id).find_element(By.CSS_SELECTOR, "form.revert"))
        # The reason is required: the button alone sends nothing.
        form.find_element(By.TAG_NAME, "button").click()
        self.assertEqual(self.api("GET", f"/v1/bde/import/{import_id}", self.admin)[1]["stage"], "imported")
        form.find_element(By.NAME, "reason").send_keys("The CIS sent last month's file")
        form.find_element(By.TAG_NAME, "button").click()
        status = self.settle(lambda _: self.line(import_id).get_attribute("data-status") == "reverted"
                             and self.line(import_id).find_element(By.CSS_SELECTOR, ".status").text)
        self.assertIn("reverted by", status)
        self.assertIn("The CIS sent last month's file", status)
        self.assertTrue(self.settle(lambda _: self.line(import_id).find_elements(By.CSS_SELECTOR, "form.revert") == []))
        self.assertEqual(self.api("GET", f"/v1/bde/import/{import_id}", AUDITOR)[1]["stage"], "reverted")

    def test_3_a_conflicting_revert_lists_what_stops_it_and_changes_nothing(self):
        first = self.imported(23)
        later = self.imported(23, edit=self.new_address_on_the_first_record)
        self.sign_in(self.admin[0], self.admin[1])
        form = self.settle(lambda _: self.line(first).find_element(By.CSS_SELECTOR, "form.revert"))
        form.find_element(By.NAME, "reason").send_keys("wrong file")
        form.find_element(By.TAG_NAME, "button").click()
        self.wait().until(expected.presence_of_element_located((By.CSS_SELECTOR, ".revert-refused")))
        conflicts = self.browser.find_elements(By.CSS_SELECTOR, ".revert-refused .conflicts li")
        self.assertEqual(len(conflicts), 1)
        self.assertIn('Location_Address_Line1 is "1 Changed Street" now; the import set', conflicts[0].text)
        self.assertEqual(self.api("GET", f"/v1/bde/import/{first}", self.admin)[1]["stage"], "imported")
        self.assertEqual(self.api("GET", f"/v1/bde/import/{later}", self.admin)[1]["stage"], "imported")


if __name__ == "__main__":
    unittest.main()
