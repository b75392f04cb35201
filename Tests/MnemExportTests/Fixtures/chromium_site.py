#!/usr/bin/env python3
"""Drives headless Chromium over an exported mnem site and reports what a reader sees.

Usage: chromium_site.py PLAN.json OUT.json

The plan (written by the Swift test) names the site directory, the pages to open, the filters
to apply and where to put screenshots. Chromium is driven through its DevTools protocol over
--remote-debugging-pipe (file descriptors 3 and 4, NUL-separated JSON), so nothing but the
standard library is needed. The script only measures; the Swift test asserts.
"""
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse


class Chromium:
    def __init__(self, binary):
        self.profile = tempfile.mkdtemp(prefix="mnem-chromium-")
        to_child_r, self.to_child = os.pipe()
        self.from_child, from_child_w = os.pipe()

        def wire():
            os.dup2(to_child_r, 3)
            os.dup2(from_child_w, 4)

        self.process = subprocess.Popen(
            [binary, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
             "--remote-debugging-pipe", "--user-data-dir=" + self.profile, "about:blank"],
            preexec_fn=wire, pass_fds=(3, 4), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        os.close(to_child_r)
        os.close(from_child_w)
        self.buffer = b""
        self.next_id = 0
        self.events = []
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.call("Page.enable", session=True)
        self.call("Runtime.enable", session=True)
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False}, session=True)

    def _read(self, deadline):
        while b"\0" not in self.buffer:
            if time.time() > deadline:
                raise TimeoutError("chromium did not answer in time")
            chunk = os.read(self.from_child, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed the pipe")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(line)

    def call(self, method, params=None, session=False, timeout=60):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self.session
        os.write(self.to_child, json.dumps(message).encode() + b"\0")
        deadline = time.time() + timeout
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_event(self, name, timeout=60):
        deadline = time.time() + timeout
        while True:
            for i, event in enumerate(self.events):
                if event.get("method") == name:
                    del self.events[i]
                    return event
            self.events.append(self._read(deadline))

    def open(self, url):
        self.events = [e for e in self.events if e.get("method") != "Page.loadEventFired"]
        self.call("Page.navigate", {"url": url}, session=True)
        self.wait_event("Page.loadEventFired")

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True},
                           session=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path):
        height = self.evaluate("Math.min(3000, document.documentElement.scrollHeight)")
        shot = self.call("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": 1280, "height": height, "scale": 1}}, session=True)
        with open(path, "wb") as f:
            f.write(base64.b64decode(shot["data"]))

    def close(self):
        try:
            self.call("Browser.close", timeout=10)
        except Exception:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


# What each page reports: its visible text, every URL it refers to (resolved by the browser),
# its script elements, and whether anything a hostile memory tried ran or was injected.
PAGE_PROBE = """(() => {
  const urls = [];
  for (const e of document.querySelectorAll('a[href]')) urls.push(e.href);
  for (const e of document.querySelectorAll('img[src], script[src], iframe[src]')) urls.push(e.src);
  for (const e of document.querySelectorAll('link[href]')) urls.push(e.href);
  const handlers = Array.from(document.querySelectorAll('*')).filter(e =>
    Array.from(e.attributes).some(a => a.name.startsWith('on'))).length;
  return {
    title: document.title,
    text: document.body ? document.body.innerText : '',
    urls: urls,
    scripts: document.querySelectorAll('script').length,
    images: document.images.length,
    brokenImages: Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0).length,
    inlineScripts: Array.from(document.querySelectorAll('script')).filter(s => !s.src).length,
    iframes: document.querySelectorAll('iframe, object, embed').length,
    handlers: handlers,
    pwned: window.__mnemPwned === undefined ? null : String(window.__mnemPwned),
    stylesheetApplied: getComputedStyle(document.body).margin === '0px',
  };
})()"""

INDEX_PROBE = """(() => ({
  rows: document.querySelectorAll('#rows tr').length,
  titles: Array.from(document.querySelectorAll('#rows tr td:nth-child(2) a')).map(a => a.textContent),
  count: document.getElementById('count').textContent,
  hash: location.hash,
}))()"""


def check_urls(urls, site):
    """Every URL must be a file inside the site that exists (fragments and queries aside)."""
    missing, external = [], []
    root = os.path.realpath(site)
    for url in urls:
        parsed = urllib.parse.urlparse(url)
        if parsed.scheme != "file":
            external.append(url)
            continue
        path = os.path.realpath(urllib.parse.unquote(parsed.path))
        if not (path == root or path.startswith(root + os.sep)):
            external.append(url)
        elif not os.path.isfile(path):
            missing.append(url)
    return missing, external


def main():
    plan = json.load(open(sys.argv[1]))
    site = plan["site"]
    base = "file://" + urllib.parse.quote(os.path.realpath(site))
    browser = Chromium(plan.get("chromium", "chromium"))
    out = {"pages": {}, "filters": [], "search": None, "select": None, "missing": [], "external": []}
    try:
        for page in plan["pages"]:
            browser.open(f"{base}/{page}")
            report = browser.evaluate(PAGE_PROBE)
            if page == "index.html":
                report["index"] = browser.evaluate(INDEX_PROBE)
            urls = report.pop("urls")
            missing, external = check_urls(urls, site)
            report["urlCount"] = len(urls)
            out["missing"] += missing
            out["external"] += external
            out["pages"][page] = report
            shot = plan.get("screenshots", {}).get(page)
            if shot:
                browser.screenshot(os.path.join(plan["screenshotDir"], shot))

        # Filters given in the URL's fragment, each in a fresh document.
        for n, fragment in enumerate(plan.get("fragments", [])):
            browser.open(f"{base}/index.html?v={n}#{fragment}")
            out["filters"].append({"fragment": fragment, **browser.evaluate(INDEX_PROBE)})

        # A reader typing into the search box (real key input through the protocol).
        if plan.get("search"):
            browser.open(f"{base}/index.html?v=search")
            browser.evaluate("document.getElementById('q').focus()")
            browser.call("Input.insertText", {"text": plan["search"]}, session=True)
            browser.evaluate("new Promise(r => setTimeout(r, 400))")
            out["search"] = browser.evaluate(INDEX_PROBE)
            if plan.get("searchScreenshot"):
                browser.screenshot(os.path.join(plan["screenshotDir"], plan["searchScreenshot"]))

        # A reader choosing a value in a filter's list.
        if plan.get("select"):
            facet, value = plan["select"]["facet"], plan["select"]["value"]
            browser.open(f"{base}/index.html?v=select")
            browser.evaluate(f"""(() => {{ const s = document.getElementById('f-{facet}');
                s.value = {json.dumps(value)}; s.dispatchEvent(new Event('change')); }})()""")
            out["select"] = browser.evaluate(INDEX_PROBE)
            # Showing more rows adds rows built the same way; their links are checked too.
            urls = browser.evaluate("Array.from(document.querySelectorAll('#rows a')).map(a => a.href)")
            missing, external = check_urls(urls, site)
            out["missing"] += missing
            out["external"] += external
    finally:
        browser.close()
    json.dump(out, open(sys.argv[2], "w"), indent=1)


if __name__ == "__main__":
    main()
