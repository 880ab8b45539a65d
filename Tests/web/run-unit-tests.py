#!/usr/bin/python3
"""Runs Tests/web/unit-tests.html in headless Chromium; prints each result,
exits 1 if any failed or the page never finished (a syntax error, say).

The page loads WebUI's modules from the source tree (file://, allowed by
--allow-file-access-from-files), so no server is needed.

  run-unit-tests.py PROFILE_DIR
"""
import os
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

here = os.path.dirname(os.path.abspath(__file__))
options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files",
                 f"--user-data-dir={sys.argv[1]}", "--no-first-run", "--disable-background-networking"):
    options.add_argument(argument)
options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
try:
    driver.get("file://" + os.path.join(here, "unit-tests.html"))
    deadline = time.time() + 20
    results = None
    while time.time() < deadline:
        results = driver.execute_script("return window.testResults")
        if results is not None:
            break
        time.sleep(0.05)
    if results is None:
        print("the unit tests never finished; the console says:")
        for entry in driver.get_log("browser"):
            print("  " + entry["message"])
        sys.exit(1)
    failed = [result for result in results if not result["ok"]]
    for result in results:
        print(("ok     " if result["ok"] else "FAILED ") + result["name"])
        if not result["ok"]:
            print("       " + result["error"].replace("\n", "\n       "))
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    sys.exit(1 if failed or not results else 0)
finally:
    driver.quit()
