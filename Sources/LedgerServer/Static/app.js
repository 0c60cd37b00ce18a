// The Assets tab: the drop zone, the upload and scan progress, the test-run line with its
// Approve and Cancel buttons, and the Activity List kept fresh. No library: it runs on closed
// networks, served by the ledger itself.
"use strict";

(function () {
  const zone = document.getElementById("drop-zone");
  if (!zone) return;
  const input = document.getElementById("file-input");
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const maximumBytes = Number(zone.dataset.maximumBytes);
  const canImport = document.body.dataset.canImport === "true";
  const upload = document.getElementById("upload");
  const uploadLabel = document.getElementById("upload-label");
  const progress = document.getElementById("upload-progress");
  const refusal = document.getElementById("refusal");
  const testRuns = document.getElementById("test-runs");

  function refuse(message) {
    refusal.textContent = message;
    refusal.hidden = false;
    upload.hidden = true;
  }

  function megabytes(bytes) { return (Math.round(bytes / 1048576 * 10) / 10).toFixed(1); }

  function pick() { input.click(); }
  zone.addEventListener("click", pick);
  zone.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") { event.preventDefault(); pick(); }
  });
  input.addEventListener("change", () => { if (input.files.length) send(input.files[0]); input.value = ""; });
  ["dragenter", "dragover"].forEach((type) => zone.addEventListener(type, (event) => {
    event.preventDefault();
    zone.classList.add("over");
  }));
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    const files = event.dataTransfer && event.dataTransfer.files;
    if (files && files.length) send(files[0]);
  });

  // Uploads one file; refuses one over the limit before sending a byte.
  function send(file) {
    refusal.hidden = true;
    if (file.size > maximumBytes) {
      refuse(file.name + " is " + megabytes(file.size) + " MB; files of at most 70 MB are imported. Split the export into smaller files and drop each.");
      return;
    }
    const form = new FormData();
    form.append("data", file, file.name);
    const request = new XMLHttpRequest();
    request.open("POST", "/v1/bde/import");
    request.setRequestHeader("X-CSRF-Token", csrf);
    request.setRequestHeader("Accept", "application/json");
    upload.hidden = false;
    uploadLabel.textContent = "Uploading " + file.name + "…";
    progress.removeAttribute("value");
    progress.value = 0;
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) progress.value = Math.round(event.loaded / event.total * 100);
    };
    request.onload = () => {
      const answer = parseJSON(request.responseText);
      if (request.status !== 202) { refuse(errorMessage(answer, request.status)); return; }
      uploadLabel.textContent = "Scanning " + file.name + "…";
      progress.value = 100;
      follow(answer.statusUrl, file.size);
    };
    request.onerror = () => refuse("The upload failed: the server could not be reached.");
    request.send(form);
  }

  function parseJSON(text) { try { return JSON.parse(text); } catch (error) { return {}; } }
  function errorMessage(answer, status) { return (answer.error && answer.error.message) || ("The server answered " + status + "."); }

  // Polls an import's status until it settles, showing its progress, then its test-run line.
  function follow(statusUrl, size) {
    fetch(statusUrl, { headers: { Accept: "application/json" } }).then((response) => response.json().then((status) => {
      if (!response.ok) { refuse(errorMessage(status, response.status)); return; }
      if (status.state === "queued" || status.state === "scanning") {
        // The scan's length is not known ahead: the bar runs while the count of records grows.
        upload.hidden = false;
        progress.removeAttribute("value");
        uploadLabel.textContent = status.detail;
        setTimeout(() => follow(statusUrl, size), 400);
        return;
      }
      upload.hidden = true;
      showLine(status);
      if (status.state === "importing") setTimeout(() => follow(statusUrl, size), 400);
      else refreshActivity();
    }));
  }

  function element(tag, attributes, text) {
    const node = document.createElement(tag);
    Object.entries(attributes || {}).forEach(([name, value]) => node.setAttribute(name, value));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // The test-run line: when, how many records are ready, who dropped it, the buttons and links.
  function showLine(status) {
    let line = testRuns.querySelector('[data-import-id="' + status.bdeUUID + '"]');
    if (!line) {
      line = element("div", { class: "test-run", "data-import-id": status.bdeUUID });
      testRuns.prepend(line);
    }
    line.replaceChildren();
    line.dataset.state = status.stage;
    const when = (status.droppedAt || "").replace("T", " ").replace(/\.\d+Z$|Z$/, "");
    line.append(element("span", { class: "when" }, when));
    line.append(element("span", { class: "file" }, status.importFile));
    if (status.stage === "imported") line.append(element("span", { class: "imported" }, status.imported + " records imported"));
    else line.append(element("span", { class: "ready" }, (status.ready || 0) + " records ready to be imported"));
    line.append(element("span", { class: "who" }, status.droppedByName + " <" + status.droppedByEmail + ">"));
    if (status.decision) line.append(element("span", { class: "decision" }, status.decision));
    if (status.stage === "ready" && canImport) {
      const approve = element("button", { class: "approve", type: "button" }, "Approve Import");
      approve.addEventListener("click", () => decide(status, "PUT", "/v1/bde/import", JSON.stringify({ bdeUUID: status.bdeUUID }), approve));
      const cancel = element("button", { class: "cancel", type: "button" }, "Cancel Import");
      cancel.addEventListener("click", () => decide(status, "DELETE", status.statusUrl, null, cancel));
      line.append(approve, cancel);
    }
    if (status.fileUrl) line.append(element("a", { href: status.fileUrl, class: "download-file" }, "Download File"));
    if (status.exceptionsUrl) {
      line.append(element("a", { href: status.exceptionsUrl, target: "_blank", rel: "noopener", class: "exceptions-link" }, "Exceptions"));
      line.append(element("span", { class: "exceptions-count" }, String(status.exceptions)));
    }
    line.append(element("span", { class: "message" }, status.detail));
  }

  function decide(status, method, url, body, button) {
    button.disabled = true;
    const headers = { "X-CSRF-Token": csrf, Accept: "application/json" };
    if (body) headers["Content-Type"] = "application/json";
    fetch(url, { method, headers, body }).then((response) => response.json().then((answer) => {
      if (!response.ok) { refuse(errorMessage(answer, response.status)); button.disabled = false; return; }
      follow(status.statusUrl, 0);
    }));
  }

  function refreshActivity() {
    fetch("/assets/activity", { headers: { Accept: "text/html" } }).then((response) => response.text()).then((html) => {
      document.getElementById("activity").innerHTML = html;
    });
  }
})();
